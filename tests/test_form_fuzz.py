"""Property-based fuzzing of the POST data of every form outside the report tabs (those are in
test_report_hostile): login, first login, forgot password, password reset, school profile,
sign-off request and confirmation, the editors' review, feature and bulk import.

Each property: the answer is never a server error, and nothing outside the form's own scope
changes (the tables are read before and after every example).
"""

from __future__ import annotations

import csv
import datetime
import io
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from wagtail.models import Page

from intl_reports import signoff
from intl_reports.importing import PLAN_IMPORTER, SCHOOL_IMPORTER
from intl_reports.models import (
    Authority,
    Membership,
    OutcomeIndexPage,
    OutcomePage,
    OutcomeReport,
    Plan,
    PortalImage,
    Programme,
    ReviewDecision,
    ReviewState,
    School,
)
from intl_reports.models.reference import BASIC_DATA_FIELDS
from tests import report_helpers
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
filled_report = report_helpers.filled_report

FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples at every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ------------------------------------------------------------------ strategies

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "school",
        "authority",
        "north001",
        "north002",
        "Factory-Pass-2024",
        "x" * 5000,
        "學" * 300,
        "%00",
        "1e308",
        "-1",
        "9223372036854775808",
        "https://evil.example/",
        "//evil.example/",
        "/service/",
        "\r\nSet-Cookie: x=1",
        "0001-01-01T00:00",
        "9999-12-31T23:59",
        "2024-02-30T10:00",
        "accepted",
        "returned",
    ]
)
VALUE = st.one_of(NASTY, TEXT)
VALUES = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))


def post_data(fields, extra=True):
    """A dict over `fields` (each maybe missing), plus maybe a few unknown names."""
    known = (
        st.dictionaries(st.sampled_from(list(fields)), VALUES, max_size=len(fields))
        if fields
        else st.just({})
    )
    if not extra:
        return known
    unknown = st.dictionaries(TEXT.filter(bool), VALUE, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, known, unknown)


# ------------------------------------------------------------------ snapshots


def rows(model, **filters):
    return list(model.objects.filter(**filters).order_by("pk").values())


def users():
    return list(
        get_user_model()
        .objects.order_by("pk")
        .values("pk", "username", "password", "is_active", "is_staff", "is_superuser", "email")
    )


def everything_but(*skip: str) -> dict:
    """The tables a form could wrongly touch, by name, minus those in the form's scope."""
    tables = {
        "users": users,
        "memberships": lambda: rows(Membership),
        "authorities": lambda: rows(Authority),
        "schools": lambda: rows(School),
        "programmes": lambda: rows(Programme),
        "plans": lambda: rows(Plan),
        "reports": lambda: rows(OutcomeReport),
        "images": lambda: rows(PortalImage),
        "decisions": lambda: rows(ReviewDecision),
        "pages": lambda: list(Page.objects.order_by("pk").values("pk", "path", "live", "title")),
    }
    return {name: read() for name, read in tables.items() if name not in skip}


def assert_no_server_error(response):
    assert response.status_code < 500, response.status_code


# ------------------------------------------------------------------ login


@pytest.fixture
def accounts(school_user, other_school_user, authority_user, editor_user):
    return [school_user, other_school_user, authority_user, editor_user]


@FUZZ
@given(data=post_data(["destination", "username", "password", "next"]))
def test_login_never_fails_and_changes_no_account(accounts, data):
    before = everything_but()
    response = Client().post(reverse("intl_reports:login"), data)
    assert_no_server_error(response)
    assert response.status_code in (200, 302, 403, 429)
    if response.status_code == 302:
        target = urlsplit(response["Location"])
        assert not target.netloc and not target.scheme, "an open redirect"
    assert everything_but() == before


@FUZZ
@given(data=post_data(["destination", "username"]))
@pytest.mark.parametrize("name", ["intl_reports:first_login", "intl_reports:forgot_password"])
def test_account_link_forms_never_fail_and_only_mail_a_contact(accounts, name, data):
    mail.outbox.clear()
    before = everything_but()
    response = Client().post(reverse(name), data)
    assert_no_server_error(response)
    assert response.status_code in (200, 302)
    contacts = {m.contact_email for m in Membership.objects.all()}
    assert len(mail.outbox) <= 1
    for message in mail.outbox:
        assert set(message.to) <= contacts
    assert everything_but() == before


# ------------------------------------------------------------------ password reset / activation


def token_path(name, uidb64, token):
    try:
        return reverse(name, args=[uidb64, token])
    except NoReverseMatch:
        return None


@FUZZ
@given(uidb64=TEXT, token=TEXT, data=post_data(["new_password1", "new_password2"]))
@pytest.mark.parametrize("name", ["intl_reports:password_reset_confirm", "intl_reports:activate"])
def test_forged_reset_links_never_fail_nor_change_a_password(accounts, name, uidb64, token, data):
    path = token_path(name, uidb64, token)
    if path is None:  # a "/" in the part: not a URL of this view
        return
    before = everything_but()
    client = Client()
    for response in (client.get(path), client.post(path, data)):
        assert_no_server_error(response)
    assert everything_but() == before


@FUZZ
@given(data=post_data(["new_password1", "new_password2"], extra=False))
def test_a_real_reset_link_changes_only_its_own_password(accounts, school_user, data):
    user = get_user_model().objects.get(pk=school_user.pk)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse(
        "intl_reports:password_reset_confirm", args=[uid, default_token_generator.make_token(user)]
    )
    client = Client()
    form = client.get(link)
    assert form.status_code == 302
    others = [row for row in users() if row["pk"] != user.pk]
    old_hash = user.password
    response = client.post(form["Location"], data)
    assert_no_server_error(response)
    user.refresh_from_db()
    if response.status_code == 302:
        assert user.check_password(data["new_password1"])
    else:
        assert user.password == old_hash
    assert [row for row in users() if row["pk"] != user.pk] == others


# ------------------------------------------------------------------ school profile


@FUZZ
@given(data=post_data([*BASIC_DATA_FIELDS, "name", "code", "authority"]))
def test_school_profile_changes_only_the_schools_basic_data(
    school_client, school, other_school, far_school, own_report, data
):
    before = everything_but("schools")
    others = rows(School, pk__in=[other_school.pk, far_school.pk])
    fixed = School.objects.values("name", "code", "authority_id").get(pk=school.pk)
    response = school_client.post(reverse("intl_reports:school_profile"), data)
    assert_no_server_error(response)
    assert response.status_code in (200, 302)
    assert everything_but("schools") == before
    assert rows(School, pk__in=[other_school.pk, far_school.pk]) == others
    assert School.objects.values("name", "code", "authority_id").get(pk=school.pk) == fixed


# ------------------------------------------------------------------ sign-off


SLUG = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=20)


@pytest.fixture
def signable_report(own_report):
    OutcomeReport.objects.filter(pk=own_report.pk).update(
        unit_head_email="director@north.example.edu.tw",
        principal_email="principal@north.example.edu.tw",
    )
    return OutcomeReport.objects.get(pk=own_report.pk)


@FUZZ
@given(role=st.one_of(SLUG, st.sampled_from(["unit_head", "principal"])), data=post_data([]))
def test_signoff_request_only_mails_the_reports_signer(
    school_client, signable_report, other_school, role, data
):
    mail.outbox.clear()
    before = everything_but()
    path = reverse("intl_reports:signoff_request", args=[signable_report.plan_id, role])
    response = school_client.post(path, data)
    assert_no_server_error(response)
    assert response.status_code in (302, 404)
    assert everything_but() == before
    assert len(mail.outbox) <= 1
    for message in mail.outbox:
        assert message.to in (
            ["director@north.example.edu.tw"],
            ["principal@north.example.edu.tw"],
        )


@pytest.fixture
def sibling_report(other_school):
    return OutcomeReport.for_plan(PlanFactory(school=other_school, serial="P-FUZZ-SIB"))


def tamper(token: str, position: int, kind: str, char: str) -> str:
    position %= len(token) + 1
    if kind == "insert":
        return token[:position] + char + token[position:]
    if kind == "delete":
        return token[:position] + token[position + 1 :]
    if kind == "swap-case":
        return token[:position] + token[position : position + 1].swapcase() + token[position + 1 :]
    return token[:position] + char + token[position + 1 :]


@FUZZ
@given(
    random_token=TEXT,
    position=st.integers(min_value=0, max_value=400),
    kind=st.sampled_from(["insert", "delete", "replace", "swap-case", "random"]),
    char=st.sampled_from([*"aZ09:-_=.~%", "學"]),
    data=post_data([]),
)
def test_signoff_confirm_refuses_random_and_tampered_tokens(
    signable_report, sibling_report, random_token, position, kind, char, data
):
    other = sibling_report
    valid = signoff.make_token(signable_report, signoff.ROLES["unit_head"])
    token = random_token if kind == "random" else tamper(valid, position, kind, char)
    try:
        path = reverse("intl_reports:signoff_confirm", args=[token])
    except NoReverseMatch:  # empty or with a "/": not a URL of this view
        return
    before = everything_but()
    client = Client()
    for response in (client.get(path), client.post(path, data)):
        assert_no_server_error(response)
        if token != valid:
            assert response.status_code == 400
    after = everything_but()
    if token != valid:
        assert after == before
    else:  # only its own report's confirmation time may change
        changed = {row["id"]: row for row in after["reports"] if row not in before["reports"]}
        assert set(changed) <= {signable_report.pk}
        assert {k: v for k, v in after.items() if k != "reports"} == {
            k: v for k, v in before.items() if k != "reports"
        }
    assert rows(OutcomeReport, pk=other.pk) == [r for r in before["reports"] if r["id"] == other.pk]


# ------------------------------------------------------------------ the editors' review


@pytest.fixture
def two_reports(own_report, other_school):
    other = OutcomeReport.for_plan(PlanFactory(school=other_school, serial="P-FUZZ-2"))
    return own_report, other


DATETIMES = st.one_of(
    VALUE,
    st.datetimes(
        min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)
    ).map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.integers(min_value=-30, max_value=30).map(
        lambda days: (timezone.localtime() + datetime.timedelta(days=days)).strftime(
            "%Y-%m-%dT%H:%M"
        )
    ),
)


@FUZZ
@given(
    decision=st.one_of(st.sampled_from(["accepted", "returned"]), VALUE),
    note=VALUE,
    reopen_until=DATETIMES,
)
def test_review_changes_only_its_own_report(
    editor_client, two_reports, decision, note, reopen_until
):
    report, other = two_reports
    before = everything_but("reports", "decisions")
    other_before = rows(OutcomeReport, pk=other.pk), rows(ReviewDecision, report=other)
    data = {"decision": decision, "note": note, "reopen_until": reopen_until}
    response = editor_client.post(reverse("intl_reports_review", args=[report.pk]), data)
    assert_no_server_error(response)
    assert response.status_code in (200, 302)
    assert everything_but("reports", "decisions") == before
    assert (rows(OutcomeReport, pk=other.pk), rows(ReviewDecision, report=other)) == other_before


# ------------------------------------------------------------------ the editors' feature


@pytest.fixture
def accepted_report(filled_report):
    photos = [child["value"]["image"] for child in filled_report.photos.raw_data]
    PortalImage.objects.filter(pk__in=photos[:2]).update(guardian_consent=True)
    OutcomeReport.objects.filter(pk=filled_report.pk).update(review_state=ReviewState.ACCEPTED)
    index = Page.get_first_root_node().add_child(
        instance=OutcomeIndexPage(title="交流成果", slug="fuzz-outcomes")
    )
    return OutcomeReport.objects.get(pk=filled_report.pk), index, photos


@FUZZ
@given(
    parent=st.one_of(VALUE, st.just("INDEX")),
    title=VALUE,
    summary=VALUE,
    photos=st.lists(
        st.one_of(VALUE, st.sampled_from(["PHOTO0", "PHOTO1", "PHOTO2", "PHOTO3"])), max_size=4
    ),
)
def test_feature_only_makes_a_draft_page_of_its_report(
    editor_client, accepted_report, parent, title, summary, photos
):
    report, index, photo_ids = accepted_report
    ids = {f"PHOTO{i}": str(pk) for i, pk in enumerate(photo_ids)}
    data = {
        "parent": str(index.pk) if parent == "INDEX" else parent,
        "title": title,
        "summary": summary,
        "photos": [ids.get(value, value) for value in photos],
    }
    before = everything_but("pages")
    pages = set(Page.objects.values_list("pk", flat=True))
    response = editor_client.post(reverse("intl_reports_feature", args=[report.pk]), data)
    assert_no_server_error(response)
    assert response.status_code in (200, 302)
    # Nothing is published or made public here: the editor publishes in the page editor.
    assert everything_but("pages") == before
    new = Page.objects.exclude(pk__in=pages)
    assert all(not page.live for page in new)
    assert all(page.specific_class is OutcomePage for page in new)
    if response.status_code != 302:
        assert not new.exists()


# ------------------------------------------------------------------ bulk import


COLUMNS = sorted({*SCHOOL_IMPORTER.columns, *PLAN_IMPORTER.columns})
CELL = st.one_of(
    NASTY,
    TEXT,
    st.sampled_from(["熊大_主管機關", "TEST_SCHOOL_001", "國際交流", "通過", "112", "337500"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
TABLE = st.lists(st.lists(CELL, max_size=16), max_size=6)
HEADER = st.lists(st.one_of(st.sampled_from(COLUMNS), TEXT), max_size=16)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "big5", "utf-16", "latin-1", "cp1252"])


def csv_bytes(header, table, encoding) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(table)
    return buffer.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(header, table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *table]:
        # Spreadsheet cells cannot hold control characters.
        sheet.append(
            [
                int(cell)
                if cell.lstrip("-").isdigit() and len(cell) < 15
                else "".join(ch for ch in cell if ch >= " " or ch in "\t\n")
                for cell in row
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def import_world(editor_client, school, other_school, own_report):
    """Reference data the rows may name, and a report the import must never touch."""
    PlanFactory(school=school, serial="20230403-196")
    return editor_client


@FUZZ
@given(
    kind=st.one_of(st.sampled_from(["schools", "plans"]), VALUE),
    form=st.sampled_from(["csv", "xlsx", "raw"]),
    header=HEADER,
    table=TABLE,
    encoding=ENCODINGS,
    raw=st.binary(max_size=300),
    name=st.sampled_from(["import.csv", "import.xlsx", "import.CSV", "import.txt", "../x.csv"]),
)
def test_bulk_import_never_fails_and_is_all_or_nothing(
    import_world, kind, form, header, table, encoding, raw, name
):
    if form == "csv":
        content = csv_bytes(header, table, encoding)
    elif form == "xlsx":
        content = xlsx_bytes(header, table)
    else:
        content = raw
    before = everything_but()
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = import_world.post(
        reverse("intl_reports_bulk_import"), {"kind": kind, "file": upload}
    )
    assert_no_server_error(response)
    assert response.status_code in (200, 302)
    after = everything_but()
    if response.status_code == 302:
        # Only schools or plans, as the file asked; nothing else.
        scope = {"schools": "schools", "plans": "plans"}[kind]
        assert {k: v for k, v in after.items() if k != scope} == {
            k: v for k, v in before.items() if k != scope
        }
    else:
        assert after == before, "a refused file imported something"


def test_a_csv_cell_over_the_csv_field_limit_is_refused_clearly(import_world):
    content = ("學校代碼,學校名稱\n" + "TEST_SCHOOL_001," + "長" * 140_000 + "\n").encode()
    before = everything_but()
    upload = SimpleUploadedFile("import.csv", content, content_type="text/csv")
    response = import_world.post(
        reverse("intl_reports_bulk_import"), {"kind": "schools", "file": upload}
    )
    assert response.status_code == 200
    assert "儲存格過長" in response.content.decode()
    assert everything_but() == before
