from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "wenming.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        # The home page's "后台任务" card.
        from wenming.jobs import attention  # noqa: F401
