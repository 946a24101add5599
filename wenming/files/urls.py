from django.urls import path

from wenming.files import views

app_name = "files"
urlpatterns = [
    path("", views.file_list, name="file_list"),
    path("upload/", views.file_upload, name="file_upload"),
    path("<int:file_id>/", views.file_download, name="file_download"),
    path("<int:file_id>/thumb/", views.file_thumbnail, name="file_thumbnail"),
]
