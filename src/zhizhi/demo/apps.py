from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhizhi.demo"
    label = "demo"
    verbose_name = "演示乡镇"
