"""Figures and completeness of an outcome report, recomputed at every save."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .budget import execution_rate, totals
from .exchange import EXCHANGE_TYPE_BY_KEY
from .models.reference import BASIC_DATA_FIELDS
from .models.report import Tab

if TYPE_CHECKING:
    from .models import OutcomeReport

SCHOOL_REQUIRED = [
    "school_name",
    "school_code",
    "address",
    "stage",
    "class_count",
    "student_count",
    "teacher_count",
    "contact_name",
    "contact_phone",
    "contact_email",
    "principal_name",
]


def _values(stream) -> list[dict]:
    """Plain row dicts of a StreamField value (stored raw data: no image look-ups)."""
    return [dict(item.get("value") or {}) for item in stream.raw_data]


def budget_figures(approved_total: int, lines: list[dict]) -> dict:
    approved_sum, spent_sum = totals(lines)
    return {
        "approved_sum": approved_sum,
        "spent_sum": spent_sum,
        "execution_rate": execution_rate(spent_sum, approved_total),
    }


def tab_complete(report: OutcomeReport) -> dict[str, bool]:
    exchanges = _values(report.exchanges)
    partners = _values(report.partners)
    work = _values(report.work_items)
    budget = _values(report.budget_lines)
    outcomes = _values(report.outcome_checks)
    assessments = _values(report.assessments)
    photos = _values(report.photos)
    return {
        Tab.SCHOOL: all(getattr(report, name) for name in SCHOOL_REQUIRED),
        Tab.PLAN: bool(exchanges)
        and all(row.get("items") for row in exchanges)
        and bool(partners)
        and all(row.get("country") and row.get("school") for row in partners),
        Tab.WORK: bool(work)
        and all(row.get("planned_date") and row.get("progress") is not None for row in work),
        Tab.BUDGET: bool(budget)
        and report.approved_sum == report.approved_total
        and all(row.get("spent") is not None for row in budget),
        Tab.OUTCOMES: bool(outcomes) and all((row.get("note") or "").strip() for row in outcomes),
        Tab.ASSESSMENT: any((row.get("text") or "").strip() for row in assessments),
        Tab.RESULTS: bool(report.features.strip()) and bool(photos),
    }


def recompute(report: OutcomeReport) -> None:
    """Refresh every stored figure from the report's own content (no queries)."""
    figures = budget_figures(report.approved_total, _values(report.budget_lines))
    report.approved_sum = figures["approved_sum"]
    report.spent_sum = figures["spent_sum"]
    report.execution_rate = figures["execution_rate"]
    kinds = [row.get("kind") for row in _values(report.exchanges)]
    report.exchange_types = ",".join(k for k in kinds if k in EXCHANGE_TYPE_BY_KEY)
    countries = dict.fromkeys(
        (row.get("country") or "").strip() for row in _values(report.partners)
    )
    report.countries = ",".join(c for c in countries if c)[:1000]
    report.photo_count = len(report.photos.raw_data)
    status = tab_complete(report)
    report.tab_status = {str(tab): done for tab, done in status.items()}
    report.completeness = round(100 * sum(status.values()) / len(status))


# Columns each tab's save writes (besides the figures above), so one tab never touches another.
TAB_FIELDS: dict[str, list[str]] = {
    # The school's basic data (copied in from 基本資料維護) and who signs off.
    Tab.SCHOOL: [*BASIC_DATA_FIELDS, "unit_head_name", "unit_head_email", "principal_email"],
    Tab.PLAN: ["exchanges", "partners"],
    Tab.WORK: ["work_items"],
    Tab.BUDGET: ["budget_lines"],
    Tab.OUTCOMES: ["outcome_checks"],
    Tab.ASSESSMENT: ["assessments"],
    Tab.RESULTS: ["features", "photos"],
}
COMPUTED_FIELDS = [
    "approved_sum",
    "spent_sum",
    "execution_rate",
    "exchange_types",
    "countries",
    "photo_count",
    "tab_status",
    "completeness",
]
