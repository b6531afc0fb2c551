from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_editors_group(sender, app_config, **kwargs):
    # post_migrate is sent once per app with models; permissions of every app exist only
    # after the last of them.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if app_config is with_models[-1]:
        from .roles import ensure_editors_group

        ensure_editors_group()


class IntlReportsConfig(AppConfig):
    name = "intl_reports"
    verbose_name = "國際教育成果報告"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_sync_editors_group, dispatch_uid="intl_reports_editors_group")
        from . import audit

        audit.connect_receivers()
