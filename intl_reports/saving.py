"""Saving one tab of a report: atomically, without touching other tabs, never silently
overwriting a colleague's save of the same tab, and always keeping a revision."""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Revision

from . import audit
from .forms.report_tabs import TabForm
from .models import AuditAction, OutcomeReport, PortalImage
from .models.outcomes import sync_published_photos
from .reporting import COMPUTED_FIELDS, recompute

MAX_ATTEMPTS = 5


class TabConflict(Exception):
    """Someone saved this tab since the form was opened."""

    def __init__(self, current: OutcomeReport):
        super().__init__("tab saved by someone else")
        self.current = current


def save_tab(report: OutcomeReport, form: TabForm, user, *, request=None) -> OutcomeReport:
    """Write the tab's columns, the recomputed figures and a revision; return the saved report.

    `report` is the one the form was built on, fetched in this request with its plan. The write
    is a compare-and-set on `row_version`, so a concurrent save of another tab is merged (each
    tab owns its columns) while a concurrent save of the same tab, detected by the tab's own
    version, raises TabConflict.
    """
    tab = form.tab
    changes = form.changes()
    current = report
    for attempt in range(MAX_ATTEMPTS):
        if attempt:  # the row moved since it was read: read it again
            current = _fresh(report)
        if current.version_of(tab) != form.version:
            if is_repeat_of_last_save(current, form, changes, user):
                return current  # already saved: answer as the first time, save nothing twice
            raise TabConflict(current)
        try:
            with transaction.atomic():
                return _write(current, form, changes, user, request)
        except _RowMoved:
            continue  # another tab was saved in between: nothing of this attempt remains
    raise TabConflict(_fresh(report))


class _RowMoved(Exception):
    """The compare-and-set found another row version: roll this attempt back."""


def _fresh(report: OutcomeReport) -> OutcomeReport:
    current = OutcomeReport.objects.with_deadline().get(pk=report.pk)
    current.plan = report.plan  # the plan does not change under a report
    return current


def _write(current: OutcomeReport, form: TabForm, changes, user, request) -> OutcomeReport:
    """One attempt, inside a transaction: the revision, then the row pointing at it."""
    tab = form.tab
    read_version = current.row_version
    for name, value in changes.items():
        setattr(current, name, value)
    recompute(current)
    saved = {
        "tab_versions": {**current.tab_versions, tab: form.version + 1},
        "last_saved_at": timezone.now(),
        "last_saved_by": user,
        "last_saved_tab": tab,
    }
    for name, value in saved.items():
        setattr(current, name, value)
    values = {**changes, **{name: getattr(current, name) for name in COMPUTED_FIELDS}, **saved}
    current.row_version = read_version + 1
    # The revision is written first so that the one UPDATE of the row also points the report
    # at it: Wagtail's save_revision() would save the row a second time to do that.
    revision = Revision.objects.create(
        content_object=current,
        base_content_type=current.get_base_content_type(),
        user=user,
        content=current.serializable_data(),
        object_str=str(current),
    )
    current.latest_revision = revision
    written = OutcomeReport.objects.filter(pk=current.pk, row_version=read_version).update(
        **values, latest_revision=revision, row_version=F("row_version") + 1
    )
    if not written:
        raise _RowMoved
    if form.image_consents:
        _record_consents(current, form.image_consents)
    audit.record(
        AuditAction.REPORT_SAVED,
        request=request,
        user=user,
        target=current,
        school=current.plan.school_id,
        tab=tab,
        revision=revision.pk,
    )
    return current


def is_repeat_of_last_save(current: OutcomeReport, form: TabForm, changes, user) -> bool:
    """The same person's same save, sent again: a double click on 存檔, or a retry of a save
    whose answer was lost (an app instance killed after its commit, the request replayed by
    nginx on the other one). The tab's version moved on by exactly that save."""
    if current.version_of(form.tab) != form.version + 1:
        return False
    if current.last_saved_by_id != user.pk or current.last_saved_tab != form.tab:
        return False
    return all(
        _comparable(name, getattr(current, name)) == _comparable(name, value)
        for name, value in changes.items()
    )


def _comparable(name: str, value):
    """A column's value as stored, with the block ids left out: a row added in the form gets
    a new id each time it is validated."""
    prepared = OutcomeReport._meta.get_field(name).get_prep_value(value)
    if isinstance(prepared, str) and prepared[:1] in "[{":
        try:
            prepared = json.loads(prepared)
        except ValueError:
            return prepared
    return _without_ids(prepared)


def _without_ids(data):
    if isinstance(data, list):
        return [_without_ids(item) for item in data]
    if isinstance(data, dict):
        return {key: _without_ids(item) for key, item in data.items() if key != "id"}
    return data


def _record_consents(report: OutcomeReport, consents: dict[int, bool]) -> None:
    school_photos = PortalImage.objects.filter(school_id=report.plan.school_id)
    given = [pk for pk, consent in consents.items() if consent]
    withheld = [pk for pk, consent in consents.items() if not consent]
    school_photos.filter(pk__in=given, guardian_consent=False).update(guardian_consent=True)
    school_photos.filter(pk__in=withheld, guardian_consent=True).update(guardian_consent=False)
    # Consent withdrawn: the photo leaves the public showcase at once.
    sync_published_photos(consents.keys())
