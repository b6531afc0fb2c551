"""Featuring an accepted report on the portal: a draft OutcomePage pre-filled from it."""

from __future__ import annotations

from django.db import transaction
from django.utils.html import escape, linebreaks

from . import audit
from .models import AuditAction, OutcomeReport, PortalImage, ReviewState
from .models.outcomes import (
    OutcomeExchangeType,
    OutcomeGalleryImage,
    OutcomeIndexPage,
    OutcomePage,
    OutcomePartner,
)


class FeatureError(ValueError):
    """A Chinese message for the editor."""


def report_photos(report: OutcomeReport) -> list[tuple[PortalImage, str]]:
    """(image, caption) of the report's 4-3 photos, in order, with their consent loaded."""
    rows = [child.get("value") or {} for child in report.photos.raw_data]
    ids = [row.get("image") for row in rows if row.get("image")]
    images = PortalImage.objects.filter(pk__in=ids, school_id=report.plan.school_id).in_bulk()
    return [
        (images[row["image"]], row.get("caption") or "")
        for row in rows
        if row.get("image") in images
    ]


def unique_slug(parent: OutcomeIndexPage, base: str) -> str:
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


@transaction.atomic
def create_outcome_page(
    report: OutcomeReport,
    parent: OutcomeIndexPage,
    *,
    title: str,
    summary: str,
    photo_ids: list[int],
    user,
    request=None,
) -> OutcomePage:
    if report.review_state != ReviewState.ACCEPTED:
        raise FeatureError("只有「已審閱」的成果報告可以建立展示成果。")
    photos = dict((image.pk, (image, caption)) for image, caption in report_photos(report))
    chosen = []
    for image_id in photo_ids:
        if image_id not in photos:
            raise FeatureError("所選照片不屬於這份成果報告。")
        image, caption = photos[image_id]
        if not image.guardian_consent:
            raise FeatureError(f"照片「{caption or image.title}」未取得家長/監護人同意，不能公開。")
        chosen.append((image, caption))
    programme = report.plan.programme
    page = OutcomePage(
        title=title,
        slug=unique_slug(parent, f"{report.school_code}-{programme.academic_year}".lower()),
        school=report.plan.school,
        display_name=report.school_name,
        academic_year=programme.academic_year,
        stage=report.stage,
        summary=summary,
        features=linebreaks(escape(report.features)),
        report=report,
        live=False,
    )
    kinds = [child["value"]["kind"] for child in report.exchanges.raw_data if child.get("value")]
    page.exchange_types = [OutcomeExchangeType(kind=kind) for kind in dict.fromkeys(kinds)]
    page.partners = [
        OutcomePartner(
            region=row.get("region") or "亞洲",
            country=row.get("country") or row.get("region") or "",
            school_name=row.get("school") or "",
        )
        for row in (child.get("value") or {} for child in report.partners.raw_data)
    ]
    page.gallery_images = [
        OutcomeGalleryImage(image=image, alt_text=caption or title, caption=caption)
        for image, caption in chosen
    ]
    parent.add_child(instance=page)
    revision = page.save_revision(user=user, log_action=True)
    audit.record(
        AuditAction.FEATURED,
        request=request,
        user=user,
        target=page,
        report=report.pk,
        revision=revision.pk,
        photos=[image.pk for image, _caption in chosen],
    )
    return page
