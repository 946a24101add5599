from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "wenming.volunteers"
    label = "volunteers"

    def ready(self):
        # Home-page attention item (applications to decide).
        from wenming.volunteers import attention  # noqa: F401
