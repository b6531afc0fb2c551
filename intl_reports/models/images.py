"""The project's Wagtail image model: report photos are private to their school until published."""

from django.db import models
from wagtail.images.models import AbstractImage, AbstractRendition, Image


class PortalImage(AbstractImage):
    school = models.ForeignKey(
        "intl_reports.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="images",
        verbose_name="所屬學校",
        help_text="有值時為學校成果報告照片，僅該校、其主管機關與編輯可見，直到公開展示。",
    )
    guardian_consent = models.BooleanField("已取得家長/監護人同意", default=False)
    is_published = models.BooleanField(
        "已公開", default=False, help_text="由展示成果頁面發布時設定；學校照片預設不公開。"
    )

    admin_form_fields = (*Image.admin_form_fields, "guardian_consent")

    class Meta(AbstractImage.Meta):
        verbose_name = "圖片"
        verbose_name_plural = "圖片"
        indexes = [models.Index(fields=["file"], name="portalimage_file_idx")]

    @classmethod
    def get_indexed_objects(cls):
        # A school's photos stay out of the search index: they are private, and the index's
        # per-insert bookkeeping (title norms over every entry) serialised concurrent uploads
        # into deadlocks on the deadline-day rush.
        return super().get_indexed_objects().filter(school__isnull=True)

    @property
    def is_public(self) -> bool:
        return self.school_id is None or self.is_published


class PortalRendition(AbstractRendition):
    image = models.ForeignKey(PortalImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
        indexes = [models.Index(fields=["file"], name="portalrendition_file_idx")]
