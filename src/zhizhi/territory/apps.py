from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "zhizhi.territory"
    label = "territory"
    verbose_name = "辖区"
