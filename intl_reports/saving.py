"""Saving one tab of a report: atomically, without touching other tabs, never silently
overwriting a colleague's save of the same tab, and always keeping a revision."""

from __future__ import annotations

import json

from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Revision

from . import audit
from .forms.report_tabs import TabForm
from .models import AuditAction, OutcomeReport, PortalImage
from .models.outcomes import sync_published_photos
from .reporting import COMPUTED_FIELDS, recompute

MAX_ATTEMPTS = 5


class SaveInterrupted(OperationalError):
    """A database error, hidden by a library, undid part of a save: all of it is undone."""


class TabConflict(Exception):
    """Someone saved this tab since the form was opened."""

    def __init__(self, current: OutcomeReport):
        super().__init__("tab saved by someone else")
        self.current = current


def save_tab(report: OutcomeReport, form: TabForm, user, *, request=None) -> OutcomeReport:
    """Write the tab's columns and the recomputed figures; return the saved report.

    The write is a compare-and-set on `row_version`, so a concurrent save of another tab
    is merged (each tab owns its columns) while a concurrent save of the same tab, detected
    by the tab's own version, raises TabConflict.
    """
    tab = form.tab
    changes = form.changes()
    for _attempt in range(MAX_ATTEMPTS):
        current = OutcomeReport.objects.select_related("plan__programme").get(pk=report.pk)
        if current.version_of(tab) != form.version:
            if is_repeat_of_last_save(current, form, changes, user):
                return current  # already saved: answer as the first time, save nothing twice
            raise TabConflict(current)
        for name, value in changes.items():
            setattr(current, name, value)
        recompute(current)
        values = {
            **changes,
            **{name: getattr(current, name) for name in COMPUTED_FIELDS},
            "tab_versions": {**current.tab_versions, tab: form.version + 1},
            "last_saved_at": timezone.now(),
            "last_saved_by": user,
            "last_saved_tab": tab,
            "row_version": F("row_version") + 1,
        }
        with transaction.atomic():
            written = OutcomeReport.objects.filter(
                pk=current.pk, row_version=current.row_version
            ).update(**values)
            if not written:
                continue  # another tab was saved in between: read again and retry
            if form.image_consents:
                _record_consents(current, form.image_consents)
            # The row now holds exactly these values (the compare-and-set matched): set them here
            # instead of reading the row back, which would also drop the cached plan.
            for name, value in values.items():
                if name != "row_version":
                    setattr(current, name, value)
            current.row_version += 1
            revision = current.save_revision(user=user, clean=False)
            # Wagtail indexes the report in tasks run inside this transaction that hide their
            # errors: a database error there rolls the revision back to Wagtail's savepoint
            # and nothing is raised. Never keep a save without its revision.
            if not Revision.objects.filter(pk=revision.pk).exists():
                raise SaveInterrupted("the revision was rolled back inside the save")
            audit.record(
                AuditAction.REPORT_SAVED,
                request=request,
                user=user,
                target=current,
                school=report.plan.school_id,
                tab=tab,
                revision=revision.pk,
            )
        return current
    raise TabConflict(OutcomeReport.objects.get(pk=report.pk))


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
