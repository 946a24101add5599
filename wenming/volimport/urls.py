from django.urls import path

from wenming.volimport import views

app_name = "volimport"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/", views.template, name="template"),
    path("<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("<int:batch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("<int:batch_id>/header/", views.batch_header, name="batch_header"),
    path("<int:batch_id>/mapping/", views.batch_mapping, name="batch_mapping"),
    path("<int:batch_id>/import/", views.batch_import, name="batch_import"),
    path("<int:batch_id>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("<int:batch_id>/errors.xlsx", views.batch_errors, name="batch_errors"),
    path("export/", views.export_start, name="export_start"),
    path("export/<int:job_id>/", views.export_detail, name="export_detail"),
    path("export/<int:job_id>/cancel/", views.export_cancel, name="export_cancel"),
    path("export/<int:job_id>/download/", views.export_download, name="export_download"),
]
