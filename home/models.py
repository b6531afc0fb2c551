"""The public portal's page types: the home page, the seven sections, and articles.

Tree::

    HomePage (one per site)
    ├── SectionPage ×7 (main menu) ─┬─ SectionPage (sub-sections)
    │                               ├─ ArticlePage (news, announcements, regulations)
    │                               └─ OutcomeIndexPage → OutcomePage (intl_reports)
    └── SectionPage (最新消息, 隱私權政策, 無障礙聲明: not in the menu)

The showcased exchanges (OutcomeIndexPage, OutcomePage) live in ``intl_reports``, with the
reports they will later be drawn from.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .blocks import BodyStreamBlock
from .query import public_pages

LISTING_PAGE_SIZE = 12
HOME_NEWS_COUNT = 5
HOME_FEATURED_MAX = 8


def _require_alt_with_image(instance, image_field="image", alt_field="image_alt"):
    """An image an editor places needs its alternative text (WCAG 1.1.1)."""
    if getattr(instance, f"{image_field}_id") and not getattr(instance, alt_field).strip():
        raise ValidationError({alt_field: "選擇圖片時必須填寫替代文字。"})


class PortalPage(Page):
    """Behaviour shared by the portal's page types (not a page type itself)."""

    class Meta:
        abstract = True

    def get_og_image(self):
        """The image (and its alt text) for Open Graph, or (None, "")."""
        return None, ""


class HomePage(PortalPage):
    """The portal's home page (one per site): carousel, latest news, the seven sections."""

    hero_heading = models.CharField(
        "主視覺標題", max_length=120, blank=True, help_text="輪播上方的標語，可留空。"
    )
    intro = models.TextField("網站簡介", blank=True)
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name="內容")

    content_panels = [
        *Page.content_panels,
        FieldPanel("hero_heading"),
        FieldPanel("intro"),
        InlinePanel(
            "featured_outcomes",
            label="首頁輪播：精選交流成果",
            heading="首頁輪播",
            help_text="依排列順序輪播；只顯示已發布的成果。",
            max_num=HOME_FEATURED_MAX,
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.SectionPage"]
    max_count = 1

    class Meta:
        verbose_name = "首頁"

    def featured_slides(self):
        """The carousel's slides: live outcomes in the editors' order, photos prefetched."""
        from intl_reports.models import OutcomeGalleryImage

        return list(
            self.featured_outcomes.filter(outcome__live=True)
            .order_by("sort_order", "pk")  # pk breaks ties of rows saved without an order
            .select_related("outcome", "image")
            .prefetch_related(
                "image__renditions",
                Prefetch(
                    "outcome__gallery_images",
                    queryset=OutcomeGalleryImage.objects.select_related("image").prefetch_related(
                        "image__renditions"
                    ),
                ),
            )
        )

    def latest_news(self):
        news = ArticlePage.objects.live().filter(category=ArticlePage.Category.NEWS)
        return list(public_pages(news).order_by("-date", "-pk")[:HOME_NEWS_COUNT])

    def news_index(self):
        return SectionPage.objects.live().child_of(self).filter(slug=SectionPage.NEWS_SLUG).first()

    def sections(self):
        return list(public_pages(SectionPage.objects.live().in_menu().child_of(self)))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["slides"] = self._slides = self.featured_slides()
        context["latest_news"] = self.latest_news()
        context["news_index"] = self.news_index()
        context["sections"] = self.sections()
        return context

    def get_og_image(self):
        # get_context() has loaded the slides, renditions included.
        slides = getattr(self, "_slides", None)
        if slides is None:
            slides = self.featured_slides()
        return slides[0].slide_image() if slides else (None, "")


class HomeFeaturedOutcome(Orderable):
    """One slide of the home carousel: a showcased exchange, in the order the editors choose."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_outcomes")
    outcome = models.ForeignKey(
        "intl_reports.OutcomePage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="交流成果",
    )
    image = models.ForeignKey(
        "intl_reports.PortalImage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="輪播圖片",
        help_text="留空則使用該成果相簿的第一張照片。",
    )
    image_alt = models.CharField(
        "圖片替代文字", max_length=250, blank=True, help_text="選擇輪播圖片時必填。"
    )

    panels = [
        PageChooserPanel("outcome", "intl_reports.OutcomePage"),
        FieldRowPanel([FieldPanel("image"), FieldPanel("image_alt")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "精選交流成果"
        verbose_name_plural = "精選交流成果"

    def clean(self):
        super().clean()
        _require_alt_with_image(self)

    def slide_image(self):
        """(image, alt) for the slide: the editors' choice, else the outcome's first photo."""
        if self.image_id:
            return self.image, self.image_alt
        return self.outcome.first_photo()


class SectionPage(PortalPage):
    """One of the seven top sections (or a sub-section): intro, body, and a listing of children."""

    NEWS_SLUG = "news"

    intro = models.TextField("簡介", blank=True, help_text="顯示於頁首與主選單下方的說明。")
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name="內容")

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["home.HomePage", "home.SectionPage"]
    subpage_types = ["home.SectionPage", "home.ArticlePage", "intl_reports.OutcomeIndexPage"]

    class Meta:
        verbose_name = "單元頁"
        verbose_name_plural = "單元頁"

    def listing(self, request):
        """The children, newest article first, paginated (two queries whatever the count)."""
        children = public_pages(self.get_children().live()).specific()
        children = children.order_by("-first_published_at", "-pk")
        paginator = Paginator(children, LISTING_PAGE_SIZE)
        return paginator.get_page(request.GET.get("page"))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["children_page"] = self.listing(request)
        return context


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "home.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(PortalPage):
    """A news item, announcement or regulation."""

    class Category(models.TextChoices):
        NEWS = "news", "最新消息"
        ANNOUNCEMENT = "announcement", "公告"
        REGULATION = "regulation", "法規"

    category = models.CharField(
        "類別", max_length=20, choices=Category.choices, default=Category.NEWS, db_index=True
    )
    date = models.DateField("發布日期", default=timezone.localdate, db_index=True)
    summary = models.TextField("摘要", max_length=400, help_text="顯示於列表、搜尋結果與RSS。")
    body = StreamField(BodyStreamBlock(), verbose_name="內容")
    listing_image = models.ForeignKey(
        "intl_reports.PortalImage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="列表圖片",
    )
    listing_image_alt = models.CharField(
        "列表圖片替代文字", max_length=250, blank=True, help_text="選擇列表圖片時必填。"
    )
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name="標籤")

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("category"), FieldPanel("date")]),
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("listing_image"), FieldPanel("listing_image_alt")], heading="列表圖片"
        ),
        FieldPanel("body"),
        FieldPanel("tags"),
        InlinePanel("related_pages", label="相關頁面", heading="相關頁面"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("category"),
        index.FilterField("date"),
    ]

    parent_page_types = ["home.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = "文章"
        verbose_name_plural = "文章"

    def clean(self):
        super().clean()
        _require_alt_with_image(self, "listing_image", "listing_image_alt")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        related = self.related_pages.filter(page__live=True).select_related("page")
        context["related"] = [link.page for link in related]
        return context

    def get_og_image(self):
        return self.listing_image, self.listing_image_alt


class ArticleRelatedPage(Orderable):
    source = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name="頁面"
    )

    panels = [PageChooserPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = "相關頁面"
        verbose_name_plural = "相關頁面"


@register_setting(icon="site")
class PortalSettings(BaseGenericSetting):
    """The footer's contact details and the links every page shows."""

    organisation = models.CharField("主辦單位", max_length=120, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("電話", max_length=60, blank=True)
    email = models.EmailField("Email", blank=True)
    office_hours = models.CharField("服務時間", max_length=120, blank=True)
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="隱私權政策頁面",
    )
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="無障礙聲明頁面",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation"),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldPanel("office_hours"),
            ],
            heading="聯絡資訊",
        ),
        MultiFieldPanel(
            [PageChooserPanel("privacy_page"), PageChooserPanel("accessibility_page")],
            heading="頁尾連結",
        ),
    ]

    select_related = ["privacy_page", "accessibility_page"]

    class Meta:
        verbose_name = "入口網站設定"
