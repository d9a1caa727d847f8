from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhizhi.cases"
    label = "cases"
    verbose_name = "工单"

    def ready(self) -> None:
        # Every registered case type's workflow is checked once at start-up: a bad table
        # (unknown state, unreachable state, unknown role) stops the process here.
        from zhizhi.cases import receivers, types  # noqa: F401  (receivers connect on import)

        types.validate_all()
