from django.urls import path

from wenming.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.volunteer_list, name="volunteer_list"),
    path("new/", views.volunteer_create, name="volunteer_create"),
    path("export/", views.volunteer_export, name="volunteer_export"),
    path("register/", views.register, name="register"),
    path("regions/", views.region_options, name="region_options"),
    path("me/", views.me, name="me"),
    path("me/join/", views.me_join, name="me_join"),
    path("me/leave/", views.me_leave, name="me_leave"),
    path("me/edit/", views.me_edit, name="me_edit"),
    path("dual-report/", views.dual_report, name="dual_report"),
    path("<int:volunteer_id>/", views.volunteer_detail, name="volunteer_detail"),
    path("<int:volunteer_id>/reveal/", views.volunteer_reveal, name="volunteer_reveal"),
    path("orgs/", views.vorg_list, name="vorg_list"),
    path("orgs/new/", views.vorg_create, name="vorg_create"),
    path("orgs/<int:vorg_id>/", views.vorg_detail, name="vorg_detail"),
    path("orgs/<int:vorg_id>/admins/add/", views.vorg_admin_add, name="vorg_admin_add"),
    path("orgs/<int:vorg_id>/teams/new/", views.team_create, name="team_create"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:application_id>/decide/", views.application_decide, name="application_decide"),
]
