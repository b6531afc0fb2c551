"""The outcome report as a printable PDF (成果報告書), for stamping (核章).

HTML from a Django template (autoescaped: report text is never markup), laid out by WeasyPrint
70 with an explicitly named, embedded and subsetted CJK font. Photos are embedded as renditions
sized for print (about 150 dpi at their printed size), read from storage by a URL fetcher that
refuses everything else.
"""

from __future__ import annotations

import datetime
import logging
import re
import zoneinfo
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.images.models import SourceImageIOError

from intl_reports.academic_year import format_roc_date
from intl_reports.budget import execution_rate, totals
from intl_reports.exchange import EXCHANGE_TYPE_BY_KEY
from intl_reports.models import OutcomeReport, PortalImage

from .fetcher import StorageImageFetcher

logger = logging.getLogger(__name__)

TEMPLATE = "intl_reports/pdf/report.html"
# Bump when the template, the CSS or the rendering options change: cached PDFs then expire.
PDF_VERSION = "1"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF (structure tree, /Lang, XMP with pdfuaid:part=1)
TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")

# Printed sizes (see report_css.html) at ~150 dpi: a photo is at most 86 × 66 mm (two per row
# on A4 with 15 mm margins), an assessment image at most 110 × 85 mm.
PHOTO_SPEC = "max-520x400|format-jpeg|jpegquality-70"
ASSESSMENT_SPEC = "max-650x500|format-jpeg|jpegquality-70"
PRINT_SPECS = (PHOTO_SPEC, ASSESSMENT_SPEC)

MISSING_IMAGE_NOTE = "（照片檔案遺失，無法顯示）"
FOREIGN_IMAGE_NOTE = "（此圖片不屬於本校，未列入）"


@dataclass
class PrintImage:
    """An image ready for the template: a fetcher URL, or a note why there is none."""

    url: str = ""
    width: int = 0
    height: int = 0
    note: str = ""


def confirmation_text(confirmed_at: datetime.datetime | None) -> str:
    """已透過email確認 (2023-04-10 11:08:25), in Taipei time; "" when not confirmed."""
    if confirmed_at is None:
        return ""
    local = (
        timezone.localtime(confirmed_at, TAIPEI)
        if timezone.is_aware(confirmed_at)
        else (confirmed_at)
    )
    return f"已透過email確認 ({local:%Y-%m-%d %H:%M:%S})"


def _rows(stream) -> list[dict]:
    """Plain row dicts of a stream, from its stored raw data (no per-row queries)."""
    return [dict(item.get("value") or {}) for item in stream.raw_data]


def _date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return format_roc_date(value)


def _exchange_rows(rows: list[dict]) -> list[dict]:
    """Only the checked types, and in each only its checked items, in the manual's order."""
    result = []
    for row in rows:
        exchange_type = EXCHANGE_TYPE_BY_KEY.get(row.get("kind"))
        if exchange_type is None:
            continue
        checked = set(row.get("items") or [])
        groups = []
        for group in exchange_type.groups:
            labels = [label for key, label in group.items if key in checked]
            if labels:
                groups.append({"label": group.label, "items": labels})
        result.append(
            {
                "label": exchange_type.label,
                "groups": groups,
                "theme": row.get("theme") or "",
                "students": row.get("students"),
                "teachers": row.get("teachers"),
                "counts_teachers": exchange_type.counts_teachers,
            }
        )
    return result


def _budget(report: OutcomeReport, rows: list[dict]) -> dict:
    lines = [
        {
            **row,
            "rate": execution_rate(row.get("spent"), row.get("approved")),
        }
        for row in rows
    ]
    approved_sum, spent_sum = totals(rows)
    return {
        "lines": lines,
        "approved_sum": approved_sum,
        "spent_sum": spent_sum,
        "approved_total": report.approved_total,
        "rate": execution_rate(spent_sum, report.approved_total),
    }


class _Images:
    """Renditions of the report's own images, registered with the fetcher."""

    def __init__(self, report: OutcomeReport, fetcher: StorageImageFetcher, ids: set[int]):
        self.report = report
        self.fetcher = fetcher
        self.images = PortalImage.objects.in_bulk([i for i in ids if isinstance(i, int)])

    def get(self, image_id, spec: str) -> PrintImage | None:
        if not image_id:
            return None
        image = self.images.get(image_id)
        if image is None:
            return PrintImage(note=MISSING_IMAGE_NOTE)
        # A chooser accepts any image id: never print another school's private photo.
        if image.school_id is not None and image.school_id != self.report.plan.school_id:
            return PrintImage(note=FOREIGN_IMAGE_NOTE)
        try:
            rendition = image.get_rendition(spec)
            if not rendition.file.storage.exists(rendition.file.name):
                # A rendition row whose file is gone: make it again from the original.
                rendition.purge_from_cache()
                rendition.delete()
                rendition = image.get_rendition(spec)
        except (SourceImageIOError, OSError) as error:
            logger.warning(
                "PDF of report %s: image %s unavailable: %s", self.report.pk, image.pk, error
            )
            return PrintImage(note=MISSING_IMAGE_NOTE)
        url = self.fetcher.register(rendition.file.name)
        return PrintImage(url=url, width=rendition.width, height=rendition.height)


def report_context(report: OutcomeReport, fetcher: StorageImageFetcher) -> dict:
    plan = report.plan
    assessments = _rows(report.assessments)
    photos = _rows(report.photos)
    images = _Images(
        report,
        fetcher,
        {row.get("image") for row in assessments + photos if row.get("image")},
    )
    photo_items = [
        {"caption": row.get("caption") or "", "image": images.get(row.get("image"), PHOTO_SPEC)}
        for row in photos
    ]
    return {
        "report": report,
        "plan": plan,
        "title": report.title,
        "school_name": report.school_name,
        "stage": report.get_stage_display() if report.stage else "",
        "exchanges": _exchange_rows(_rows(report.exchanges)),
        "partners": _rows(report.partners),
        "work_items": [
            {**row, "planned_date": _date(row.get("planned_date"))}
            for row in _rows(report.work_items)
        ],
        "budget": _budget(report, _rows(report.budget_lines)),
        "outcomes": _rows(report.outcome_checks),
        "assessments": [
            {"text": row.get("text") or "", "image": images.get(row.get("image"), ASSESSMENT_SPEC)}
            for row in assessments
        ],
        "features": report.features,
        "photo_rows": [photo_items[i : i + 2] for i in range(0, len(photo_items), 2)],
        "unit_head_confirmation": confirmation_text(report.unit_head_confirmed_at),
        "principal_confirmation": confirmation_text(report.principal_confirmed_at),
        "unit_head_stale": report.unit_head_confirmation_stale,
        "principal_stale": report.principal_confirmation_stale,
        "generated_at": timezone.localtime(timezone.now(), TAIPEI),
    }


def render_html(report: OutcomeReport, fetcher: StorageImageFetcher) -> str:
    return render_to_string(TEMPLATE, report_context(report, fetcher))


def html_to_pdf(html: str, fetcher: StorageImageFetcher, **options) -> bytes:
    """Lay out trusted template output. The fetcher is the only way out of the document."""
    from weasyprint import HTML

    options = {
        "pdf_variant": PDF_VARIANT,
        "custom_metadata": True,
        "optimize_images": False,  # renditions are already print-sized JPEGs: embed as they are
        **options,
    }
    # No base_url: a relative URL cannot be resolved to a file, and is refused anyway.
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(**options)


def render_report_pdf(report: OutcomeReport) -> bytes:
    """The report's PDF, rendered now (the cache in pdf.cache calls this)."""
    fetcher = StorageImageFetcher()
    html = render_html(report, fetcher)
    return html_to_pdf(html, fetcher)


_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def pdf_filename(report: OutcomeReport) -> str:
    """e.g. 112學年度_國際交流成果報告_測試學校001.pdf"""
    programme = report.plan.programme
    name = (
        f"{report.academic_year_label}_{programme.get_kind_display()}成果報告_{report.school_name}"
    )
    return _UNSAFE_FILENAME.sub("_", name).strip(" ._")[:150] + ".pdf"
