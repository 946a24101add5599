from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
    verbose_name = "督查整改"

    def ready(self) -> None:
        # Home-page attention items (findings to rectify, findings to review).
        from wenming.inspections import attention  # noqa: F401
