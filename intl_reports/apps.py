from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_editors_group(sender, app_config, **kwargs):
    # post_migrate is sent once per app; permissions of every app exist only after the last one.
    if app_config is list(apps.get_app_configs())[-1]:
        from .roles import ensure_editors_group

        ensure_editors_group()


class IntlReportsConfig(AppConfig):
    name = "intl_reports"
    verbose_name = "國際教育成果報告"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_sync_editors_group, dispatch_uid="intl_reports_editors_group")
