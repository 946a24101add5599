from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "wenming.jobs"
    label = "jobs"
