from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhizhi.accounts"
    label = "accounts"
    verbose_name = "人员与权限"
