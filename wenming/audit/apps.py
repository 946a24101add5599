from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "wenming.audit"
    label = "audit"
