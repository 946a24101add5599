from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "wenming.web"
    label = "web"
