"""Spreadsheet exports: UTF-8 CSV with a BOM (so Excel reads Chinese) and XLSX, with every
cell that a spreadsheet would run as a formula turned into plain text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise_formula(value):
    """A text cell starting like a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# The StreamField bodies of a report and its plan: by far their largest columns, and no list or
# export of whole reports shows them. Lists and exports defer them.
REPORT_BODY_FIELDS = (
    "exchanges",
    "partners",
    "work_items",
    "budget_lines",
    "outcome_checks",
    "assessments",
    "features",
    "photos",
    "tab_status",
    "tab_versions",
)
PLAN_BODY_FIELDS = tuple(
    f"plan__{name}" for name in ("exchanges", "partners", "schedule", "budget", "outcomes")
)
EXPORT_CHUNK_SIZE = 1000


class Chunked:
    """A queryset read CHUNK rows at a time (a server-side cursor on PostgreSQL) instead of all
    at once, so a streamed export of every report starts at once and holds one chunk in memory.
    `model` is what Wagtail's export headings ask of the queryset."""

    def __init__(self, queryset, chunk_size: int = EXPORT_CHUNK_SIZE):
        self.queryset = queryset
        self.model = queryset.model
        self.chunk_size = chunk_size

    def __iter__(self):
        return self.queryset.iterator(chunk_size=self.chunk_size)


class _Echo:
    def write(self, value):
        return value


def csv_response(
    headers: Sequence[str], rows: Iterable[Sequence], filename: str, *, stream: bool = True
):
    """A CSV download; streamed row by row unless `stream` is false (small files)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow(headers)
        for row in rows:
            yield writer.writerow([neutralise_formula(value) for value in row])

    content_type = "text/csv; charset=utf-8"
    if stream:
        response = StreamingHttpResponse(lines(), content_type=content_type)
    else:
        response = HttpResponse("".join(lines()), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(headers: Sequence[str], rows: Iterable[Sequence], filename: str):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])

    sheet.append(list(headers))
    for row in rows:
        # Plain values (a third faster than cell objects): neutralised, no text starts with
        # "=", which openpyxl would write as a formula.
        sheet.append([neutralise_formula(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
