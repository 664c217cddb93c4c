from django.apps import AppConfig


class DisasterConfig(AppConfig):
    name = "disaster"
    verbose_name = "灾情报送与应急响应"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from disaster import registry

        registry.register_all()
