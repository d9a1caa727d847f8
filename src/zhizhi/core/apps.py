from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhizhi.core"
    label = "core"
    verbose_name = "基础"
