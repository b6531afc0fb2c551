"""Template filters for ROC years: {{ date|roc_date }}, {{ 112|academic_year }}."""

import datetime

from django import template
from django.utils import timezone

from intl_reports.academic_year import academic_year_label, format_roc_date, roc_year

register = template.Library()


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def roc_date(value):
    return format_roc_date(_local(value))


@register.filter
def roc_datetime(value):
    return format_roc_date(_local(value), with_time=True)


@register.filter(name="roc_year")
def roc_year_filter(value):
    if isinstance(value, datetime.date):
        return roc_year(value.year)
    return roc_year(int(value))


@register.filter
def academic_year(value):
    return academic_year_label(int(value))
