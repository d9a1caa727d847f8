from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "zhizhi.web"
    label = "web"
    verbose_name = "工作台"

    def ready(self) -> None:
        # Background job kinds register their runners on import.
        from zhizhi.web import exports, imports  # noqa: F401
