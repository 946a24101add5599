from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
