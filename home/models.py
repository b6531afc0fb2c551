from wagtail.models import Page


class HomePage(Page):
    """The portal's home page (one per site)."""

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "首頁"
