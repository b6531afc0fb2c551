"""學年度 (ROC academic years) and ROC-calendar formatting.

Academic year N runs from 1 August (N + 1911) to 31 July (N + 1912):
112學年度 = 2023-08-01 … 2024-07-31.
"""

import datetime

ROC_OFFSET = 1911
FIRST_MONTH = 8  # the academic year starts on 1 August


def roc_year(year: int) -> int:
    """Western year -> ROC (民國) year."""
    return year - ROC_OFFSET


def academic_year_of(day: datetime.date) -> int:
    """The 學年度 that contains `day`."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    western = day.year if day.month >= FIRST_MONTH else day.year - 1
    return roc_year(western)


def academic_year_range(academic_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a 學年度."""
    start_year = academic_year + ROC_OFFSET
    return datetime.date(start_year, FIRST_MONTH, 1), datetime.date(start_year + 1, 7, 31)


def academic_year_label(academic_year: int) -> str:
    return f"{academic_year}學年度"


def format_roc_date(value: datetime.date | None, with_time: bool = False) -> str:
    """112/08/01, or 112/08/01 14:05 with the time."""
    if value is None:
        return ""
    text = f"{roc_year(value.year)}/{value.month:02d}/{value.day:02d}"
    if with_time and isinstance(value, datetime.datetime):
        text += f" {value.hour:02d}:{value.minute:02d}"
    return text
