from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "wenming.orgs"
    label = "orgs"
    verbose_name = "组织与权限"

    def ready(self) -> None:
        # Home-page attention items (organisations without admins, departments without leads).
        from wenming.orgs import attention  # noqa: F401
