from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "zhizhi.metrics"
    label = "metrics"
    verbose_name = "指标"
