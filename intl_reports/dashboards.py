"""Figures of the progress dashboards (填報進度統計), for editors and for authorities.

Every function takes a queryset of reports (and, where the figure needs the plans that have
not opened a report yet, a queryset of plans) already restricted by ``permissions``: nothing
here decides who sees what. Each function runs a fixed number of aggregate queries, whatever
the number of reports; figures kept in comma-separated columns (countries, types) are grouped
by the database first, and partner regions are counted there too (see exchange_figures).
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Count, Exists, JSONField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from .exchange import EXCHANGE_TYPES, REGION_CHOICES
from .filters import past_deadline_q
from .models import DeadlineExtension, OutcomeReport, Plan, Programme, ReviewState

# ----------------------------------------------------------------------- progress


@dataclass
class ProgressRow:
    """One programme or authority: passed plans, and reports started / complete / accepted."""

    key: int
    label: str
    plans: int = 0  # passed plans (each one is due a report)
    reports: int = 0  # reports opened (brought in from the plan)
    started: int = 0  # saved at least once (已開始填報)
    complete: int = 0  # completeness 100 % (已完成填報)
    accepted: int = 0  # accepted by an editor (已審閱)
    order: tuple = ()  # sort key


def _programme_order(kind: str, academic_year: int) -> tuple:
    """Newest year first, then 國際交流 before 課程 (as Programme's own ordering)."""
    kinds = list(Programme.Kind.values)
    return (-academic_year, kinds.index(kind) if kind in kinds else len(kinds))


def _progress_counts():
    return {
        "reports": Count("pk"),
        "started": Count("pk", filter=Q(last_saved_at__isnull=False)),
        "complete": Count("pk", filter=Q(completeness__gte=100)),
        "accepted": Count("pk", filter=Q(review_state=ReviewState.ACCEPTED)),
    }


def programme_label(kind: str, academic_year: int) -> str:
    """e.g. 國際交流 112 — the way the report list groups programmes."""
    return f"{Programme.Kind(kind).label} {academic_year}"


def progress_by_programme(
    reports: QuerySet[OutcomeReport], plans: QuerySet[Plan] | None = None
) -> list[ProgressRow]:
    """Two queries: reports grouped by programme, passed plans grouped by programme."""
    rows: dict[int, ProgressRow] = {}
    if plans is not None:
        for item in (
            plans.passed()
            .order_by()
            .values("programme_id", "programme__kind", "programme__academic_year")
            .annotate(n=Count("pk"))
        ):
            rows[item["programme_id"]] = ProgressRow(
                key=item["programme_id"],
                label=programme_label(item["programme__kind"], item["programme__academic_year"]),
                plans=item["n"],
                order=_programme_order(item["programme__kind"], item["programme__academic_year"]),
            )
    for item in (
        reports.order_by()
        .values("plan__programme_id", "plan__programme__kind", "plan__programme__academic_year")
        .annotate(**_progress_counts())
    ):
        key = item["plan__programme_id"]
        row = rows.setdefault(
            key,
            ProgressRow(
                key=key,
                label=programme_label(
                    item["plan__programme__kind"], item["plan__programme__academic_year"]
                ),
                order=_programme_order(
                    item["plan__programme__kind"], item["plan__programme__academic_year"]
                ),
            ),
        )
        for name in ("reports", "started", "complete", "accepted"):
            setattr(row, name, item[name])
    return sorted(rows.values(), key=lambda r: r.order)


def progress_by_authority(
    reports: QuerySet[OutcomeReport], plans: QuerySet[Plan] | None = None
) -> list[ProgressRow]:
    """Two queries: reports grouped by authority, passed plans grouped by authority."""
    rows: dict[int, ProgressRow] = {}
    if plans is not None:
        for item in (
            plans.passed()
            .order_by()
            .values("school__authority_id", "school__authority__name")
            .annotate(n=Count("pk"))
        ):
            rows[item["school__authority_id"]] = ProgressRow(
                key=item["school__authority_id"],
                label=item["school__authority__name"],
                plans=item["n"],
            )
    for item in (
        reports.order_by()
        .values("plan__school__authority_id", "plan__school__authority__name")
        .annotate(**_progress_counts())
    ):
        key = item["plan__school__authority_id"]
        row = rows.setdefault(
            key, ProgressRow(key=key, label=item["plan__school__authority__name"])
        )
        for name in ("reports", "started", "complete", "accepted"):
            setattr(row, name, item[name])
    return sorted(rows.values(), key=lambda r: r.label)


def progress_totals(rows: list[ProgressRow]) -> ProgressRow:
    total = ProgressRow(key=0, label="合計")
    for row in rows:
        for name in ("plans", "reports", "started", "complete", "accepted"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


# ----------------------------------------------------------------------- execution rate

# (label, lower bound inclusive, upper bound exclusive; None = no upper bound). 100 itself
# belongs to 90–100: a report that spent exactly its approved total is in the last full bin.
RATE_BINS: tuple[tuple[str, int, int | None], ...] = (
    *((f"{low}–{low + 10}", low, low + 10) for low in range(0, 100, 10)),
    (">100", 100, None),
)


@dataclass
class Histogram:
    bins: list[tuple[str, int]]
    unrated: int  # reports without an execution rate (nothing approved yet)

    @property
    def rated(self) -> int:
        return sum(count for _label, count in self.bins)


def _bin_filter(low: int, high: int | None) -> Q:
    if high is None:
        return Q(execution_rate__gt=Decimal(low))
    if high == 100:
        return Q(execution_rate__gte=Decimal(low), execution_rate__lte=Decimal(high))
    return Q(execution_rate__gte=Decimal(low), execution_rate__lt=Decimal(high))


def execution_rate_histogram(reports: QuerySet[OutcomeReport]) -> Histogram:
    """經費執行率 in bins 0–10, …, 90–100, >100: one aggregate query."""
    aggregates = {
        f"bin_{index}": Count("pk", filter=_bin_filter(low, high))
        for index, (_label, low, high) in enumerate(RATE_BINS)
    }
    aggregates["unrated"] = Count("pk", filter=Q(execution_rate__isnull=True))
    result = reports.order_by().aggregate(**aggregates)
    return Histogram(
        bins=[(label, result[f"bin_{index}"]) for index, (label, _lo, _hi) in enumerate(RATE_BINS)],
        unrated=result["unrated"],
    )


# ----------------------------------------------------------------------- exchanges


@dataclass
class ExchangeFigures:
    """Reports per partner country, per partner region and per exchange type.

    A report counts once per country, region or type it names, so a report with partners in
    two countries counts in both rows (and the rows do not add up to the number of reports).
    """

    by_country: list[tuple[str, int]] = field(default_factory=list)
    by_region: list[tuple[str, int]] = field(default_factory=list)
    by_type: list[tuple[str, int]] = field(default_factory=list)
    reports: int = 0


def split_list(value: str | None) -> list[str]:
    """The keys of a comma-separated summary column, stripped, without blanks or repeats."""
    return list(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))


def _raw_rows(stream) -> list[dict]:
    """Row dicts of a StreamField value as fetched by values_list (no block conversion)."""
    raw = getattr(stream, "raw_data", stream) or []
    if isinstance(raw, str):
        raw = json.loads(raw or "[]")
    return [dict(item.get("value") or {}) for item in raw if isinstance(item, dict)]


def _region_filter(region: str) -> Q:
    return Q(partner_rows__contains=[{"value": {"region": region}}])


def exchange_figures(reports: QuerySet[OutcomeReport]) -> ExchangeFigures:
    """One query. On PostgreSQL the database groups the reports by their countries and types
    columns (a few hundred combinations, however many reports) and counts, per group, the
    reports whose partners name each region of the form (jsonb @>). SQLite has no JSON
    containment: there the query reads those columns and the partners of every report."""
    countries: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    types: Counter[str] = Counter()
    total = 0
    known_regions = [value for value, _label in REGION_CHOICES]
    if connections[reports.db].features.supports_json_field_contains:
        groups = (
            reports.order_by()
            .annotate(partner_rows=Cast("partners", JSONField()))
            .values("countries", "exchange_types")
            .annotate(
                count=Count("pk"),
                **{
                    f"region_{index}": Count("pk", filter=_region_filter(region))
                    for index, region in enumerate(known_regions)
                },
            )
        )
        for group in groups:
            count = group["count"]
            total += count
            countries.update(dict.fromkeys(split_list(group["countries"]), count))
            types.update(dict.fromkeys(split_list(group["exchange_types"]), count))
            for index, region in enumerate(known_regions):
                regions[region] += group[f"region_{index}"]
    else:
        for country_list, type_list, partners in reports.order_by().values_list(
            "countries", "exchange_types", "partners"
        ):
            total += 1
            countries.update(split_list(country_list))
            types.update(split_list(type_list))
            regions.update(
                set(
                    (row.get("region") or "").strip()
                    for row in _raw_rows(partners)
                    if (row.get("region") or "").strip()
                )
            )
    return ExchangeFigures(
        by_country=sorted(
            ((c, n) for c, n in countries.items() if n), key=lambda item: (-item[1], item[0])
        ),
        by_region=[(region, regions.get(region, 0)) for region in known_regions]
        + sorted((r, n) for r, n in regions.items() if r not in known_regions),
        by_type=[(t.label, types.get(t.key, 0)) for t in EXCHANGE_TYPES],
        reports=total,
    )


# ----------------------------------------------------------------------- past the deadline


@dataclass
class OverdueRow:
    school_name: str
    school_code: str
    authority: str
    programme: str
    completeness: int | None  # None: the report was never opened
    last_saved_at: datetime.datetime | None
    academic_year: int


@dataclass
class Overdue:
    rows: list[OverdueRow]  # the first OVERDUE_ROWS, newest 學年度 first
    report_count: int
    school_count: int

    @property
    def truncated(self) -> bool:
        return self.report_count > len(self.rows)


# The table lists this many; the counts cover them all (ten years of a big authority would
# otherwise make a page of thousands of rows).
OVERDUE_ROWS = 100


def _plans_past_deadline_q(now) -> Q:
    """Plans (with no report) whose programme deadline, and any extension, has passed."""
    open_extension = DeadlineExtension.objects.filter(
        programme_id=OuterRef("programme_id"), school_id=OuterRef("school_id"), deadline__gte=now
    )
    return Q(programme__report_deadline__lt=now) & ~Exists(open_extension)


def overdue(
    reports: QuerySet[OutcomeReport],
    plans: QuerySet[Plan] | None = None,
    now: datetime.datetime | None = None,
) -> Overdue:
    """Schools past their effective deadline without a complete report (逾期未完成).

    Reports past the deadline below 100 %, and passed plans past the deadline whose report
    was never even opened: the newest OVERDUE_ROWS of them, and the counts of all (five
    queries, whatever the number of reports).
    """
    now = now or timezone.now()
    late_reports = reports.filter(past_deadline_q(now), completeness__lt=100)
    late_plans = (
        plans.passed().filter(_plans_past_deadline_q(now), report__isnull=True)
        if plans is not None
        else Plan.objects.none()
    )
    rows = [
        OverdueRow(
            school_name=item["plan__school__name"],
            school_code=item["plan__school__code"],
            authority=item["plan__school__authority__name"],
            programme=programme_label(
                item["plan__programme__kind"], item["plan__programme__academic_year"]
            ),
            completeness=item["completeness"],
            last_saved_at=item["last_saved_at"],
            academic_year=item["plan__programme__academic_year"],
        )
        for item in late_reports.order_by(
            "-plan__programme__academic_year", "plan__school__code"
        ).values(
            "plan__school__name",
            "plan__school__code",
            "plan__school__authority__name",
            "plan__programme__kind",
            "plan__programme__academic_year",
            "completeness",
            "last_saved_at",
        )[:OVERDUE_ROWS]
    ]
    rows += [
        OverdueRow(
            school_name=item["school__name"],
            school_code=item["school__code"],
            authority=item["school__authority__name"],
            programme=programme_label(item["programme__kind"], item["programme__academic_year"]),
            completeness=None,
            last_saved_at=None,
            academic_year=item["programme__academic_year"],
        )
        for item in late_plans.order_by("-programme__academic_year", "school__code").values(
            "school__name",
            "school__code",
            "school__authority__name",
            "programme__kind",
            "programme__academic_year",
        )[:OVERDUE_ROWS]
    ]
    rows.sort(key=lambda row: (-row.academic_year, row.school_code, row.programme))
    schools = (
        late_reports.order_by()
        .values("plan__school_id")
        .union(late_plans.order_by().values("school_id"))
    )
    return Overdue(
        rows=rows[:OVERDUE_ROWS],
        report_count=late_reports.count() + late_plans.count(),
        school_count=schools.count(),
    )


# ----------------------------------------------------------------------- everything at once


def academic_years(plans: QuerySet[Plan]) -> list[int]:
    """The 學年度 that have plans the viewer may see (one query), newest first."""
    years = (
        plans.order_by("-programme__academic_year")
        .values_list("programme__academic_year", flat=True)
        .distinct()
    )
    return list(dict.fromkeys(years))


def restrict_to_year(reports, plans, year: int | None):
    if year is None:
        return reports, plans
    return (
        reports.filter(plan__programme__academic_year=year),
        plans.filter(programme__academic_year=year),
    )


@dataclass
class Dashboard:
    by_programme: list[ProgressRow]
    by_authority: list[ProgressRow]
    totals: ProgressRow
    histogram: Histogram
    exchanges: ExchangeFigures
    overdue: Overdue


def build(
    reports: QuerySet[OutcomeReport],
    plans: QuerySet[Plan] | None = None,
    now: datetime.datetime | None = None,
) -> Dashboard:
    """All the figures of a dashboard: eleven queries, whatever the number of reports."""
    by_programme = progress_by_programme(reports, plans)
    return Dashboard(
        by_programme=by_programme,
        by_authority=progress_by_authority(reports, plans),
        totals=progress_totals(by_programme),
        histogram=execution_rate_histogram(reports),
        exchanges=exchange_figures(reports),
        overdue=overdue(reports, plans, now),
    )
