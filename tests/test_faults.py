"""Faults (issue 7): a save that fails halfway leaves the report exactly as it was, with no
orphan file and no half row; a lost database answers a clean 503 page in Chinese.

The database "goes away" at a chosen statement through Django's `execute_wrapper`: that
statement raises OperationalError as psycopg does when the server is gone, after the earlier
statements of the same save really ran. The media storage refuses a write through a patched
`_save` raising OSError (a full or read-only disk). tests/test_faults_postgres.py restarts a
real PostgreSQL under load.
"""

import json
import logging
import re
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import Client, RequestFactory

from intl_reports.models import OutcomeReport, PortalImage, PortalRendition
from intl_reports.pdf.render import PRINT_SPECS
from intl_reports.photos import THUMBNAIL_SPEC, PhotoNotStored
from portal.views import DATABASE_UNAVAILABLE, server_error
from tests import report_helpers
from tests.factories import DEFAULT_PASSWORD
from tests.report_helpers import (
    full_state,
    image_bytes,
    media_files,
    post_tab,
    tab_data,
    upload_file,
    upload_url,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
filled_report = report_helpers.filled_report

GOOD = image_bytes(size=(120, 90))
COMMIT = object()  # fail at the end of the first transaction of the request
SAVEPOINT = re.compile(r'^SAVEPOINT ("[^"]+")')
STORAGE_ERROR = "照片暫時無法儲存"


class DatabaseGoesAway:
    """Makes the `nth` statement matching `at` fail as if the server had gone away.

    With `at=COMMIT`, the statement that fails is the release of the request's first savepoint,
    i.e. the commit of the save's atomic block (the test itself runs in a transaction). With
    `forever`, every statement after that fails too.
    """

    def __init__(self, at, *, nth=1, forever=False):
        self.at = at if at is COMMIT else re.compile(at)
        self.nth = nth
        self.forever = forever
        self.matched = 0
        self.savepoint = None
        self.executed: list[str] = []
        self.failed: list[str] = []

    def matches(self, sql: str) -> bool:
        if self.at is COMMIT:
            if self.savepoint is None and (found := SAVEPOINT.match(sql)):
                self.savepoint = found.group(1)
            return self.savepoint is not None and sql == f"RELEASE SAVEPOINT {self.savepoint}"
        return bool(self.at.search(sql))

    def __call__(self, execute, sql, params, many, context):
        if (self.failed and self.forever) or (not self.failed and self.matches(sql)):
            self.matched += 1
            if self.failed or self.matched == self.nth:
                self.failed.append(sql)
                raise OperationalError("server closed the connection unexpectedly")
        self.executed.append(sql)
        return execute(sql, params, many, context)

    def ran(self, pattern: str) -> bool:
        return any(re.search(pattern, sql) for sql in self.executed)


@contextmanager
def database_goes_away(at, **kwargs):
    failure = DatabaseGoesAway(at, **kwargs)
    with connection.execute_wrapper(failure):
        yield failure
    assert failure.failed, "the simulated failure never happened: the test proves nothing"


def client_for(user) -> Client:
    """A client that gets the error page, as a browser does, instead of the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def teacher(school_user):
    return client_for(school_user)


def assert_clean_503(response, caplog=None):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert DATABASE_UNAVAILABLE in html
    assert '<html lang="zh-Hant">' in html
    assert "Traceback" not in html and "OperationalError" not in html
    if caplog is not None:
        db_records = [r for r in caplog.records if r.name == "portal.db"]
        assert len(db_records) == 1, "a database outage is logged once, by portal.db"
        assert issubclass(db_records[0].exc_info[0], OperationalError)
        assert not [r for r in caplog.records if r.name == "django.request"]


# ------------------------------------------------------------------ the 503 handler


def test_a_database_error_answers_503_without_touching_the_database(
    rf: RequestFactory, django_assert_num_queries
):
    request = rf.get("/service/")
    with django_assert_num_queries(0):
        try:
            raise OperationalError("could not connect to server: Connection refused")
        except OperationalError:
            response = server_error(request)
    assert_clean_503(response)


def test_a_closed_connection_answers_503_too(rf: RequestFactory):
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503


def test_any_other_error_keeps_the_500_page_without_touching_the_database(
    rf: RequestFactory, django_assert_num_queries
):
    with django_assert_num_queries(0):
        try:
            raise ValueError("a bug")
        except ValueError:
            response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "系統發生錯誤" in response.content.decode()


def test_the_upload_script_gets_the_message_as_json(rf: RequestFactory):
    request = rf.post("/service/reports/1/photos/", HTTP_ACCEPT="application/json")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert json.loads(response.content) == {"error": DATABASE_UNAVAILABLE}
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize("path", ["/service/", "/service/reports/", "/"])
def test_a_lost_database_before_the_view_is_a_clean_503(teacher, path, caplog):
    """The session (loaded by the login check or the page cache) is the first query: when it
    fails, the answer is the 503 page and the error page itself makes no query at all."""
    caplog.set_level(logging.INFO)
    with database_goes_away(".", forever=True) as failure:
        response = teacher.get(path)
    assert_clean_503(response, caplog)
    assert len(failure.failed) == 1, f"the error path queried the database: {failure.failed}"
    assert "django_session" in failure.failed[0]


def test_a_lost_database_at_login_is_a_clean_503_not_an_axes_traceback(school_user, caplog):
    """Axes checks the account's failures in the database before the password."""
    client = Client(raise_request_exception=False)
    caplog.set_level(logging.INFO)
    with database_goes_away(r'"axes_accessattempt"', forever=True):
        response = client.post(
            "/login/",
            {"destination": "school", "username": "north001", "password": DEFAULT_PASSWORD},
        )
    assert_clean_503(response, caplog)
    # Back again: the same login works.
    response = client.post(
        "/login/",
        {"destination": "school", "username": "north001", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302


def test_a_lost_database_on_a_public_page_is_a_clean_503_and_never_cached(caplog):
    anonymous = Client(raise_request_exception=False)
    caplog.set_level(logging.INFO)
    with database_goes_away(".", forever=True) as failure:
        response = anonymous.get("/")
    assert_clean_503(response, caplog)
    assert len(failure.failed) == 1, f"the error path queried the database: {failure.failed}"
    # The outage page was not kept by the page cache: the next visitor gets the real page.
    assert anonymous.get("/").status_code != 503


# ------------------------------------------------------------------ a tab save failing halfway

# In the order a save writes: the revision, the report row pointing at it, the audit event.
MIDWAY = {
    "at the report row": r'^UPDATE "intl_reports_outcomereport" SET "budget_lines"',
    "at the audit event": r'^INSERT INTO "intl_reports_auditevent"',
    "at the commit": COMMIT,
}


@pytest.mark.parametrize("where", MIDWAY)
def test_a_tab_save_failing_midway_leaves_the_report_as_it_was(teacher, own_report, where, caplog):
    plan = own_report.plan
    data = tab_data(teacher, plan, "budget")
    data["budget-0-spent"] = "123456"
    data["budget-0-notes"] = "存檔中斷時的內容"
    before = full_state(own_report)

    caplog.set_level(logging.INFO)
    with database_goes_away(MIDWAY[where]) as failure:
        response = post_tab(teacher, plan, "budget", data)

    assert failure.ran(r'^INSERT INTO "wagtailcore_revision"'), (
        "the failure must come after the save began writing"
    )
    assert_clean_503(response, caplog)
    assert full_state(own_report) == before

    # The database is back: the same form saves, as its version was never bumped.
    response = post_tab(teacher, plan, "budget", data)
    assert response.status_code == 302
    after = full_state(own_report)
    assert after["revisions"] == before["revisions"] + 1
    assert after["tab_versions"]["budget"] == before["tab_versions"].get("budget", 0) + 1
    assert after["spent_sum"] != before["spent_sum"]
    saved = OutcomeReport.objects.get(pk=own_report.pk).budget_lines.raw_data[0]["value"]
    assert saved["notes"] == "存檔中斷時的內容"


def test_consents_recorded_by_a_failed_save_are_rolled_back_too(school_user, filled_report):
    teacher = client_for(school_user)
    plan = filled_report.plan
    data = tab_data(teacher, plan, "results")
    data["photos-0-consent"] = "on"
    data["features"] = "不會存入的特色"
    image_id = int(data["photos-0-image"])
    assert PortalImage.objects.get(pk=image_id).guardian_consent is False
    before = full_state(filled_report)

    with database_goes_away(r'^INSERT INTO "intl_reports_auditevent"') as failure:
        response = post_tab(teacher, plan, "results", data)

    assert failure.ran(r'^UPDATE "intl_reports_portalimage" SET "guardian_consent"')
    assert response.status_code == 503
    assert full_state(filled_report) == before
    assert PortalImage.objects.get(pk=image_id).guardian_consent is False


@pytest.mark.django_db(transaction=True)
def test_a_failed_commit_of_a_tab_save_leaves_the_report_as_it_was(school_user, own_plan):
    """Outside a test transaction: the save's atomic block is a real transaction whose COMMIT
    fails (the server went away at the last moment); Django rolls it back."""
    # A transactional test after others that flushed and reloaded the database: content type
    # ids cached by earlier tests may be gone.
    ContentType.objects.clear_cache()
    teacher = client_for(school_user)
    report = OutcomeReport.for_plan(own_plan)
    data = tab_data(teacher, own_plan, "budget")
    data["budget-0-spent"] = "654321"
    before = full_state(report)
    default = transaction.get_connection()
    with mock.patch.object(
        default, "commit", side_effect=OperationalError("server closed the connection")
    ) as commit:
        response = post_tab(teacher, own_plan, "budget", data)
    assert commit.called
    assert response.status_code == 503
    assert DATABASE_UNAVAILABLE in response.content.decode()
    assert full_state(report) == before
    assert post_tab(teacher, own_plan, "budget", data).status_code == 302
    assert full_state(report)["revisions"] == before["revisions"] + 1


# ------------------------------------------------------------------ a photo upload failing halfway


def upload(client, plan):
    return client.post(
        upload_url(plan),
        {"file": upload_file("IMG_0001.JPG", GOOD), "consent": "true", "caption": "合影"},
        HTTP_ACCEPT="application/json",
    )


def upload_leftovers(before_files, report, before_state) -> dict:
    """Whatever a failed upload left: rows, files, report changes (all must be empty)."""
    return {
        "images": list(PortalImage.objects.values_list("file", flat=True)),
        "renditions": list(PortalRendition.objects.values_list("file", flat=True)),
        "files": sorted(media_files() - before_files),
        "report changed": full_state(report) != before_state,
    }


NOTHING_LEFT = {"images": [], "renditions": [], "files": [], "report changed": False}


@contextmanager
def storage_refuses(refuse):
    """The media storage raises OSError (a full disk) for the writes `refuse(name, n)` picks,
    n counting the writes of that kind; the other writes really happen."""
    storage = storages["default"]
    real_save = storage._save
    writes = {"original": 0, "rendition": 0}
    refused = []

    def _save(name, content):
        kind = "original" if name.startswith("original_images/") else "rendition"
        writes[kind] += 1
        if refuse(kind, writes[kind]):
            refused.append(name)
            raise OSError(28, "No space left on device")
        return real_save(name, content)

    with mock.patch.object(storage, "_save", side_effect=_save):
        yield writes
    assert refused, "the storage never refused: the test proves nothing"


@pytest.mark.parametrize(
    "refused",
    [("original", 1), ("rendition", 1), ("rendition", 2)],
    ids=["the original", "the first rendition", "a later rendition"],
)
def test_a_storage_refusing_a_write_keeps_nothing_of_the_upload(
    teacher, own_report, refused, caplog
):
    plan = own_report.plan
    before_files, before_state = media_files(), full_state(own_report)
    caplog.set_level(logging.INFO)
    with storage_refuses(lambda kind, n: (kind, n) == refused) as writes:
        response = upload(teacher, plan)
    logged = [
        r for r in caplog.records if r.name in ("intl_reports.views.reports", "django.request")
    ]
    assert [r.name for r in logged] == ["intl_reports.views.reports"], "logged once, with the cause"
    assert isinstance(logged[0].exc_info[1], PhotoNotStored)
    if refused[0] == "rendition":
        assert writes["original"] == 1 and writes["rendition"] == refused[1]

    assert response.status_code == 503
    body = response.json()
    assert STORAGE_ERROR in body["error"] and "請稍後再試" in body["error"]
    assert upload_leftovers(before_files, own_report, before_state) == NOTHING_LEFT

    # The storage is back: the same upload works, with its renditions.
    response = upload(teacher, plan)
    assert response.status_code == 201
    image = PortalImage.objects.get(pk=response.json()["id"])
    assert image.renditions.count() == 3
    assert len(media_files() - before_files) == 4


@pytest.mark.parametrize(
    ("at", "nth"),
    [
        (r'^INSERT INTO "intl_reports_portalimage"', 1),
        (r'^INSERT INTO "intl_reports_portalrendition"', 3),
        (COMMIT, 1),
    ],
    ids=[
        "at the image row",
        "at the last rendition row",
        "at the commit",
    ],
)
def test_a_database_failing_after_the_files_were_written_leaves_no_orphan(
    teacher, own_report, at, nth
):
    plan = own_report.plan
    before_files, before_state = media_files(), full_state(own_report)
    written = []
    storage = storages["default"]
    real_save = storage._save

    def _save(name, content):
        written.append(real_save(name, content))
        return written[-1]

    with (
        mock.patch.object(storage, "_save", side_effect=_save),
        database_goes_away(at, nth=nth),
    ):
        response = upload(teacher, plan)

    assert written, "the failure must come after a file was written"
    assert response.status_code == 503
    assert response.json() == {"error": DATABASE_UNAVAILABLE}
    assert upload_leftovers(before_files, own_report, before_state) == NOTHING_LEFT
    assert not any(storage.exists(name) for name in written)


def test_a_successful_upload_still_stores_image_and_renditions_together(teacher, own_report):
    before_files = media_files()
    response = upload(teacher, own_report.plan)
    assert response.status_code == 201
    image = PortalImage.objects.get(pk=response.json()["id"])
    specs = set(image.renditions.values_list("filter_spec", flat=True))
    assert specs == {THUMBNAIL_SPEC, *PRINT_SPECS}
    assert response.json()["thumbnail"] == image.renditions.get(filter_spec=THUMBNAIL_SPEC).url
    stored = {image.file.name, *image.renditions.values_list("file", flat=True)}
    assert media_files() - before_files == stored


def test_school_photos_and_reports_stay_out_of_the_search_index(teacher, own_report):
    """Private photos are not searchable, and neither a save nor an upload touches the index
    (its per-insert bookkeeping deadlocked concurrent uploads under load)."""
    from django.test.utils import CaptureQueriesContext

    plan = own_report.plan
    data = tab_data(teacher, plan, "budget")
    data["budget-0-notes"] = "不進搜尋索引"
    with CaptureQueriesContext(connection) as queries:
        assert post_tab(teacher, plan, "budget", data).status_code == 302
        assert upload(teacher, plan).status_code == 201
    assert not [q for q in queries.captured_queries if "wagtailsearch_indexentry" in q["sql"]]
