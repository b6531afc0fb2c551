from django import template
from django.utils import timezone

from intl_reports.photos import THUMBNAIL_SPEC

register = template.Library()


@register.simple_tag
def report_thumbnail(images, image_id):
    """The thumbnail rendition of an uploaded image, from the images the tab prefetched."""
    try:
        image = images.get(int(image_id))
    except (TypeError, ValueError, AttributeError):
        return None
    if image is None:
        return None
    try:
        return image.get_rendition(THUMBNAIL_SPEC)
    except Exception:  # a file missing from storage must not break the page
        return None


@register.filter
def days_left(deadline) -> int:
    """Whole days from today (Taipei) to the deadline's day; negative once it has passed."""
    if deadline is None:
        return 0
    return (timezone.localtime(deadline).date() - timezone.localdate()).days


@register.filter
def tab_version(report, tab) -> int:
    """The saved version of a report tab (what the browser's draft is compared with)."""
    return report.version_of(tab)


CHINESE_NUMERALS = "一二三四五六七八九十"


@register.filter
def chinese_numeral(value) -> str:
    """1 → 一 … 10 → 十, as the manual numbers photos (圖片一 … 圖片六)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    return CHINESE_NUMERALS[number - 1] if 1 <= number <= len(CHINESE_NUMERALS) else str(number)


@register.filter
def exchange_type_label(value) -> str:
    from intl_reports.exchange import EXCHANGE_TYPE_BY_KEY

    exchange_type = EXCHANGE_TYPE_BY_KEY.get(value.get("kind"))
    return exchange_type.label if exchange_type else ""


@register.filter
def exchange_item_labels(value) -> list[str]:
    from intl_reports.exchange import EXCHANGE_TYPE_BY_KEY

    exchange_type = EXCHANGE_TYPE_BY_KEY.get(value.get("kind"))
    labels = dict(exchange_type.items) if exchange_type else {}
    return [labels[key] for key in value.get("items") or [] if key in labels]


@register.filter
def budget_line_rate(value):
    from intl_reports.budget import execution_rate

    rate = execution_rate(value.get("spent"), value.get("approved"))
    return f"{rate}%" if rate is not None else ""
