from django.apps import AppConfig


class VstatsConfig(AppConfig):
    name = "wenming.vstats"
    label = "vstats"
    verbose_name = "志愿服务统计"

    def ready(self) -> None:
        # Rollups follow every ORM write of the volunteer tables (see wenming/vstats/signals.py).
        from wenming.vstats import signals  # noqa: F401
