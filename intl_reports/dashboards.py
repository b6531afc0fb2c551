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
from django.db.models import Count, Exists, Func, JSONField, OuterRef, Q, QuerySet
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
    # Counted on plan_id (never null) rather than on the id: the database can then answer from
    # an index holding every column read here (report_progress_idx) without reading the rows.
    return {
        "reports": Count("plan"),
        "started": Count("plan", filter=Q(last_saved_at__isnull=False)),
        "complete": Count("plan", filter=Q(completeness__gte=100)),
        "accepted": Count("plan", filter=Q(review_state=ReviewState.ACCEPTED)),
    }


PROGRESS_FIELDS = ("reports", "started", "complete", "accepted")


def programme_label(kind: str, academic_year: int) -> str:
    """e.g. 國際交流 112 — the way the report list groups programmes."""
    return f"{Programme.Kind(kind).label} {academic_year}"


# Both progress tables and the histogram are sums over the same groups: the reports (and the
# passed plans) grouped by programme *and* authority, a few hundred groups whatever the number
# of reports. One query each, read once, summed here by programme and by authority.
_GROUP_FIELDS = (
    "programme_id",
    "programme__kind",
    "programme__academic_year",
    "school__authority_id",
    "school__authority__name",
)


def _report_groups(reports: QuerySet[OutcomeReport]) -> list[dict]:
    """Reports grouped by programme and authority: progress counts (and rate bins)."""
    counts = {**_progress_counts(), **_bin_counts()}
    groups = (
        reports.order_by().values(*(f"plan__{name}" for name in _GROUP_FIELDS)).annotate(**counts)
    )
    return [
        {name.removeprefix("plan__"): value for name, value in group.items()} for group in groups
    ]


def _plan_groups(plans: QuerySet[Plan] | None) -> list[dict]:
    """Passed plans grouped by programme and authority (none when `plans` is not given)."""
    if plans is None:
        return []
    return list(plans.passed().order_by().values(*_GROUP_FIELDS).annotate(plans=Count("*")))


def _programme_row(group: dict) -> ProgressRow:
    kind, year = group["programme__kind"], group["programme__academic_year"]
    return ProgressRow(
        key=group["programme_id"],
        label=programme_label(kind, year),
        order=_programme_order(kind, year),
    )


def _authority_row(group: dict) -> ProgressRow:
    name = group["school__authority__name"]
    return ProgressRow(key=group["school__authority_id"], label=name, order=(name,))


def _sum_progress(report_groups, plan_groups, key: str, new_row) -> list[ProgressRow]:
    rows: dict[int, ProgressRow] = {}
    for group in plan_groups:
        if group[key] not in rows:
            rows[group[key]] = new_row(group)
        rows[group[key]].plans += group["plans"]
    for group in report_groups:
        if group[key] not in rows:
            rows[group[key]] = new_row(group)
        row = rows[group[key]]
        for name in PROGRESS_FIELDS:
            setattr(row, name, getattr(row, name) + group[name])
    return sorted(rows.values(), key=lambda r: r.order)


def _by_programme(report_groups, plan_groups) -> list[ProgressRow]:
    return _sum_progress(report_groups, plan_groups, "programme_id", _programme_row)


def _by_authority(report_groups, plan_groups) -> list[ProgressRow]:
    return _sum_progress(report_groups, plan_groups, "school__authority_id", _authority_row)


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


def _bin_counts() -> dict:
    counts = {
        f"bin_{index}": Count("plan", filter=_bin_filter(low, high))
        for index, (_label, low, high) in enumerate(RATE_BINS)
    }
    counts["unrated"] = Count("plan", filter=Q(execution_rate__isnull=True))
    return counts


def _histogram(groups: list[dict]) -> Histogram:
    """The histogram of the bin counts summed over `groups`."""
    return Histogram(
        bins=[
            (label, sum(group[f"bin_{index}"] for group in groups))
            for index, (label, _lo, _hi) in enumerate(RATE_BINS)
        ],
        unrated=sum(group["unrated"] for group in groups),
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


class PartnerRegions(Func):
    """PostgreSQL: the regions named by a report's partner rows, as a JSON array (in row order,
    repeats kept). A constant JSON path, so nothing of the request reaches the SQL text."""

    function = "jsonb_path_query_array"
    template = "%(function)s(%(expressions)s, '$[*].value.region')"
    output_field = JSONField()


def _regions(names) -> set[str]:
    """The distinct regions of one report, stripped, blanks left out."""
    return {str(name).strip() for name in names or () if name is not None and str(name).strip()}


def exchange_figures(reports: QuerySet[OutcomeReport]) -> ExchangeFigures:
    """One query. On PostgreSQL the database groups the reports by their countries and types
    columns and by the regions of their partners (a few thousand combinations, however many
    reports), so what Python reads and splits is one row per combination. SQLite has no JSON
    path functions: there the query reads those columns and the partners of every report.
    Both count a report once per country, type and region it names."""
    countries: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    types: Counter[str] = Counter()
    total = 0
    if connections[reports.db].vendor == "postgresql":
        groups = (
            reports.order_by()
            .values("countries", "exchange_types", partner_regions=PartnerRegions("partners"))
            .annotate(count=Count("*"))
            .values_list("countries", "exchange_types", "partner_regions", "count")
        )
    else:
        groups = (
            (country_list, type_list, [row.get("region") for row in _raw_rows(partners)], 1)
            for country_list, type_list, partners in reports.order_by().values_list(
                "countries", "exchange_types", "partners"
            )
        )
    for country_list, type_list, region_names, count in groups:
        total += count
        countries.update(dict.fromkeys(split_list(country_list), count))
        types.update(dict.fromkeys(split_list(type_list), count))
        regions.update(dict.fromkeys(_regions(region_names), count))
    known_regions = [value for value, _label in REGION_CHOICES]
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
    was never even opened: the newest OVERDUE_ROWS of them, and the counts of all (three
    queries, whatever the number of reports).
    """
    now = now or timezone.now()
    late_reports = reports.filter(past_deadline_q(now), completeness__lt=100)
    # "Never opened" as NOT EXISTS on the report's plan_id, which an index answers; a LEFT JOIN
    # on the report (report__isnull) would read every report row for its id.
    never_opened = ~Exists(OutcomeReport.objects.filter(plan=OuterRef("pk")))
    late_plans = (
        plans.passed().filter(_plans_past_deadline_q(now), never_opened)
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
    # Both counts in one query over the plans behind them: a late report's plan and a late
    # plan never opened are different plans (a plan has one report), so the plans counted are
    # the late reports plus the late plans, and their distinct schools the schools overdue.
    counts = Plan.objects.filter(
        Q(pk__in=late_reports.order_by().values("plan_id"))
        | Q(pk__in=late_plans.order_by().values("pk"))
    ).aggregate(report_count=Count("*"), school_count=Count("school", distinct=True))
    return Overdue(rows=rows[:OVERDUE_ROWS], **counts)


# ----------------------------------------------------------------------- everything at once


def academic_years(plans: QuerySet[Plan]) -> list[int]:
    """The 學年度 that have plans the viewer may see (one query), newest first.

    Asked per programme (a few dozen), each an index look-up for one visible plan, rather than
    a DISTINCT over every plan."""
    years = (
        Programme.objects.filter(Exists(plans.order_by().filter(programme=OuterRef("pk"))))
        .order_by("-academic_year")
        .values_list("academic_year", flat=True)
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
    """All the figures of a dashboard: six queries, whatever the number of reports."""
    report_groups = _report_groups(reports)
    plan_groups = _plan_groups(plans)
    by_programme = _by_programme(report_groups, plan_groups)
    return Dashboard(
        by_programme=by_programme,
        by_authority=_by_authority(report_groups, plan_groups),
        totals=progress_totals(by_programme),
        histogram=_histogram(report_groups),
        exchanges=exchange_figures(reports),
        overdue=overdue(reports, plans, now),
    )
