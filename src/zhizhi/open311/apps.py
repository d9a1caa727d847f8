from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "zhizhi.open311"
    label = "open311"
    verbose_name = "Open311 接口"

    def ready(self) -> None:
        from zhizhi.open311 import receivers  # noqa: F401  (receivers connect on import)
