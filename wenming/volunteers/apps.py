from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "wenming.volunteers"
    label = "volunteers"

    def ready(self):
        # Home-page attention item (applications to decide); the second-factor check for
        # volunteer-org admins (who may unmask IDs); their module roles for the navigation.
        from wenming.volunteers import attention, navroles, security  # noqa: F401
