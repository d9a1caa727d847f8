from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "zhizhi.mediation"
    label = "mediation"
    verbose_name = _("人民调解")

    def ready(self) -> None:
        # Register the `dispute` case type, then validate every table again: CasesConfig.ready ran
        # before this app's types existed.
        from zhizhi.cases import types
        from zhizhi.mediation import casetype  # noqa: F401  (registers on import)

        types.validate_all()
