from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "wenming.assessments"
    label = "assessments"
    verbose_name = "测评与对标找差"
