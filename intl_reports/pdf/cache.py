"""Rendered PDFs, kept in private storage and keyed by the report's revision.

The key is the report's latest revision (every save of a tab makes one) plus PDF_VERSION (the
template and options) plus a short fingerprint of what can change without a revision (the
sign-off confirmations, the programme that names the report). An unchanged report is served
from storage without rendering; writing a new PDF deletes the report's stale ones.

Storage is the default storage under `pdf-cache/`: MEDIA is not served directly (the media view
serves only PortalImage/PortalRendition files), so a cached PDF leaves only through the
permission-checked PDF view.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from intl_reports.models import OutcomeReport

from . import render

logger = logging.getLogger(__name__)

PREFIX = "pdf-cache"


def _fingerprint(report: OutcomeReport) -> str:
    programme = report.plan.programme
    parts = [
        report.created_at,  # tells apart two reports that had the same pk (SQLite reuses them)
        report.unit_head_confirmed_at,
        report.principal_confirmed_at,
        report.last_saved_at,
        str(programme.kind),  # the same key for an enum member and the value read back
        programme.academic_year,
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def folder(report: OutcomeReport) -> str:
    return f"{PREFIX}/report-{report.pk}"


def cache_key(report: OutcomeReport) -> str:
    revision = report.latest_revision_id or 0
    return f"r{revision}-v{render.PDF_VERSION}-{_fingerprint(report)}"


def cache_name(report: OutcomeReport) -> str:
    return f"{folder(report)}/{cache_key(report)}.pdf"


def cached_pdf_name(report: OutcomeReport, storage: Storage | None = None) -> str:
    """The storage name of the report's current PDF, rendering and storing it if needed."""
    storage = storage or default_storage
    name = cache_name(report)
    if storage.exists(name):
        return name
    data = render.render_report_pdf(report)
    if not storage.exists(name):  # a concurrent request may have written it meanwhile
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # the storage renamed it: a concurrent writer won; keep theirs
            storage.delete(saved)
    delete_stale(report, keep=name, storage=storage)
    return name


def delete_stale(report: OutcomeReport, keep: str = "", storage: Storage | None = None) -> int:
    """Delete the report's cached PDFs other than `keep`; returns how many."""
    storage = storage or default_storage
    try:
        _dirs, files = storage.listdir(folder(report))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for filename in files:
        name = f"{folder(report)}/{filename}"
        if name != keep:
            try:
                storage.delete(name)
                deleted += 1
            except OSError:  # pragma: no cover - deleted by a concurrent request
                logger.info("stale PDF %s already gone", name)
    return deleted
