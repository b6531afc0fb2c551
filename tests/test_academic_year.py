"""學年度 (ROC academic years): 31 July / 1 August boundaries, ROC formatting, filters."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template

from intl_reports.academic_year import (
    academic_year_label,
    academic_year_of,
    academic_year_range,
    format_roc_date,
    roc_year,
)

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2023, 7, 31), 111),  # last day of 111學年度
        (datetime.date(2023, 8, 1), 112),  # first day of 112學年度
        (datetime.date(2023, 12, 31), 112),
        (datetime.date(2024, 1, 1), 112),  # a new western year, the same 學年度
        (datetime.date(2024, 2, 29), 112),  # leap day
        (datetime.date(2024, 7, 31), 112),  # last day of 112學年度
        (datetime.date(2024, 8, 1), 113),
        (datetime.date(1912, 8, 1), 1),  # 民國元年 starts the count
    ],
)
def test_academic_year_of_a_date(day, expected):
    assert academic_year_of(day) == expected


def test_academic_year_of_a_datetime_uses_its_date():
    assert academic_year_of(datetime.datetime(2023, 7, 31, 23, 59, 59)) == 111
    assert academic_year_of(datetime.datetime(2023, 8, 1, 0, 0, 0)) == 112


def test_academic_year_range_of_112():
    assert academic_year_range(112) == (datetime.date(2023, 8, 1), datetime.date(2024, 7, 31))


@pytest.mark.parametrize("year", [100, 111, 112, 113, 120])
def test_academic_year_range_round_trips_and_years_touch(year):
    start, end = academic_year_range(year)
    assert academic_year_of(start) == year
    assert academic_year_of(end) == year
    assert academic_year_of(start - datetime.timedelta(days=1)) == year - 1
    assert academic_year_of(end + datetime.timedelta(days=1)) == year + 1
    # Consecutive years leave no gap and do not overlap.
    assert academic_year_range(year + 1)[0] == end + datetime.timedelta(days=1)


def test_roc_year_and_label():
    assert roc_year(2023) == 112
    assert roc_year(1912) == 1
    assert academic_year_label(112) == "112學年度"


def test_format_roc_date_pads_month_and_day():
    assert format_roc_date(datetime.date(2023, 8, 1)) == "112/08/01"
    assert format_roc_date(datetime.date(2024, 12, 25)) == "113/12/25"


def test_format_roc_date_with_time():
    moment = datetime.datetime(2023, 4, 10, 11, 8, 25)
    assert format_roc_date(moment, with_time=True) == "112/04/10 11:08"
    assert format_roc_date(moment) == "112/04/10"
    # A plain date has no time to show.
    assert format_roc_date(datetime.date(2023, 4, 10), with_time=True) == "112/04/10"


def test_format_roc_date_of_nothing_is_empty():
    assert format_roc_date(None) == ""
    assert format_roc_date(None, with_time=True) == ""


def render(template_text, **context):
    return Template("{% load roc %}" + template_text).render(Context(context))


def test_roc_date_filter():
    assert render("{{ d|roc_date }}", d=datetime.date(2023, 8, 1)) == "112/08/01"
    assert render("{{ d|roc_date }}", d=None) == ""


def test_roc_datetime_filter_shows_taipei_time_of_an_aware_datetime():
    # 2023-04-10 03:08:25 UTC is 11:08:25 in Taipei (UTC+8): the manual's sign-off time.
    moment = datetime.datetime(2023, 4, 10, 3, 8, 25, tzinfo=datetime.UTC)
    assert render("{{ m|roc_datetime }}", m=moment) == "112/04/10 11:08"


def test_roc_date_filter_converts_to_taipei_across_midnight():
    # 31 July 20:00 UTC is already 1 August in Taipei.
    moment = datetime.datetime(2023, 7, 31, 20, 0, tzinfo=datetime.UTC)
    assert render("{{ m|roc_date }}", m=moment) == "112/08/01"
    assert render("{{ m|roc_datetime }}", m=moment.astimezone(TAIPEI)) == "112/08/01 04:00"


def test_roc_year_filter_accepts_dates_and_numbers():
    assert render("{{ d|roc_year }}", d=datetime.date(2023, 8, 1)) == "112"
    assert render("{{ y|roc_year }}", y=2024) == "113"
    assert render("{{ y|roc_year }}", y="2023") == "112"


def test_academic_year_filter():
    assert render("{{ y|academic_year }}", y=112) == "112學年度"
    assert render("{{ y|academic_year }}", y="113") == "113學年度"


def test_programme_report_title_uses_the_academic_year_label():
    from intl_reports.models import Programme

    programme = Programme(kind=Programme.Kind.EXCHANGE, academic_year=112)
    assert programme.report_title == "112學年度國際教育精進計畫 - 國際交流計畫實施成果報告"
    assert str(programme) == "國際交流 112"
