from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "zhizhi.petitions"
    label = "petitions"
    verbose_name = _("信访")

    def ready(self) -> None:
        # Register the `petition` case type, then validate every table again: CasesConfig.ready ran
        # before this app's types existed.
        from zhizhi.cases import types
        from zhizhi.petitions import casetype  # noqa: F401  (registers on import)

        types.validate_all()
