from django.urls import path

from wenming.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("export/organisations/", views.organisation_export, name="organisation_export"),
    path("schedule/", views.schedule_list, name="schedule_list"),
    path("schedule/<str:schedule_name>/run/", views.schedule_run, name="schedule_run"),
    path("<int:job_id>/", views.job_detail, name="job_detail"),
    path("<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
]
