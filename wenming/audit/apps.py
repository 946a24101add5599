from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "wenming.audit"
    label = "audit"

    def ready(self) -> None:
        # Sign-in events (login, failed login, lockout, logout) go to the audit chain.
        from wenming.audit import signals  # noqa: F401
