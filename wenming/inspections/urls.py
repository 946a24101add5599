from django.urls import path

from wenming.inspections import views

app_name = "inspections"
urlpatterns = [
    path("points/", views.point_list, name="point_list"),
    path("points/import/", views.point_import, name="point_import"),
    path("points/import/template/", views.point_import_template, name="point_import_template"),
    path("points/<int:point_id>/", views.point_detail, name="point_detail"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:finding_id>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:finding_id>/act/", views.finding_act, name="finding_act"),
    path("findings/<int:finding_id>/photos/<int:file_id>/", views.finding_photo, name="finding_photo"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:inspection_id>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:inspection_id>/draw/", views.inspection_draw, name="inspection_draw"),
    path("letters/", views.letter_list, name="letter_list"),
    path("letters/issue/", views.letter_issue, name="letter_issue"),
    path("letters/<int:letter_id>/", views.letter_detail, name="letter_detail"),
    path("letters/<int:letter_id>/download/", views.letter_download, name="letter_download"),
    path("letters/<int:letter_id>/sent/", views.letter_sent, name="letter_sent"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:bulletin_id>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:bulletin_id>/download/", views.bulletin_download, name="bulletin_download"),
    path("rankings/", views.ranking_list, name="ranking_list"),
    path("rankings/compute/", views.ranking_compute, name="ranking_compute"),
    path("rankings/<int:ranking_id>/", views.ranking_detail, name="ranking_detail"),
    path("rankings/<int:ranking_id>/publish/", views.ranking_publish, name="ranking_publish"),
    path("rankings/<int:ranking_id>/export/", views.ranking_export, name="ranking_export"),
    path("public/rankings/", views.public_ranking_list, name="public_ranking_list"),
    path("public/rankings/<int:ranking_id>/", views.public_ranking_detail, name="public_ranking_detail"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
