from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "低收入人口与分层救助"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assistance import rulekeys

        rulekeys.register_all()
