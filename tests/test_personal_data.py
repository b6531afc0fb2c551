"""Personal data: one school's export (a ZIP) and erasure from the 學校 admin, and the
retention of report photos (`manage.py purge_expired_photos`)."""

from __future__ import annotations

import datetime
import io
import itertools
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from intl_reports.models import (
    AuditAction,
    AuditEvent,
    OutcomeReport,
    PortalImage,
    PortalRendition,
    ReminderLog,
    School,
)
from intl_reports.pdf import cache as pdf_cache
from intl_reports.privacy import REPORT_CONTACT_FIELDS, SCHOOL_CONTACT_FIELDS
from intl_reports.reporting import recompute
from tests.factories import (
    DEFAULT_PASSWORD,
    PlanFactory,
    PortalImageFactory,
    ProgrammeFactory,
    SchoolUserFactory,
    UserFactory,
)
from tests.report_helpers import client_for, read_response

pytestmark = pytest.mark.django_db

User = get_user_model()
COLOURS = ((n % 251, n * 7 % 251, n * 13 % 251) for n in itertools.count(1))


def export_url(school) -> str:
    return f"/admin/intl-reports/schools/{school.pk}/personal-data/export/"


def erase_url(school) -> str:
    return f"/admin/intl-reports/schools/{school.pk}/personal-data/erase/"


def on_disk(file_field_or_name) -> Path:
    name = getattr(file_field_or_name, "name", file_field_or_name)
    return Path(settings.MEDIA_ROOT) / name


def report_with_photos(school, programme=None, *, prefix: str, photos: int = 3, user=None):
    """A saved report of `school` with `photos` photos on 4-3 (one also on 4-2), each with a
    rendition, contacts and sign-off names, one revision, and a cached PDF file."""
    plan = PlanFactory(school=school, **({"programme": programme} if programme else {}))
    report = OutcomeReport.for_plan(plan)
    images = [
        PortalImageFactory(
            school=school,
            title=f"{prefix}照片{i}",
            guardian_consent=True,
            file__color=next(COLOURS),  # distinct bytes for every photo
        )
        for i in range(photos)
    ]
    for image in images:
        image.get_rendition("max-30x30")
    report.photos = [
        {"type": "photo", "value": {"image": image.pk, "caption": f"{prefix}說明{i}"}}
        for i, image in enumerate(images)
    ]
    report.assessments = [
        {"type": "assessment", "value": {"text": f"{prefix}學習評量分析", "image": images[0].pk}}
    ]
    report.features = f"{prefix}辦理特色"
    report.unit_head_name = f"{prefix}主任"
    report.unit_head_email = f"{prefix.lower()}-head@example.edu.tw"
    report.principal_email = f"{prefix.lower()}-principal@example.edu.tw"
    recompute(report)
    report.save()
    report.save_revision(user=user, clean=False)
    report = OutcomeReport.objects.get(pk=report.pk)  # as the PDF view reads it
    default_storage.save(pdf_cache.cache_name(report), ContentFile(b"%PDF-1.7 cached"))
    assert default_storage.exists(pdf_cache.cache_name(report))
    return report, images


@pytest.fixture
def own(school, school_user):
    teacher = SchoolUserFactory(username="north001b", school=school, first_name="小華")
    report, images = report_with_photos(school, prefix="North", user=school_user)
    ReminderLog.objects.create(
        plan=report.plan,
        days_before=7,
        deadline=datetime.date(2024, 6, 30),
        recipient=school.contact_email,
    )
    return {"school": school, "report": report, "images": images, "users": [school_user, teacher]}


@pytest.fixture
def sibling(other_school, other_school_user):
    report, images = report_with_photos(other_school, prefix="Sibling", user=other_school_user)
    return {"school": other_school, "report": report, "images": images, "user": other_school_user}


def files_of(images) -> list[Path]:
    paths = []
    for image in images:
        paths.append(on_disk(image.file))
        paths += [on_disk(r.file) for r in PortalRendition.objects.filter(image=image)]
    return paths


# ------------------------------------------------------------------ export


def test_the_export_holds_exactly_the_schools_personal_data(editor_client, own, sibling):
    school = own["school"]
    response = editor_client.get(export_url(school))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    body = read_response(response)
    bundle = zipfile.ZipFile(io.BytesIO(body))

    photo_names = {name for name in bundle.namelist() if name.startswith("photos/")}
    assert set(bundle.namelist()) == {"school.json", *photo_names}
    assert len(photo_names) == len(own["images"])
    for image in own["images"]:
        (name,) = [n for n in photo_names if n.startswith(f"photos/{image.pk}-")]
        assert bundle.read(name) == on_disk(image.file).read_bytes()

    data = json.loads(bundle.read("school.json"))
    assert data["school"]["code"] == school.code
    for name in SCHOOL_CONTACT_FIELDS:
        assert data["school"][name] == getattr(school, name)
    users = {user["username"]: user for user in data["users"]}
    assert set(users) == {"north001", "north001b"}
    assert users["north001b"]["first_name"] == "小華"
    assert users["north001"]["email"] == own["users"][0].email
    (report,) = data["reports"]
    assert report["plan"] == own["report"].plan.serial
    assert report["unit_head_name"] == "North主任"
    assert report["unit_head_email"] == "north-head@example.edu.tw"
    assert [photo["caption"] for photo in report["photos"]] == [
        "North說明0",
        "North說明1",
        "North說明2",
    ]
    assert {photo["id"] for photo in data["photos"]} == {image.pk for image in own["images"]}
    assert data["reminders"][0]["recipient"] == school.contact_email

    # Nothing of the other school: not its people, not its photos.
    other = sibling["school"]
    for secret in (other.contact_email, other.name, sibling["user"].username, "Sibling"):
        assert secret.encode() not in bundle.read("school.json")
    sibling_bytes = {on_disk(image.file).read_bytes() for image in sibling["images"]}
    assert not sibling_bytes & {bundle.read(name) for name in photo_names}

    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert event.school_id == school.pk
    assert event.user.username == "moe_editor"


# ------------------------------------------------------------------ erase


def test_erasing_removes_the_schools_personal_data_and_nothing_else(
    editor_client, school_client, own, sibling, django_capture_on_commit_callbacks
):
    school, report, images = own["school"], own["report"], own["images"]
    contact_email = school.contact_email
    photo_files = files_of(images)
    pdf_name = pdf_cache.cache_name(report)
    sibling_files = files_of(sibling["images"])
    sibling_pdf = pdf_cache.cache_name(sibling["report"])
    assert all(path.exists() for path in [*photo_files, *sibling_files])
    figures = {
        name: getattr(report, name)
        for name in ("approved_sum", "spent_sum", "execution_rate", "approved_total", "features")
    }
    budget = list(report.budget_lines.raw_data)
    revisions_before = report.revisions.count()
    versions_before = dict(report.tab_versions)

    page = editor_client.get(erase_url(school))
    assert page.status_code == 200
    html = page.content.decode()
    assert school.name in html and "此操作無法復原" in html and "north001b" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(erase_url(school), {"confirm_name": school.name})
    assert response.status_code == 302
    followed = editor_client.get(response["Location"])
    assert "已刪除「北熊高級中學」的個人資料" in followed.content.decode()

    # Photos: rows, renditions and files gone; the cached PDF too.
    assert not PortalImage.objects.filter(school=school).exists()
    assert not PortalRendition.objects.filter(image_id__in=[i.pk for i in images]).exists()
    assert not any(path.exists() for path in photo_files)
    assert not default_storage.exists(pdf_name)

    # Contacts blank, on the school and the report; the report's figures kept.
    school.refresh_from_db()
    assert all(getattr(school, name) == "" for name in SCHOOL_CONTACT_FIELDS)
    assert school.name == "北熊高級中學" and school.address
    report.refresh_from_db()
    assert all(getattr(report, name) == "" for name in REPORT_CONTACT_FIELDS)
    assert list(report.photos.raw_data) == []
    assert [row["value"] for row in report.assessments.raw_data] == [
        {"text": "North學習評量分析", "image": None}
    ]
    assert report.photo_count == 0
    assert {name: getattr(report, name) for name in figures} == figures
    assert list(report.budget_lines.raw_data) == budget
    # Saved like a tab save: a revision by the editor, the touched tabs' versions bumped.
    assert report.revisions.count() == revisions_before + 1
    assert report.latest_revision.user.username == "moe_editor"
    for tab in ("school", "results", "assessment"):
        assert report.version_of(tab) == versions_before.get(tab, 0) + 1
    # No revision keeps a contact, a caption or a photo id.
    for revision in report.revisions.all():
        text = json.dumps(revision.content, ensure_ascii=False)
        for secret in ("North說明", "North主任", "north-head@", contact_email):
            assert secret not in text
        assert json.loads(revision.content["photos"]) == []

    # Accounts: anonymised, inactive, no password; the open session is over.
    for user in own["users"]:
        user.refresh_from_db()
        assert not user.is_active
        assert (user.email, user.first_name, user.last_name) == ("", "", "")
        assert not user.has_usable_password()
        assert user.username == f"erased-{user.pk}"
    for username in ("north001", f"erased-{own['users'][0].pk}"):
        login = RequestFactory().post("/login/")
        assert authenticate(login, username=username, password=DEFAULT_PASSWORD) is None
    assert school_client.get("/service/").status_code == 302
    assert ReminderLog.objects.get(plan=report.plan).recipient == ""

    # The other school is untouched.
    other = School.objects.get(pk=sibling["school"].pk)
    assert other.contact_email and other.contact_name
    assert PortalImage.objects.filter(school=other).count() == len(sibling["images"])
    assert all(path.exists() for path in sibling_files)
    assert default_storage.exists(sibling_pdf)
    sibling_report = OutcomeReport.objects.get(pk=sibling["report"].pk)
    assert sibling_report.photo_count == 3 and sibling_report.unit_head_name == "Sibling主任"
    sibling["user"].refresh_from_db()
    assert sibling["user"].is_active and sibling["user"].has_usable_password()

    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_ERASED)
    assert event.school_id == school.pk
    assert event.details["photos"] == 3 and event.details["users"] == 2


def assert_nothing_erased(own):
    school = School.objects.get(pk=own["school"].pk)
    assert school.contact_email and school.contact_name
    assert PortalImage.objects.filter(school=school).count() == len(own["images"])
    assert all(path.exists() for path in files_of(own["images"]))
    report = OutcomeReport.objects.get(pk=own["report"].pk)
    assert report.photo_count == 3 and report.unit_head_email
    assert all(User.objects.get(pk=user.pk).is_active for user in own["users"])
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED).exists()


@pytest.mark.parametrize("typed", ["", "北熊", "北熊高級中學X", "北熊第二高級中學"])
def test_erasing_needs_the_exact_school_name(editor_client, own, typed):
    response = editor_client.post(erase_url(own["school"]), {"confirm_name": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "未刪除任何資料" in html
    assert_nothing_erased(own)


def test_erasing_needs_a_post_with_a_csrf_token(editor_user, own):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_user)
    assert client.get(erase_url(own["school"])).status_code == 200
    response = client.post(erase_url(own["school"]), {"confirm_name": own["school"].name})
    assert response.status_code == 403
    assert_nothing_erased(own)
    # The same form, posted with its token, is accepted.
    page = client.get(erase_url(own["school"]))
    token = page.context["csrf_token"]
    response = client.post(
        erase_url(own["school"]),
        {"confirm_name": own["school"].name, "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302


@pytest.fixture
def admin_without_school_rights(db):
    """A Wagtail user allowed into the admin but not to change schools."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username="page_editor")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.mark.parametrize(
    "who", ["anonymous", "school", "other_school", "authority", "admin_without_school_rights"]
)
def test_only_editors_may_export_or_erase(who, request, own):
    if who == "anonymous":
        client = Client()
    else:
        user = {
            "school": "school_user",
            "other_school": "other_school_user",
            "authority": "authority_user",
            "admin_without_school_rights": "admin_without_school_rights",
        }[who]
        client = client_for(request.getfixturevalue(user))
    school = own["school"]
    for response in (
        client.get(export_url(school)),
        client.get(erase_url(school)),
        client.post(erase_url(school), {"confirm_name": school.name}),
    ):
        assert response.status_code in (302, 403), response.status_code
        assert response.get("Content-Type") != "application/zip"
        if response.status_code == 302:
            # To the admin's login, or (an admin user without the right) its dashboard.
            location = response["Location"]
            assert location.startswith("/admin/login/") or location == "/admin/", location
            assert who != "anonymous" or location.startswith("/admin/login/")
    assert_nothing_erased(own)
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).exists()


def test_the_school_admin_offers_both_to_editors_only(editor_client, authority_client, own):
    school = own["school"]
    for url in ("/admin/intl_reports/school/", f"/admin/intl_reports/school/inspect/{school.pk}/"):
        html = editor_client.get(url).content.decode()
        assert export_url(school) in html and "匯出個人資料" in html
        assert erase_url(school) in html and "刪除個人資料" in html
    assert authority_client.get("/admin/intl_reports/school/").status_code in (302, 403)


# ------------------------------------------------------------------ retention


@pytest.fixture
def retention(school, other_school, settings):
    """Expired, recent, extended and published photos, and uploads never saved into a tab."""
    settings.REPORT_PHOTO_RETENTION_DAYS = 365 * 5
    now = timezone.now()
    old = ProgrammeFactory(academic_year=105, report_deadline=now - datetime.timedelta(days=2000))
    recent = ProgrammeFactory(academic_year=112, report_deadline=now - datetime.timedelta(days=30))
    expired_report, expired = report_with_photos(school, old, prefix="Old")
    # Published on a live showcase with consent: the public record stays.
    PortalImage.objects.filter(pk=expired[2].pk).update(is_published=True)
    current_report, current = report_with_photos(other_school, recent, prefix="New", photos=1)
    # The same old programme, but this school's deadline was extended a year ago.
    extended_school = PlanFactory(programme=old).school
    _report, extended = report_with_photos(extended_school, old, prefix="Ext", photos=1)
    old.extensions.create(school=extended_school, deadline=now - datetime.timedelta(days=400))
    stale_upload = PortalImageFactory(school=school)
    fresh_upload = PortalImageFactory(school=school)
    PortalImage.objects.filter(pk=stale_upload.pk).update(
        created_at=now - datetime.timedelta(days=1900)
    )
    return {
        "expired_report": expired_report,
        "expired": expired,
        "current": current,
        "current_report": current_report,
        "extended": extended,
        "stale_upload": stale_upload,
        "fresh_upload": fresh_upload,
    }


def test_the_purge_dry_run_counts_and_deletes_nothing(retention):
    before = PortalImage.objects.count()
    out = io.StringIO()
    call_command("purge_expired_photos", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "將刪除照片 3 張、衍生圖 2 個，涉及成果報告 1 份" in text
    assert "保留的照片 1 張" in text and "試執行" in text
    assert PortalImage.objects.count() == before


def test_the_purge_deletes_expired_photos_and_keeps_the_rest(
    retention, django_capture_on_commit_callbacks
):
    report = retention["expired_report"]
    doomed = [retention["expired"][0], retention["expired"][1], retention["stale_upload"]]
    kept = [
        retention["expired"][2],
        *retention["current"],
        *retention["extended"],
        retention["fresh_upload"],
    ]
    doomed_files = files_of(doomed)
    pdf_name = pdf_cache.cache_name(report)
    results_version = report.version_of("results")
    revisions = report.revisions.count()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired_photos", stdout=out)
    assert "已刪除照片 3 張、衍生圖 2 個，涉及成果報告 1 份" in out.getvalue()

    assert not PortalImage.objects.filter(pk__in=[i.pk for i in doomed]).exists()
    assert not PortalRendition.objects.filter(image_id__in=[i.pk for i in doomed]).exists()
    assert not any(path.exists() for path in doomed_files)
    assert set(PortalImage.objects.filter(pk__in=[i.pk for i in kept])) == set(kept)
    assert all(path.exists() for path in files_of(kept))

    # The report shows only the kept photo, the captions of the others are gone, it is
    # consistent (count, a revision, tab version) and its cached PDF is dropped.
    report.refresh_from_db()
    published = retention["expired"][2]
    assert [row["value"] for row in report.photos.raw_data] == [
        {"image": published.pk, "caption": "Old說明2"}
    ]
    assert report.assessments.raw_data[0]["value"] == {"text": "Old學習評量分析", "image": None}
    assert report.photo_count == 1
    assert report.revisions.count() == revisions + 1
    assert report.version_of("results") == results_version + 1
    assert not default_storage.exists(pdf_name)
    for revision in report.revisions.all():
        text = json.dumps(revision.content, ensure_ascii=False)
        assert "Old說明0" not in text and "Old說明1" not in text
    # Reports of kept photos are left alone.
    current = OutcomeReport.objects.get(pk=retention["current_report"].pk)
    assert current.photo_count == 1 and default_storage.exists(pdf_cache.cache_name(current))

    # A second run finds nothing more.
    out = io.StringIO()
    call_command("purge_expired_photos", stdout=out)
    assert "已刪除照片 0 張" in out.getvalue()


def test_a_retention_of_zero_keeps_every_photo(retention, settings):
    settings.REPORT_PHOTO_RETENTION_DAYS = 0
    before = PortalImage.objects.count()
    out = io.StringIO()
    call_command("purge_expired_photos", stdout=out)
    assert "永久保存" in out.getvalue()
    assert PortalImage.objects.count() == before
