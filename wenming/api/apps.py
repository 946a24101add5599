from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "wenming.api"
    label = "api"
