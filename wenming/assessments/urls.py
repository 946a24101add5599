from django.urls import path

from wenming.assessments import views

app_name = "assessments"
urlpatterns = [
    path("heatmap/", views.heatmap, name="heatmap"),
    path("campaigns/<int:campaign_id>/", views.round_list, name="round_list"),
    path("campaigns/<int:campaign_id>/new/", views.round_create, name="round_create"),
    path("campaigns/<int:campaign_id>/compare/", views.compare, name="compare"),
    path("campaigns/<int:campaign_id>/gaps/", views.gaps, name="gaps"),
    path("rounds/<int:round_id>/", views.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/scores/", views.scores_save, name="scores_save"),
    path("rounds/<int:round_id>/extras/", views.extras_save, name="extras_save"),
    path("rounds/<int:round_id>/submit/", views.round_submit, name="round_submit"),
    path("rounds/<int:round_id>/report.docx", views.round_report, name="round_report"),
]
