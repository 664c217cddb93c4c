from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = "企业奖补"
    default_auto_field = "django.db.models.BigAutoField"
