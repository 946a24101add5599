from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "wenming.files"
    label = "files"
