from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "wenming.volunteers"
    label = "volunteers"
