"""Showcased exchanges: the featured, published outcomes on the public portal.

Every fact a visitor filters by is a plain column (``academic_year``, ``stage``) or a row of a
small child table (``OutcomePartner`` for regions, countries and partner schools,
``OutcomeExchangeType`` for the exchange types), so the listing filters with the ORM on SQLite
and PostgreSQL alike and never parses JSON.

A later migration will add ``report``: a nullable FK to the outcome report a page was drawn from.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Prefetch
from django.db.models.signals import post_delete
from django.dispatch import receiver
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.signals import page_published, page_unpublished

from home.blocks import BodyStreamBlock
from home.query import public_pages
from intl_reports.academic_year import academic_year_label
from intl_reports.exchange import EXCHANGE_TYPE_CHOICES, REGION_CHOICES

from .fields import StreamField
from .images import PortalImage
from .reference import SchoolStage

OUTCOMES_PER_PAGE = 12
GALLERY_MAX = 6  # the report's tab 4-3 holds at most six photos
RELATED_MAX = 3


class OutcomeFilterForm(forms.Form):
    """The listing's filters, read from GET parameters so a filtered list can be shared."""

    year = forms.TypedChoiceField(label="學年度", required=False, coerce=int, empty_value=None)
    exchange_type = forms.ChoiceField(label="交流類型", required=False)
    region = forms.ChoiceField(label="交流地區", required=False)
    country = forms.ChoiceField(label="交流國家", required=False)
    stage = forms.ChoiceField(label="學習階段", required=False)
    q = forms.CharField(label="關鍵字", required=False, max_length=100, strip=True)

    def __init__(self, data, *, years, countries):
        super().__init__(data)
        every = [("", "全部")]
        self.fields["year"].choices = every + [(y, academic_year_label(y)) for y in years]
        self.fields["exchange_type"].choices = every + list(EXCHANGE_TYPE_CHOICES)
        self.fields["region"].choices = every + list(REGION_CHOICES)
        self.fields["country"].choices = every + [(c, c) for c in countries]
        self.fields["stage"].choices = every + list(SchoolStage.choices)

    def filter(self, queryset):
        """Apply the valid filters; an invalid value (a stale shared link) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("year"):
            queryset = queryset.filter(academic_year=data["year"])
        if data.get("stage"):
            queryset = queryset.filter(stage=data["stage"])
        if data.get("exchange_type"):
            queryset = queryset.filter(
                pk__in=OutcomeExchangeType.objects.filter(kind=data["exchange_type"]).values(
                    "page_id"
                )
            )
        if data.get("region"):
            queryset = queryset.filter(
                pk__in=OutcomePartner.objects.filter(region=data["region"]).values("page_id")
            )
        if data.get("country"):
            queryset = queryset.filter(
                pk__in=OutcomePartner.objects.filter(country=data["country"]).values("page_id")
            )
        if data.get("q"):
            # Substring matching: Chinese has no spaces for a full-text tokenizer to split on.
            q = data["q"]
            queryset = queryset.filter(
                models.Q(title__icontains=q)
                | models.Q(display_name__icontains=q)
                | models.Q(summary__icontains=q)
                | models.Q(features__icontains=q)
                | models.Q(
                    pk__in=OutcomePartner.objects.filter(
                        models.Q(school_name__icontains=q) | models.Q(country__icontains=q)
                    ).values("page_id")
                )
            )
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, "cleaned_data", {}).values())


class OutcomeIndexPage(Page):
    """交流成果展示: the showcased exchanges, filterable and paginated."""

    intro = models.TextField("簡介", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["home.SectionPage"]
    subpage_types = ["intl_reports.OutcomePage"]

    class Meta:
        verbose_name = "交流成果列表頁"
        verbose_name_plural = "交流成果列表頁"

    def outcomes(self):
        return public_pages(OutcomePage.objects.live().child_of(self))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        outcomes = self.outcomes()
        years = (
            outcomes.order_by("-academic_year").values_list("academic_year", flat=True).distinct()
        )
        countries = (
            OutcomePartner.objects.filter(page__in=outcomes)
            .exclude(country="")
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        )
        form = OutcomeFilterForm(request.GET, years=list(years), countries=list(countries))
        results = form.filter(outcomes).order_by("-academic_year", "-first_published_at", "-pk")
        page_obj = Paginator(results, OUTCOMES_PER_PAGE).get_page(request.GET.get("page"))
        # Two prefetches per page of results, whatever the number of outcomes.
        OutcomePage.prefetch_cards(page_obj.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=form,
            page_obj=page_obj,
            outcomes=page_obj.object_list,
            querystring=query.urlencode(),
        )
        return context


class OutcomePage(Page):
    """A showcased exchange: who went where, what they did, and the photos."""

    school = models.ForeignKey(
        "intl_reports.School",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcome_pages",
        verbose_name="學校",
        help_text="系統中的學校（選填）；未填時請填寫顯示名稱。",
    )
    display_name = models.CharField(
        "學校顯示名稱", max_length=100, blank=True, help_text="例如：嘉義市北園國民小學。"
    )
    academic_year = models.PositiveSmallIntegerField("學年度", db_index=True)
    stage = models.CharField(
        "學習階段", max_length=30, choices=SchoolStage.choices, blank=True, db_index=True
    )
    summary = models.TextField("摘要", max_length=500)
    features = RichTextField(
        "辦理特色", features=["bold", "italic", "ol", "ul", "link"], blank=True
    )
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name="其他內容")
    report = models.ForeignKey(
        "intl_reports.OutcomeReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcome_pages",
        verbose_name="來源成果報告",
        help_text="由成果報告建立展示頁時自動設定。",
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("school"),
                FieldPanel("display_name"),
                FieldRowPanel([FieldPanel("academic_year"), FieldPanel("stage")]),
            ],
            heading="學校與學年度",
        ),
        InlinePanel("exchange_types", label="交流類型", heading="交流類型", min_num=1),
        InlinePanel("partners", label="交流對象", heading="交流對象", min_num=1),
        FieldPanel("summary"),
        FieldPanel("features"),
        InlinePanel(
            "gallery_images",
            label="照片",
            heading="相簿（以6張為限）",
            max_num=GALLERY_MAX,
            help_text="每張照片都必須填寫替代文字；學校照片須已取得家長/監護人同意。",
        ),
        FieldPanel("body"),
        InlinePanel("related_outcomes", label="相關成果", heading="相關成果"),
        FieldPanel("report", read_only=True),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("display_name"),
        index.SearchField("summary"),
        index.SearchField("features"),
        index.RelatedFields("partners", [index.SearchField("school_name")]),
        index.FilterField("academic_year"),
        index.FilterField("stage"),
    ]

    parent_page_types = ["intl_reports.OutcomeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "交流成果"
        verbose_name_plural = "交流成果"

    def clean(self):
        super().clean()
        if self.school_id and not self.display_name:
            self.display_name = self.school.name
        if self.school_id and not self.stage:
            self.stage = self.school.stage
        if not self.display_name:
            raise ValidationError({"display_name": "請選擇學校或填寫學校顯示名稱。"})

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.academic_year)

    @classmethod
    def prefetch_cards(cls, outcomes, renditions=True):
        """Prefetch what a card shows: photos (with renditions), partners, exchange types."""
        outcomes = list(outcomes)
        photos = OutcomeGalleryImage.objects.select_related("image")
        if renditions:
            photos = photos.prefetch_related("image__renditions")
        models.prefetch_related_objects(
            outcomes, Prefetch("gallery_images", queryset=photos), "partners", "exchange_types"
        )
        return outcomes

    def first_photo(self):
        """(image, alt) of the first gallery photo, or (None, "")."""
        photos = list(self.gallery_images.all())
        if not photos:
            return None, ""
        return photos[0].image, photos[0].alt_text

    def countries(self) -> list[str]:
        return list(dict.fromkeys(p.country for p in self.partners.all() if p.country))

    def regions(self) -> list[str]:
        return list(dict.fromkeys(p.region for p in self.partners.all()))

    def exchange_type_labels(self) -> list[str]:
        return [t.get_kind_display() for t in self.exchange_types.all()]

    def related(self, kinds=None):
        """The editors' choice, else the latest outcomes sharing an exchange type."""
        links = self.related_outcomes.select_related("outcome")
        chosen = [link.outcome for link in links if link.outcome.live]
        if chosen:
            return chosen
        if kinds is None:
            kinds = [exchange_type.kind for exchange_type in self.exchange_types.all()]
        others = OutcomePage.objects.live().exclude(pk=self.pk)
        others = others.filter(
            pk__in=OutcomeExchangeType.objects.filter(kind__in=kinds).values("page_id")
        )
        return list(
            public_pages(others).order_by("-academic_year", "-first_published_at")[:RELATED_MAX]
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # A preview shows the editor's unsaved inline rows, which live in memory only.
        in_memory = getattr(request, "is_preview", False)
        if in_memory:
            related = self.related()
            self.prefetch_cards(related, renditions=False)
        else:
            kinds = OutcomeExchangeType.objects.filter(page=self).values("kind")
            related = self.related(kinds)
            # This page and the related cards: one query per relation for all of them.
            self.prefetch_cards([self, *related], renditions=False)
        photos = list(self.gallery_images.all())
        partners = list(self.partners.all())
        exchange_types = list(self.exchange_types.all())
        # One query for the renditions of every photo on the page, the cards' included.
        images = [photo.image for photo in photos]
        images += [photo.image for outcome in related for photo in outcome.gallery_images.all()[:1]]
        models.prefetch_related_objects(images, "renditions")
        self._photos = photos
        context.update(
            photos=photos,
            partners=partners,
            exchange_type_labels=[t.get_kind_display() for t in exchange_types],
            regions=list(dict.fromkeys(p.get_region_display() for p in partners)),
            countries=list(dict.fromkeys(p.country for p in partners if p.country)),
            related_outcomes=related,
        )
        return context

    def get_og_image(self):
        # get_context() has loaded the photos, renditions included.
        photos = getattr(self, "_photos", None)
        if photos is None:
            photos = list(self.gallery_images.select_related("image")[:1])
        return (photos[0].image, photos[0].alt_text) if photos else (None, "")


class OutcomeExchangeType(Orderable):
    page = ParentalKey(OutcomePage, on_delete=models.CASCADE, related_name="exchange_types")
    kind = models.CharField("交流類型", max_length=20, choices=EXCHANGE_TYPE_CHOICES, db_index=True)

    panels = [FieldPanel("kind")]

    class Meta(Orderable.Meta):
        verbose_name = "交流類型"
        verbose_name_plural = "交流類型"

    def __str__(self):
        return self.get_kind_display()


class OutcomePartner(Orderable):
    """交流對象: one row of the partner table (交流地區 · 交流國家 · 交流學校名稱)."""

    page = ParentalKey(OutcomePage, on_delete=models.CASCADE, related_name="partners")
    region = models.CharField("交流地區", max_length=20, choices=REGION_CHOICES, db_index=True)
    country = models.CharField("交流國家", max_length=60, db_index=True)
    school_name = models.CharField("交流學校名稱", max_length=150, blank=True)

    panels = [FieldRowPanel([FieldPanel("region"), FieldPanel("country")]), "school_name"]

    class Meta(Orderable.Meta):
        verbose_name = "交流對象"
        verbose_name_plural = "交流對象"

    def __str__(self):
        return " · ".join(part for part in (self.country, self.school_name) if part)


class OutcomeGalleryImage(Orderable):
    """A photo of the exchange with its caption; the alternative text is required."""

    page = ParentalKey(OutcomePage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        PortalImage, on_delete=models.CASCADE, related_name="+", verbose_name="照片"
    )
    alt_text = models.CharField(
        "替代文字", max_length=250, help_text="描述照片內容，例如：學生在宿霧建基中學上課。"
    )
    caption = models.CharField("說明", max_length=250, blank=True)

    panels = [FieldPanel("image"), FieldRowPanel([FieldPanel("alt_text"), FieldPanel("caption")])]

    class Meta(Orderable.Meta):
        verbose_name = "照片"
        verbose_name_plural = "照片"

    def clean(self):
        super().clean()
        if not self.alt_text.strip():
            raise ValidationError({"alt_text": "請填寫替代文字。"})
        image = self.image if self.image_id else None
        if image is not None and image.school_id and not image.guardian_consent:
            raise ValidationError({"image": "這張學校照片尚未記錄家長/監護人同意，不能公開展示。"})


class OutcomeRelatedOutcome(Orderable):
    page = ParentalKey(OutcomePage, on_delete=models.CASCADE, related_name="related_outcomes")
    outcome = models.ForeignKey(
        OutcomePage, on_delete=models.CASCADE, related_name="+", verbose_name="交流成果"
    )

    panels = [PageChooserPanel("outcome", "intl_reports.OutcomePage")]

    class Meta(Orderable.Meta):
        verbose_name = "相關成果"
        verbose_name_plural = "相關成果"


def sync_published_photos(image_ids=None) -> None:
    """A school photo is public exactly while a live showcase shows it and consent is recorded.

    Called whenever that can change: publishing, unpublishing or deleting a showcase, and a
    school changing a photo's consent. Anything else leaves photos private.
    """
    shown = OutcomeGalleryImage.objects.filter(
        page__live=True, image__guardian_consent=True
    ).values("image_id")
    photos = PortalImage.objects.filter(school__isnull=False)
    if image_ids is not None:
        photos = photos.filter(pk__in=list(image_ids))
    photos.filter(pk__in=shown, is_published=False).update(is_published=True)
    photos.filter(is_published=True).exclude(pk__in=shown).update(is_published=False)


@receiver(page_published, sender=OutcomePage)
@receiver(page_unpublished, sender=OutcomePage)
def _sync_on_publishing(sender, instance, **kwargs):
    sync_published_photos()


@receiver(post_delete, sender=OutcomePage)
def _sync_on_delete(sender, instance, **kwargs):
    transaction.on_commit(sync_published_photos)
