"""稽核紀錄: every audited action leaves exactly one event with who, when, from where and what,
driven through the real views; editors read the log in the admin; nobody can change it."""

import csv
import datetime
import io
import json
import re
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.admin.menu import reports_menu
from wagtail.log_actions import LogContext
from wagtail.models import Page

from intl_reports import audit, permissions
from intl_reports.models import (
    AuditAction,
    AuditEvent,
    OutcomeIndexPage,
    OutcomePage,
    OutcomeReport,
    PortalImage,
    ReviewState,
)
from intl_reports.models.audit import AuditLogIsAppendOnly
from tests import report_helpers
from tests.factories import DEFAULT_PASSWORD, PlanFactory, SchoolUserFactory
from tests.report_helpers import (
    image_bytes,
    post_tab,
    signoff_url,
    tab_data,
    upload_file,
    upload_url,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report

LIST_URL = "/admin/intl-reports/audit-log/"
CLIENT_IP = "203.0.113.7"
BROWSER = "Mozilla/5.0 (audit test)"
WRONG = "Wrong-Password-1"


def only(action) -> AuditEvent:
    """The one event of this kind; fails if there is none or more than one."""
    found = list(AuditEvent.objects.filter(action=action))
    assert len(found) == 1, [str(event) for event in found]
    return found[0]


def assert_recent(event):
    assert abs((timezone.now() - event.time).total_seconds()) < 60


def assert_target(event, obj):
    assert event.target_content_type == ContentType.objects.get_for_model(obj)
    assert event.target_object_id == str(obj.pk)
    assert event.target_repr == str(obj)


def browser() -> Client:
    return Client(REMOTE_ADDR=CLIENT_IP, HTTP_USER_AGENT=BROWSER)


def login(client, username="north001", password=DEFAULT_PASSWORD, **extra):
    data = {"destination": "school", "username": username, "password": password}
    return client.post("/login/", data, **extra)


def everything_stored(event) -> str:
    return json.dumps(
        [event.username, event.target_repr, event.user_agent, event.details], ensure_ascii=False
    )


# -- sign-in ------------------------------------------------------------------------------------


def test_a_sign_in_records_who_when_and_from_where(school_user, school):
    assert login(browser()).status_code == 302
    event = only(AuditAction.LOGIN)
    assert event.user == school_user
    assert event.username == "north001"
    assert event.ip_address == CLIENT_IP
    assert event.user_agent == BROWSER
    assert event.school == school
    assert event.details == {"path": "/login/"}
    assert_recent(event)


def test_a_wrong_password_is_recorded_without_the_password(school_user, school):
    assert login(browser(), password=WRONG).status_code == 200
    event = only(AuditAction.LOGIN_FAILED)
    assert (event.user, event.username, event.ip_address) == (school_user, "north001", CLIENT_IP)
    assert event.school == school
    assert WRONG not in everything_stored(event)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_an_unknown_account_is_recorded_as_typed(db):
    assert login(browser(), username="no-such-teacher", password=WRONG).status_code == 200
    event = only(AuditAction.LOGIN_FAILED)
    assert event.user is None
    assert event.username == "no-such-teacher"
    assert event.ip_address == CLIENT_IP
    assert event.school is None


def test_the_lockout_and_each_refused_attempt_are_recorded(school_user, settings):
    client = browser()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, password=WRONG).status_code == 200
    assert login(client, password=WRONG).status_code == 429  # this one locks the account
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert failed.count() == settings.AXES_FAILURE_LIMIT - 1
    locked = only(AuditAction.LOCKED_OUT)
    assert (locked.user, locked.username, locked.ip_address) == (school_user, "north001", CLIENT_IP)
    assert locked.details["failures"] == settings.AXES_FAILURE_LIMIT

    # The right password while locked: refused, and recorded once, as a lockout.
    assert login(client).status_code == 429
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).count() == 2
    assert failed.count() == settings.AXES_FAILURE_LIMIT - 1
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_sign_out_is_recorded(school_user):
    client = browser()
    login(client)
    assert client.post("/logout/").status_code == 302
    event = only(AuditAction.LOGOUT)
    assert (event.user, event.username, event.ip_address) == (school_user, "north001", CLIENT_IP)


def test_an_editor_signing_in_to_the_admin_is_recorded(editor_user):
    client = browser()
    response = client.post(
        "/admin/login/", {"username": editor_user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    event = only(AuditAction.LOGIN)
    assert (event.user, event.ip_address, event.school) == (editor_user, CLIENT_IP, None)
    assert event.details == {"path": "/admin/login/"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),  # no trusted proxy: the header is anyone's to forge
        (1, "198.51.100.66, 198.51.100.9", "198.51.100.9"),  # nginx appended the real client
        (2, "198.51.100.66, 198.51.100.9, 10.0.0.1", "198.51.100.9"),
        (2, "198.51.100.9", "198.51.100.9"),  # fewer hops than proxies: the nearest one's
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_address_behind_trusted_proxies(school_user, settings, proxies, forwarded, expected):
    settings.AUDIT_TRUSTED_PROXY_COUNT = proxies
    login(Client(), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert only(AuditAction.LOGIN).ip_address == expected


# -- the report workspace -----------------------------------------------------------------------


@pytest.fixture
def school_browser(school_user):
    client = browser()
    client.force_login(school_user)
    return client


def test_a_tab_save_is_recorded_with_its_revision(school_browser, school_user, own_plan, school):
    data = tab_data(school_browser, own_plan, "school")
    data["contact_name"] = "王老師"
    assert post_tab(school_browser, own_plan, "school", data).status_code == 302
    report = OutcomeReport.objects.get(plan=own_plan)
    event = only(AuditAction.REPORT_SAVED)
    assert (event.user, event.username) == (school_user, "north001")
    assert (event.ip_address, event.user_agent) == (CLIENT_IP, BROWSER)
    assert event.school == school
    assert_target(event, report)
    assert event.details == {"tab": "school", "revision": report.latest_revision.pk}
    assert_recent(event)


def test_a_refused_tab_save_records_nothing(school_browser, own_plan):
    data = tab_data(school_browser, own_plan, "school")
    data["unit_head_email"] = "not an address"
    assert post_tab(school_browser, own_plan, "school", data).status_code == 422
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_SAVED).exists()


def test_the_event_is_part_of_the_save(school_browser, own_plan):
    """If the event cannot be written, the save is rolled back with it: no unaudited save."""
    data = tab_data(school_browser, own_plan, "school")
    report = OutcomeReport.objects.get(plan=own_plan)
    revisions, version = report.revisions.count(), report.version_of("school")
    data["contact_name"] = "不該留下的名字"
    with mock.patch.object(AuditEvent, "save", side_effect=DatabaseError("audit write failed")):
        with pytest.raises(DatabaseError):
            post_tab(school_browser, own_plan, "school", data)
    report.refresh_from_db()
    assert report.contact_name != "不該留下的名字"
    assert report.version_of("school") == version
    assert report.revisions.count() == revisions


def test_a_photo_upload_is_recorded(school_browser, school_user, own_plan, school):
    content = image_bytes()
    response = school_browser.post(
        upload_url(own_plan), {"file": upload_file("a.jpg", content), "caption": "合照"}
    )
    assert response.status_code == 201
    image = PortalImage.objects.get(pk=response.json()["id"])
    event = only(AuditAction.PHOTO_UPLOADED)
    assert (event.user, event.ip_address, event.school) == (school_user, CLIENT_IP, school)
    assert_target(event, image)
    assert event.details == {"report": OutcomeReport.objects.get(plan=own_plan).pk}


def test_a_refused_upload_records_nothing(school_browser, own_plan):
    response = school_browser.post(
        upload_url(own_plan), {"file": upload_file("a.jpg", b"not an image")}
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.PHOTO_UPLOADED).exists()


def test_sign_off_request_and_confirmation(school_browser, school_user, own_plan, school):
    data = tab_data(school_browser, own_plan, "school")
    data["unit_head_name"] = "林主任"
    data["unit_head_email"] = "director@north.example.edu.tw"
    assert post_tab(school_browser, own_plan, "school", data).status_code == 302
    mail.outbox.clear()
    report = OutcomeReport.objects.get(plan=own_plan)

    assert school_browser.post(signoff_url(own_plan, "unit_head")).status_code == 302
    requested = only(AuditAction.SIGNOFF_REQUESTED)
    assert (requested.user, requested.ip_address, requested.school) == (
        school_user,
        CLIENT_IP,
        school,
    )
    assert_target(requested, report)
    assert requested.details == {"role": "unit_head"}

    link = re.search(r"http://testserver(/signoff/[^/\s]+/)", mail.outbox[0].body).group(1)
    token = link.split("/")[2]
    director = Client(REMOTE_ADDR="198.51.100.20")  # no account
    assert director.get(link).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.SIGNOFF_CONFIRMED).exists()
    assert director.post(link).status_code == 200
    confirmed = only(AuditAction.SIGNOFF_CONFIRMED)
    assert (confirmed.user, confirmed.username) == (None, "")
    assert (confirmed.ip_address, confirmed.school) == ("198.51.100.20", school)
    assert_target(confirmed, report)
    assert confirmed.details == {"role": "unit_head"}
    for event in (requested, confirmed):
        assert token not in everything_stored(event)

    assert director.post(link).status_code == 400  # replayed: refused, and not recorded again
    assert AuditEvent.objects.filter(action=AuditAction.SIGNOFF_CONFIRMED).count() == 1


def test_a_pdf_download_is_recorded(editor_client, editor_user, own_report, school):
    response = editor_client.get(reverse("intl_reports:report_pdf", args=[own_report.plan_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = only(AuditAction.PDF_DOWNLOADED)
    assert (event.user, event.school) == (editor_user, school)
    assert_target(event, own_report)


# -- the editors' actions -----------------------------------------------------------------------


def test_review_decisions_are_recorded(editor_client, editor_user, own_report, school):
    url = reverse("intl_reports_review", args=[own_report.pk])
    assert editor_client.post(url, {"decision": "accepted", "note": "完整"}).status_code == 302
    event = only(AuditAction.REVIEW_DECIDED)
    assert (event.user, event.school) == (editor_user, school)
    assert_target(event, own_report)
    decision = own_report.review_decisions.get()
    assert event.details == {
        "decision": "accepted",
        "decision_id": decision.pk,
        "reopen_until": None,
    }

    reopen = timezone.localtime() + datetime.timedelta(days=7)
    response = editor_client.post(
        url,
        {
            "decision": "returned",
            "note": "請補照片",
            "reopen_until": reopen.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    returned = AuditEvent.objects.filter(action=AuditAction.REVIEW_DECIDED).first()
    decision = own_report.review_decisions.get(decision=ReviewState.RETURNED)
    assert returned.details["decision"] == "returned"
    assert returned.details["decision_id"] == decision.pk
    assert (
        datetime.datetime.fromisoformat(returned.details["reopen_until"]) == decision.reopen_until
    )


def test_a_refused_review_records_nothing(editor_client, own_report):
    url = reverse("intl_reports_review", args=[own_report.pk])
    response = editor_client.post(url, {"decision": "returned", "note": " ", "reopen_until": ""})
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.REVIEW_DECIDED).exists()


@pytest.fixture
def showcase(db):
    root = Page.get_first_root_node()
    return root.add_child(instance=OutcomeIndexPage(title="交流成果展示", slug="audit-showcase"))


def test_featuring_is_recorded(editor_client, editor_user, own_report, showcase, school):
    OutcomeReport.objects.filter(pk=own_report.pk).update(review_state=ReviewState.ACCEPTED)
    response = editor_client.post(
        reverse("intl_reports_feature", args=[own_report.pk]),
        {"parent": showcase.pk, "title": "北熊成果", "summary": "摘要", "photos": []},
    )
    assert response.status_code == 302
    page = OutcomePage.objects.get(report=own_report)
    event = only(AuditAction.FEATURED)
    assert (event.user, event.school) == (editor_user, school)
    assert_target(event, page)
    assert event.details == {
        "report": own_report.pk,
        "revision": page.latest_revision.pk,
        "photos": [],
    }
    assert not AuditEvent.objects.filter(action=AuditAction.PAGE_PUBLISHED).exists()


def test_publishing_and_unpublishing_a_page(editor_user, showcase):
    revision = showcase.save_revision(user=editor_user)
    revision.publish()
    published = only(AuditAction.PAGE_PUBLISHED)
    assert published.user == editor_user  # the revision's author, without an admin request
    assert published.ip_address is None
    assert_target(published, showcase)
    assert published.details == {"revision": revision.pk}

    with LogContext(user=editor_user):
        showcase.specific.unpublish()
    unpublished = only(AuditAction.PAGE_UNPUBLISHED)
    assert unpublished.user == editor_user
    assert_target(unpublished, showcase)


def test_unpublishing_in_the_admin_records_the_editor_and_address(superuser, showcase):
    client = browser()
    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:unpublish", args=[showcase.pk])
    assert client.post(url).status_code == 302
    event = only(AuditAction.PAGE_UNPUBLISHED)
    assert (event.user, event.ip_address, event.user_agent) == (superuser, CLIENT_IP, BROWSER)
    assert_target(event, showcase)
    assert audit._publishing.get() is None  # the request is not kept after the action


# -- exports ------------------------------------------------------------------------------------


@pytest.fixture
def reports(school, far_school):
    return [OutcomeReport.for_plan(PlanFactory(school=s)) for s in (school, far_school)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_report_export_is_recorded(editor_client, editor_user, reports, file_format):
    response = editor_client.get(
        "/admin/intl-reports/reports/", {"export": file_format, "review_state": "pending"}
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content)  # the file itself, as downloaded
    event = only(AuditAction.EXPORTED)
    assert event.user == editor_user
    assert event.details == {
        "export": "成果報告",
        "format": file_format,
        "rows": 2,
        "filters": {"review_state": ["pending"]},
    }


def test_the_budget_lines_export_is_recorded(editor_client, editor_user, reports, school):
    url = reverse("intl_reports_budget_lines_export", args=["csv"])
    response = editor_client.get(url, {"school": school.pk})
    assert response.status_code == 200
    assert "北熊高級中學" in b"".join(response.streaming_content).decode("utf-8")
    event = only(AuditAction.EXPORTED)
    assert event.user == editor_user
    assert event.details == {
        "export": "經費明細",
        "format": "csv",
        "rows": None,
        "reports": 1,
        "filters": {"school": [str(school.pk)]},
    }


def test_a_refused_export_records_nothing(school_client, reports):
    url = reverse("intl_reports_budget_lines_export", args=["csv"])
    assert school_client.get(url).status_code in (302, 403)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_a_bulk_import_is_recorded(editor_client, editor_user, authority):
    from tests.test_import import SCHOOL_COLUMNS, csv_file, school_row

    file = csv_file(SCHOOL_COLUMNS, [school_row("AUDIT_001", "稽核國小", authority=authority.name)])
    response = editor_client.post("/admin/intl-reports/import/", {"kind": "schools", "file": file})
    assert response.status_code == 302
    event = only(AuditAction.IMPORTED)
    assert event.user == editor_user
    assert event.details == {"kind": "schools", "created": 1, "updated": 0}


def test_record_keeps_no_secrets(school_user):
    event = audit.record(
        AuditAction.EXPORTED, user=school_user, password="x", new_token="y", rows=3
    )
    assert event.details == {"rows": 3}


# -- the log in the admin -----------------------------------------------------------------------


@pytest.fixture
def logged(school_user, far_school_user, school):
    """Two failed sign-ins from two places, one sign-in."""
    login(Client(REMOTE_ADDR="192.0.2.10"), password=WRONG)
    login(Client(REMOTE_ADDR="192.0.2.99"), username="south001", password=WRONG)
    login(Client(REMOTE_ADDR="192.0.2.10"))
    return AuditEvent.objects.all()


def rows_of(response) -> str:
    page = response.content.decode()
    start = page.find("<tbody", page.find('class="listing'))
    return page[start : page.find("</tbody>", start)] if start != -1 else ""


def test_editors_read_the_log_in_chinese_newest_first(editor_client, logged):
    response = editor_client.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "稽核紀錄" in page
    rows = rows_of(response)
    assert rows.index("登入成功") < rows.index("登入失敗")  # newest first
    assert "north001" in rows and "south001" in rows and "192.0.2.99" in rows
    for event in logged:
        assert reverse("audit_log:inspect", args=[event.pk]) in rows


def test_filters_and_search(editor_client, logged, school, far_school):
    def usernames(**query):
        rows = rows_of(editor_client.get(LIST_URL, query))
        return sorted({name for name in ("north001", "south001") if name in rows})

    assert usernames(action="login") == ["north001"]
    assert usernames(action="login_failed") == ["north001", "south001"]
    assert usernames(school=far_school.pk) == ["south001"]
    assert usernames(account="SOUTH001") == ["south001"]
    assert usernames(q="192.0.2.99") == ["south001"]
    assert usernames(q="north") == ["north001"]
    today = timezone.localdate().isoformat()
    assert usernames(time_from=today, time_to=today) == ["north001", "south001"]
    assert usernames(time_from="2000-01-01", time_to="2000-01-02") == []


def test_the_inspect_view_shows_the_event_and_nothing_to_change(editor_client, logged):
    event = logged.get(action=AuditAction.LOGIN, username="north001")
    response = editor_client.get(reverse("audit_log:inspect", args=[event.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "登入成功" in page and "192.0.2.10" in page and "/login/" in page
    assert f"{LIST_URL}edit/" not in page and f"{LIST_URL}delete/" not in page


def test_the_log_export_is_safe_and_itself_recorded(editor_client, editor_user, db):
    login(Client(REMOTE_ADDR="192.0.2.1"), username="=HYPERLINK(1)", password=WRONG)
    response = editor_client.get(LIST_URL, {"export": "csv", "action": "login_failed"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["時間", "動作", "帳號", "IP位址", "瀏覽器", "學校", "對象", "細節"]
    assert [row[1:4] for row in rows[1:]] == [["登入失敗", "'=HYPERLINK(1)", "192.0.2.1"]]
    event = only(AuditAction.EXPORTED)
    assert event.user == editor_user
    assert event.details["export"] == "稽核紀錄" and event.details["rows"] == 1

    xlsx = editor_client.get(LIST_URL, {"export": "xlsx"})
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    cells = [row[2] for row in workbook.active.iter_rows(values_only=True)]
    assert "'=HYPERLINK(1)" in cells


def test_the_menu_item_is_for_editors_only(rf, editor_user, superuser, school_user):
    def shown_to(user):
        request = rf.get("/admin/")
        request.user = user
        return [item.label for item in reports_menu.menu_items_for_request(request)]

    assert "稽核紀錄" in shown_to(editor_user)
    assert "稽核紀錄" not in shown_to(school_user)
    assert permissions.can_view_audit_log(editor_user)
    assert permissions.can_view_audit_log(superuser)
    assert not permissions.can_view_audit_log(school_user)


@pytest.mark.parametrize("client_fixture", ["school_client", "authority_client", "client"])
def test_schools_authorities_and_strangers_are_kept_out(request, client_fixture, logged):
    client = request.getfixturevalue(client_fixture)
    event = logged.first()
    for url in (LIST_URL, reverse("audit_log:inspect", args=[event.pk]), f"{LIST_URL}?export=csv"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"192.0.2" not in response.content


# -- nobody can change it -----------------------------------------------------------------------


def test_the_admin_has_no_add_edit_or_delete_url(editor_client, superuser_client, logged):
    for name, args in (("add", []), ("edit", [1]), ("delete", [1]), ("history", [1])):
        with pytest.raises(NoReverseMatch):
            reverse(f"audit_log:{name}", args=args)
    event = logged.first()
    before, count = everything_stored(event), AuditEvent.objects.count()
    for client in (editor_client, superuser_client):
        for url in (
            f"{LIST_URL}new/",
            f"{LIST_URL}edit/{event.pk}/",
            f"{LIST_URL}delete/{event.pk}/",
            f"{LIST_URL}inspect/{event.pk}/",
        ):
            response = client.post(url, {"username": "changed", "action": "logout"})
            assert response.status_code in (404, 405), url
    event = AuditEvent.objects.get(pk=event.pk)
    assert everything_stored(event) == before
    assert AuditEvent.objects.count() == count


def test_the_model_refuses_changes_and_deletion(logged):
    event = logged.first()
    event.username = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(username="changed")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["username"])
    assert AuditEvent.objects.get(pk=event.pk).username != "changed"
    assert AuditEvent.objects.count() == 3


def test_the_database_refuses_raw_changes(logged):
    event = logged.first()
    table = AuditEvent._meta.db_table
    if connection.vendor == "postgresql":
        # The trigger: even SQL that bypasses the ORM cannot rewrite or erase history.
        for sql in (
            f"UPDATE {table} SET username = 'changed' WHERE id = %s",
            f"UPDATE {table} SET user_id = NULL, username = 'changed' WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [event.pk])
    else:
        # SQLite has no such trigger here: the ORM guard is what stands.
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).update(username="changed")
    assert AuditEvent.objects.get(pk=event.pk).username == event.username
    assert AuditEvent.objects.count() == 3


def test_deleting_an_account_keeps_its_events(school_user, logged):
    """ON DELETE SET NULL is the one change allowed (and by the trigger too): the name stays."""
    ids = list(logged.filter(user=school_user).values_list("pk", flat=True))
    assert ids
    school_user.delete()
    for event in AuditEvent.objects.filter(pk__in=ids):
        assert event.user is None
        assert event.username == "north001"


def test_a_new_school_account_signing_in(school):
    """Any account, not only the fixtures': the school comes from its membership."""
    SchoolUserFactory(username="newteacher", school=school)
    login(browser(), username="newteacher")
    event = only(AuditAction.LOGIN)
    assert (event.username, event.school) == ("newteacher", school)
