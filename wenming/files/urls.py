from django.urls import path

from wenming.files import views

app_name = "files"
urlpatterns = [
    path("", views.file_list, name="file_list"),
]
