from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "wenming.frameworks"
    label = "frameworks"
