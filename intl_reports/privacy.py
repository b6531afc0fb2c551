"""Personal data: photo retention, and exporting or erasing one school's personal data.

A school's report photos show students, mostly minors; its contacts, principal and accounts
name people. Three operations work on them:

- `purge_expired_photos()`: report photos are kept `REPORT_PHOTO_RETENTION_DAYS` after their
  report's deadline (0: for ever). Photos published with guardian consent on a live showcase
  are the ministry's public record and stay.
- `export_school()`: a ZIP with everything personal the site holds about one school.
- `erase_school()`: blanks the contacts, anonymises the accounts, deletes the photos; the
  reports' figures (budget, progress, outcomes) stay for the ministry's statistics.

Removing a photo takes it out of the report's streams (the 4-3 row with its caption; the 4-2
row keeps its text), out of every earlier revision of the report and of showcase pages, and
drops the report's cached PDFs. The report's change is saved like a tab save: a compare-and-set
that bumps the versions of the tabs it touched (a teacher with the tab open is told, instead of
saving the deleted photo back) and a new Wagtail revision. Wagtail deletes the files of deleted
images and renditions once the transaction commits.
"""

from __future__ import annotations

import datetime
import json
import posixpath
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Revision

from .models import (
    OutcomePage,
    OutcomeReport,
    PortalImage,
    PortalRendition,
    ReminderLog,
    School,
    Tab,
)
from .reporting import COMPUTED_FIELDS, recompute

# The people named in tab 1 and in the school's basic data.
SCHOOL_CONTACT_FIELDS = [
    "contact_name",
    "contact_phone",
    "contact_mobile",
    "contact_email",
    "principal_name",
    "principal_phone",
    "principal_mobile",
]
REPORT_CONTACT_FIELDS = [
    *SCHOOL_CONTACT_FIELDS,
    "unit_head_name",
    "unit_head_email",
    "principal_email",
]
SIGNOFF_FIELDS = ["unit_head_confirmed_at", "principal_confirmed_at"]
MAX_ATTEMPTS = 5


# ------------------------------------------------------------------ streams and revisions


def _blocks(value) -> list[dict]:
    """A stream's raw blocks, from a StreamValue, a list, or the JSON text revisions keep."""
    raw = getattr(value, "raw_data", value)
    if isinstance(raw, str):
        raw = json.loads(raw) if raw else []
    return [dict(block) for block in raw or []]


def image_ids_of(report: OutcomeReport) -> set[int]:
    ids = set()
    for stream in (report.photos, report.assessments):
        for block in _blocks(stream):
            image = (block.get("value") or {}).get("image")
            if image:
                ids.add(int(image))
    return ids


def _without_images(photos, assessments, image_ids: set[int]) -> tuple[list, list]:
    """The 4-3 rows without the photos (captions go with them); the 4-2 rows keep their text."""
    kept_photos = [
        block
        for block in _blocks(photos)
        if (block.get("value") or {}).get("image") not in image_ids
    ]
    kept_assessments = []
    for block in _blocks(assessments):
        value = dict(block.get("value") or {})
        if value.get("image") in image_ids:
            value["image"] = None
        kept_assessments.append({**block, "value": value})
    return kept_photos, kept_assessments


def _scrub_report_revisions(report: OutcomeReport, image_ids: set[int], blank=()) -> None:
    """Earlier revisions would still hold the photos' ids and captions, and the contacts."""
    for revision in Revision.objects.for_instance(report).only("pk", "content"):
        content = dict(revision.content)
        photos, assessments = _without_images(
            content.get("photos"), content.get("assessments"), image_ids
        )
        # Revisions keep streams as JSON text (modelcluster's serialisation): keep that form.
        for name, blocks in (("photos", photos), ("assessments", assessments)):
            content[name] = json.dumps(blocks) if isinstance(content.get(name), str) else blocks
        for name in blank:
            if name in content:
                content[name] = ""
        if content != revision.content:
            revision.content = content
            revision.save(update_fields=["content"])


def _scrub_page_revisions(image_ids: set[int]) -> None:
    """A showcase page's revisions list its gallery rows: drop the deleted photos from them, so
    publishing an older revision cannot point at an image that no longer exists."""
    revisions = Revision.page_revisions.filter(
        content_type__app_label=OutcomePage._meta.app_label,
        content_type__model=OutcomePage._meta.model_name,
    )
    for revision in revisions.only("pk", "content"):
        gallery = revision.content.get("gallery_images") or []
        kept = [row for row in gallery if row.get("image") not in image_ids]
        if len(kept) != len(gallery):
            revision.content = {**revision.content, "gallery_images": kept}
            revision.save(update_fields=["content"])


def _drop_cached_pdfs(report_ids: Iterable[int]) -> None:
    """After the commit: a cached PDF embeds the photos and names the contacts."""
    from .pdf import cache

    reports = list(OutcomeReport.objects.filter(pk__in=list(report_ids)))

    def drop():
        for report in reports:
            cache.delete_stale(report, keep="")

    transaction.on_commit(drop)


def _update_report(report: OutcomeReport, image_ids: set[int], *, user, blank=()) -> bool:
    """Take the photos out of the report (and blank `blank`), saved like a tab save."""
    for _attempt in range(MAX_ATTEMPTS):
        current = OutcomeReport.objects.select_related("plan__programme").get(pk=report.pk)
        photos, assessments = _without_images(current.photos, current.assessments, image_ids)
        changes, touched = {}, set()
        if photos != _blocks(current.photos):
            changes["photos"] = photos
            touched.add(Tab.RESULTS)
        if assessments != _blocks(current.assessments):
            changes["assessments"] = assessments
            touched.add(Tab.ASSESSMENT)
        for name in blank:
            if getattr(current, name):
                changes[name] = ""
                touched.add(Tab.SCHOOL)
        if not changes:
            return False
        versions = {
            **(current.tab_versions or {}),
            **{str(tab): current.version_of(str(tab)) + 1 for tab in touched},
        }
        for name, value in changes.items():
            setattr(current, name, value)
        recompute(current)
        written = OutcomeReport.objects.filter(
            pk=current.pk, row_version=current.row_version
        ).update(
            **changes,
            **{name: getattr(current, name) for name in COMPUTED_FIELDS},
            tab_versions=versions,
            row_version=F("row_version") + 1,
        )
        if written:
            current.refresh_from_db()
            current.save_revision(user=user, clean=False)
            return True
    raise RuntimeError(f"report {report.pk} kept changing; try again")


def _remove_photos(school_id: int, image_ids: set[int], *, user, blank=()) -> tuple[int, set[int]]:
    """Take the photos out of every report of the school (blanking `blank` too) and delete
    them. Returns (renditions deleted, ids of the reports changed). Runs in a transaction."""
    changed = set()
    for report in OutcomeReport.objects.filter(plan__school_id=school_id):
        if not (image_ids & image_ids_of(report)) and not blank:
            continue
        if _update_report(report, image_ids, user=user, blank=blank):
            changed.add(report.pk)
        _scrub_report_revisions(report, image_ids, blank=blank)
    if image_ids:
        _scrub_page_revisions(image_ids)
    renditions = PortalRendition.objects.filter(image_id__in=image_ids).count()
    # Wagtail's post_delete receivers delete each image's and rendition's file on commit.
    PortalImage.objects.filter(pk__in=image_ids, school_id=school_id).delete()
    return renditions, changed


# ------------------------------------------------------------------ retention


@dataclass
class PurgeResult:
    photos: int = 0
    renditions: int = 0
    reports: int = 0
    kept_published: int = 0
    cutoff: datetime.datetime | None = None


def retention_cutoff(now=None, days=None):
    """Photos of reports whose deadline is before this moment are expired; None: keep all."""
    days = settings.REPORT_PHOTO_RETENTION_DAYS if days is None else days
    if days <= 0:
        return None
    return (now or timezone.now()) - datetime.timedelta(days=days)


def expired_photos(now=None, days=None) -> tuple[dict[int, set[int]], int]:
    """({school id: ids of its photos to delete}, photos kept because published with consent).

    A photo expires when every report that shows it is past the retention, counted from the
    report's effective deadline (an extension or a reopening pushes it back). A photo no report
    shows (an upload never saved into a tab) expires with its upload date.
    """
    cutoff = retention_cutoff(now, days)
    if cutoff is None:
        return {}, 0
    shown_by_expired: set[int] = set()
    shown_by_current: set[int] = set()
    for report in OutcomeReport.objects.select_related("plan__programme").iterator():
        ids = image_ids_of(report)
        if not ids:
            continue
        expired = (
            report.plan.programme.report_deadline < cutoff and report.effective_deadline() < cutoff
        )
        (shown_by_expired if expired else shown_by_current).update(ids)
    expired: dict[int, set[int]] = {}
    kept = 0
    photos = PortalImage.objects.filter(school__isnull=False).values_list(
        "pk", "school_id", "created_at", "is_published", "guardian_consent"
    )
    for pk, school_id, created_at, published, consent in photos.iterator():
        if pk in shown_by_current:
            continue
        if pk in shown_by_expired or created_at < cutoff:
            if published and consent:
                kept += 1  # on a live showcase, with consent: the ministry's public record
            else:
                expired.setdefault(school_id, set()).add(pk)
    return expired, kept


def purge_expired_photos(*, now=None, days=None, dry_run=False) -> PurgeResult:
    by_school, kept = expired_photos(now, days)
    result = PurgeResult(kept_published=kept, cutoff=retention_cutoff(now, days))
    for school_id, image_ids in by_school.items():
        result.photos += len(image_ids)
        if dry_run:
            result.renditions += PortalRendition.objects.filter(image_id__in=image_ids).count()
            result.reports += sum(
                1
                for report in OutcomeReport.objects.filter(plan__school_id=school_id)
                if image_ids_of(report) & image_ids
            )
            continue
        # One school per transaction: short locks, and a failure loses nothing of the others.
        with transaction.atomic():
            renditions, changed = _remove_photos(school_id, image_ids, user=None)
            _drop_cached_pdfs(changed)
        result.renditions += renditions
        result.reports += len(changed)
    return result


# ------------------------------------------------------------------ one school


def _iso(moment):
    return moment.isoformat() if moment else None


def school_personal_data(school: School) -> dict:
    """Everything personal the site holds about `school`, as plain JSON-able data."""
    users = get_user_model().objects.filter(membership__school=school).order_by("username")
    reports = (
        OutcomeReport.objects.filter(plan__school=school)
        .select_related("plan__programme")
        .order_by("plan__programme__academic_year", "plan__serial")
    )
    photos = PortalImage.objects.filter(school=school).order_by("pk")
    reminders = ReminderLog.objects.filter(plan__school=school).select_related("plan")
    return {
        "exported_at": timezone.now(),
        "school": {
            "name": school.name,
            "code": school.code,
            "authority": school.authority.name,
            "address": school.address,
            "stage": school.get_stage_display(),
            "class_count": school.class_count,
            "student_count": school.student_count,
            "teacher_count": school.teacher_count,
            **{name: getattr(school, name) for name in SCHOOL_CONTACT_FIELDS},
        },
        "users": [
            {
                "username": user.get_username(),
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "is_active": user.is_active,
                "date_joined": _iso(user.date_joined),
                "last_login": _iso(user.last_login),
            }
            for user in users
        ],
        "reports": [
            {
                "plan": report.plan.serial,
                "title": report.title,
                **{name: getattr(report, name) for name in REPORT_CONTACT_FIELDS},
                **{name: _iso(getattr(report, name)) for name in SIGNOFF_FIELDS},
                "photos": [
                    (block.get("value") or {})
                    for block in _blocks(report.photos)
                    if (block.get("value") or {}).get("image")
                ],
            }
            for report in reports
        ],
        "photos": [
            {
                "id": photo.pk,
                "title": photo.title,
                "file": _photo_entry(photo),
                "uploaded_at": _iso(photo.created_at),
                "guardian_consent": photo.guardian_consent,
                "published": photo.is_published,
            }
            for photo in photos
        ],
        "reminders": [
            {
                "plan": reminder.plan.serial,
                "recipient": reminder.recipient,
                "deadline": reminder.deadline,
                "sent_at": _iso(reminder.sent_at),
            }
            for reminder in reminders
        ],
    }


def _photo_entry(photo: PortalImage) -> str:
    return f"photos/{photo.pk}-{posixpath.basename(photo.file.name)}"


def export_school(school: School):
    """The school's personal data as a ZIP in a temporary file (rewound): `school.json` and
    every photo original under `photos/`, copied from storage in chunks."""
    data = school_personal_data(school)
    archive = tempfile.TemporaryFile()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(
            "school.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for photo in PortalImage.objects.filter(school=school).order_by("pk"):
            # Photos are JPEG or PNG already: stored as they are.
            with photo.file.storage.open(photo.file.name, "rb") as source:
                with bundle.open(_photo_entry(photo), "w", force_zip64=True) as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
    archive.seek(0)
    return archive


@dataclass
class ErasureResult:
    users: list[str] = field(default_factory=list)
    photos: int = 0
    renditions: int = 0
    reports: int = 0


def _anonymise(user) -> str:
    """Deactivate the account and remove what names its owner; returns the former username."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from wagtail.users.models import UserProfile

    former = user.get_username()
    setattr(user, user.USERNAME_FIELD, f"erased-{user.pk}")
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()  # also ends every session: their hash no longer matches
    user.save()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=former).delete()
    profile = UserProfile.objects.filter(user=user).first()
    if profile is not None and profile.avatar:
        profile.avatar.delete(save=True)
    return former


@transaction.atomic
def erase_school(school: School, *, user) -> ErasureResult:
    """Erase one school's personal data; its reports' figures stay."""
    school = School.objects.select_for_update().get(pk=school.pk)
    for name in SCHOOL_CONTACT_FIELDS:
        setattr(school, name, "")
    school.save(update_fields=SCHOOL_CONTACT_FIELDS)
    members = get_user_model().objects.filter(membership__school=school).order_by("pk")
    result = ErasureResult(users=[_anonymise(member) for member in members])
    ReminderLog.objects.filter(plan__school=school).update(recipient="")
    image_ids = set(PortalImage.objects.filter(school=school).values_list("pk", flat=True))
    result.photos = len(image_ids)
    result.renditions, changed = _remove_photos(
        school.pk, image_ids, user=user, blank=REPORT_CONTACT_FIELDS
    )
    result.reports = len(changed)
    # Every report of the school: even one without photos named its contacts in its PDF.
    _drop_cached_pdfs(
        OutcomeReport.objects.filter(plan__school=school).values_list("pk", flat=True)
    )
    return result


def export_filename(school: School) -> str:
    return f"personal-data-{school.code}-{timezone.localdate():%Y%m%d}.zip"
