from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "wenming.campaigns"
    label = "campaigns"
    verbose_name = "创建工作"

    def ready(self) -> None:
        # Home-page attention items (overdue tasks, tasks due soon).
        from wenming.campaigns import attention  # noqa: F401
