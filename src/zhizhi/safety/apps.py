from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "zhizhi.safety"
    label = "safety"
    verbose_name = "安全生产"

    def ready(self) -> None:
        # Register the `hazard` case type, then validate every table again: CasesConfig.ready ran
        # before this app's types existed.
        from zhizhi.cases import types
        from zhizhi.safety import hazards  # noqa: F401  (registers on import)

        types.validate_all()
