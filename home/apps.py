from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "入口網站"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model
        from wagtail.models import Page, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from . import cache
        from .models import PortalSettings

        # Publishing is what editors expect to purge; saves, moves and deletions of pages and
        # of what pages show (images, documents, settings, sites) purge as well.
        page_published.connect(cache.purge, dispatch_uid="portal-cache-published")
        page_unpublished.connect(cache.purge, dispatch_uid="portal-cache-unpublished")
        post_page_move.connect(cache.purge, dispatch_uid="portal-cache-moved")
        watched = (Page, Site, PortalSettings, get_image_model(), get_document_model())

        def purge_on_change(sender, instance, **kwargs):
            if isinstance(instance, watched):
                cache.purge()

        post_save.connect(purge_on_change, dispatch_uid="portal-cache-saved", weak=False)
        post_delete.connect(purge_on_change, dispatch_uid="portal-cache-deleted", weak=False)
