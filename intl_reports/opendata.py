"""Open data (開放資料): de-identified aggregates of accepted outcome reports.

What is published: per 學年度 and programme, the number of accepted reports and the sums of
their approved and spent amounts, in total and broken down by partner country, exchange type
and school stage. Nothing about a school (name, code, address), a person (contacts,
principals, sign-offs) or a partner school is ever read, so nothing of it can leak.

Only reports an editor accepted (已審閱) count: pending and returned reports are drafts.

Where it comes from, cheapest first: the cache (CACHE_SECONDS); else the copy stored in the
database (OpenDataSnapshot) when its generation stamp is still the stamp of the accepted
reports; else a rebuild, stored with that stamp. The stamp is read from indexes in a few
milliseconds however many reports there are, and changes with every change that can change
the figures, so no save path has to remember to invalidate anything (see generation_stamp).

The files:
- CSV: UTF-8 with a BOM (Excel opens it as UTF-8), Chinese headers, and every text cell that
  starts with = + - @ (or a tab / carriage return) neutralised with a leading apostrophe, so a
  country typed as a formula never runs in a spreadsheet;
- JSON: {"title", "license", "fields", "records", ...}, English keys.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max, Sum
from django.utils import timezone

from .dashboards import split_list
from .exchange import EXCHANGE_TYPE_BY_KEY
from .models import OpenDataSnapshot, OutcomeReport, Programme, ReviewDecision, ReviewState
from .models.reference import SchoolStage

TITLE = "中小學國際教育交流成果統計"
TITLE_EN = "International education exchange outcomes of primary and secondary schools"
PUBLISHER = "教育部"
LICENSE_NAME = "政府資料開放授權條款－第1版"
LICENSE_NAME_EN = "Open Government Data License, version 1.0"
LICENSE_URL = "https://data.gov.tw/license"
CACHE_KEY = "intl_reports:opendata:v2"
CACHE_SECONDS = 600
SNAPSHOT_NAME = "outcomes"
# Part of the stamp: bump it when the records' shape or rules change, so stored copies made by
# the previous code are rebuilt rather than served.
DATASET_VERSION = 1
# A stored copy older than this is rebuilt even if its stamp still matches: a safety net for
# changes no stamp sees (a plan moved to another programme in the admin, a fix made in SQL).
STORED_MAX_AGE = datetime.timedelta(days=1)

# Dimensions of a record: (key in JSON, label in CSV and on the page).
DIMENSIONS = {
    "total": "全部",
    "country": "交流國家",
    "exchange_type": "交流類型",
    "stage": "學習階段與類型",
}
UNKNOWN_STAGE = "未填寫"

# (JSON key, CSV header, type, description) — the page lists them as the data dictionary.
FIELDS = [
    ("academic_year", "學年度", "integer", "民國紀年學年度，例如 112 為 2023-08-01 至 2024-07-31"),
    ("programme", "計畫類別", "string", "國際交流或課程"),
    ("dimension", "統計面向", "string", "全部、交流國家、交流類型或學習階段與類型"),
    ("category", "項目", "string", "統計面向下的項目，例如國家名稱；「全部」時為「合計」"),
    ("reports", "成果報告數", "integer", "已審閱的成果報告件數"),
    ("approved_sum", "核定金額合計", "integer", "核定金額加總（新臺幣元）"),
    ("spent_sum", "實支金額合計", "integer", "實支金額加總（新臺幣元）"),
    (
        "execution_rate",
        "經費執行率(%)",
        "number",
        "實支金額合計 ÷ 核定金額合計 × 100，四捨五入至小數第二位",
    ),
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class Bucket:
    reports: int = 0
    approved_sum: int = 0
    spent_sum: int = 0

    def add(self, approved: int, spent: int, reports: int = 1) -> None:
        self.reports += reports
        self.approved_sum += approved or 0
        self.spent_sum += spent or 0

    @property
    def execution_rate(self) -> Decimal | None:
        if not self.approved_sum:
            return None
        rate = Decimal(self.spent_sum) * 100 / Decimal(self.approved_sum)
        return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Dataset:
    records: list[dict] = field(default_factory=list)
    generated_at: object = None

    @property
    def totals(self) -> list[dict]:
        return [r for r in self.records if r["dimension"] == DIMENSIONS["total"]]


def accepted_reports():
    return OutcomeReport.objects.filter(review_state=ReviewState.ACCEPTED)


def build_dataset(reports=None) -> Dataset:
    """One query over the accepted reports, reading only the aggregate columns: the database
    groups them by year, programme, stage, countries and types and sums each group, so what
    Python splits and adds up is a few groups per combination, not a row per report."""
    reports = accepted_reports() if reports is None else reports
    buckets: dict[tuple, Bucket] = defaultdict(Bucket)
    groups = (
        reports.order_by()
        .values(
            "plan__programme__academic_year",
            "plan__programme__kind",
            "stage",
            "countries",
            "exchange_types",
        )
        .annotate(n=Count("pk"), approved=Sum("approved_sum"), spent=Sum("spent_sum"))
        .values_list(
            "plan__programme__academic_year",
            "plan__programme__kind",
            "stage",
            "countries",
            "exchange_types",
            "approved",
            "spent",
            "n",
        )
    )
    stage_labels = dict(SchoolStage.choices)
    for year, kind, stage, countries, types, approved, spent, n in groups:
        head = (year, kind)
        buckets[(*head, "total", "合計")].add(approved, spent, n)
        for country in split_list(countries):
            buckets[(*head, "country", country)].add(approved, spent, n)
        for key in split_list(types):
            if key in EXCHANGE_TYPE_BY_KEY:
                buckets[(*head, "exchange_type", EXCHANGE_TYPE_BY_KEY[key].label)].add(
                    approved, spent, n
                )
        buckets[(*head, "stage", stage_labels.get(stage, UNKNOWN_STAGE))].add(approved, spent, n)

    kinds = list(Programme.Kind.values)
    dimension_order = list(DIMENSIONS)

    def order(item):
        (year, kind, dimension, category), bucket = item
        return (
            -year,
            kinds.index(kind) if kind in kinds else len(kinds),
            dimension_order.index(dimension),
            -bucket.reports,
            category,
        )

    records = [
        {
            "academic_year": year,
            "programme": Programme.Kind(kind).label if kind in kinds else kind,
            "dimension": DIMENSIONS[dimension],
            "category": category,
            "reports": bucket.reports,
            "approved_sum": bucket.approved_sum,
            "spent_sum": bucket.spent_sum,
            "execution_rate": bucket.execution_rate,
        }
        for (year, kind, dimension, category), bucket in sorted(buckets.items(), key=order)
    ]
    return Dataset(records=records, generated_at=timezone.now())


def generation_stamp() -> str:
    """A text that changes whenever the figures of the accepted reports can have changed.

    - the number of accepted reports: a report accepted, returned or deleted;
    - the sum of their row_version: every save of a tab (saving.py) and every correction by an
      editor in the admin (ReportAdminForm) bumps the report's row_version, and the sum only
      grows while the set of reports stays the same, whatever order saves commit in;
    - their latest last_saved_at, set by every tab save (and by the demo and scale loaders);
    - the latest review decision: an accept or a return, even when both happen in between;
    - the programmes (a few dozen rows): a programme's year or kind corrected by an editor.

    Three queries: the first reads one index range (report_state_figures_idx, the accepted
    reports only), the second one index entry, the third the small programme table."""
    accepted = (
        accepted_reports()
        .order_by()
        .aggregate(reports=Count("plan"), versions=Sum("row_version"), saved=Max("last_saved_at"))
    )
    decision = ReviewDecision.objects.aggregate(last=Max("pk"))["last"]
    programmes = list(Programme.objects.order_by("pk").values_list("pk", "kind", "academic_year"))
    saved = accepted["saved"].isoformat() if accepted["saved"] else "-"
    return ":".join(
        str(part)
        for part in (
            f"v{DATASET_VERSION}",
            accepted["reports"],
            accepted["versions"] or 0,
            saved,
            decision or 0,
            hashlib.sha256(repr(programmes).encode()).hexdigest()[:16],
        )
    )


def _records_to_store(dataset: Dataset) -> list[dict]:
    return [
        {
            **record,
            "execution_rate": None
            if record["execution_rate"] is None
            else str(record["execution_rate"]),
        }
        for record in dataset.records
    ]


def _dataset_from(snapshot: OpenDataSnapshot) -> Dataset:
    records = [
        {
            **record,
            "execution_rate": None
            if record["execution_rate"] is None
            else Decimal(record["execution_rate"]),
        }
        for record in snapshot.records
    ]
    return Dataset(records=records, generated_at=snapshot.generated_at)


def stored_dataset() -> Dataset:
    """The dataset stored in the database if it was built from the current data, else a
    rebuild, stored. The stamp is read before the build: a change made during the build
    makes the next stamp differ, so it is never hidden behind the stored copy."""
    stamp = generation_stamp()
    snapshot = OpenDataSnapshot.objects.filter(
        name=SNAPSHOT_NAME,
        stamp=stamp,
        generated_at__gt=timezone.now() - STORED_MAX_AGE,
    ).first()
    if snapshot is not None:
        return _dataset_from(snapshot)
    dataset = build_dataset()
    OpenDataSnapshot.objects.update_or_create(
        name=SNAPSHOT_NAME,
        defaults={
            "stamp": stamp,
            "records": _records_to_store(dataset),
            "generated_at": dataset.generated_at,
        },
    )
    return dataset


def cached_dataset() -> Dataset:
    """The dataset, from the cache for CACHE_SECONDS, else from the database (stored_dataset)."""
    dataset = cache.get(CACHE_KEY)
    if dataset is None:
        dataset = stored_dataset()
        cache.set(CACHE_KEY, dataset, CACHE_SECONDS)
    return dataset


def to_csv(dataset: Dataset) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM, so Excel opens the file as UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _key, header, _type, _description in FIELDS])
    for record in dataset.records:
        writer.writerow(
            [
                "" if record[key] is None else neutralise(record[key])
                for key, _header, _type, _description in FIELDS
            ]
        )
    return buffer.getvalue()


def to_json(dataset: Dataset) -> str:
    document = {
        "title": TITLE,
        "title_en": TITLE_EN,
        "publisher": PUBLISHER,
        "license": {"name": LICENSE_NAME, "name_en": LICENSE_NAME_EN, "url": LICENSE_URL},
        "generated_at": dataset.generated_at,
        "description": "僅統計已審閱之成果報告；不含任何學校名稱或個人資料。",
        "fields": [
            {"key": key, "label": label, "type": kind, "description": description}
            for key, label, kind, description in FIELDS
        ],
        "records": [
            {
                **record,
                "execution_rate": None
                if record["execution_rate"] is None
                else float(record["execution_rate"]),
            }
            for record in dataset.records
        ],
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
