from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "zhizhi.hotline"
    label = "hotline"
    verbose_name = "保障热线"
