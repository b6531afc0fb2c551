from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "入口網站"
    default_auto_field = "django.db.models.BigAutoField"
