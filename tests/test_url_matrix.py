"""The URL permission matrix (issue 7): every URL pattern × every role, against the expected
table in tests/url_matrix.py.

One world of objects is built once for the module (inside a transaction rolled back at the
end): schools A and B under one authority, school C under another, each with a passed plan, an
opened report saved twice through the tab view (so revisions exist) and a photo uploaded
through the real upload view (so an original and renditions exist); a published and a draft
outcome page. Every request runs in a savepoint that is rolled back, so no request (a POST
that is allowed, say) changes what the next one sees.

Each role's test walks every row and collects every mismatch into one table. Run with -s to
see the size of the matrix; with URL_MATRIX_DUMP=/tmp/matrix.txt to write down every answer
(handy to see what a new URL answers before deciding what it must answer).
"""

from __future__ import annotations

import copy
import csv
import datetime
import io
import os
import re
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core import mail
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.forms.models import model_to_dict
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.models import Collection, Page, Revision, Site

from home.models import PortalSettings
from intl_reports import signoff
from intl_reports.importing import IMPORTERS
from intl_reports.models import (
    AuditEvent,
    Authority,
    DeadlineExtension,
    Membership,
    OutcomeReport,
    Plan,
    PortalImage,
    PortalRendition,
    Programme,
    ReviewDecision,
    School,
)
from intl_reports.photos import THUMBNAIL_SPEC
from intl_reports.roles import ensure_editors_group
from tests import url_matrix
from tests.factories import (
    AuthorityFactory,
    AuthorityUserFactory,
    EditorFactory,
    PlanFactory,
    SchoolFactory,
    SchoolUserFactory,
    SuperuserFactory,
)
from tests.portal_helpers import add_outcome, build_portal
from tests.report_helpers import (
    client_for,
    image_bytes,
    media_files,
    post_tab,
    read_response,
    tab_data,
    upload_file,
    upload_url,
)
from tests.url_matrix import ROLES, Row

# Text that only school X's report holds: a denied answer must never carry it.
MARKERS = {"A": "矩陣甲校機密特色", "B": "矩陣乙校機密特色", "C": "矩陣丙校機密特色"}
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF")
OK_TOKENS = {"200", "201", "302", "in"}
# Models whose rows a refused POST must leave exactly as they were.
GUARDED_MODELS = [
    OutcomeReport,
    Revision,
    PortalImage,
    PortalRendition,
    School,
    Authority,
    Plan,
    Programme,
    DeadlineExtension,
    ReviewDecision,
    Membership,
    Page,
    Collection,
    Site,
    PortalSettings,
    get_user_model(),
]
GUESS_MODELS = {
    "plan": Plan,
    "rejected_plan": Plan,
    "report": OutcomeReport,
    "revision": Revision,
    "photo": PortalImage,
    "school": School,
    "authority": Authority,
    "extension": DeadlineExtension,
    "user": get_user_model(),
}
REF = re.compile(r"@(\w+)")


# ------------------------------------------------------------------ the world


@dataclass
class World:
    ids: dict[str, dict[str, object]]
    globals: dict[str, object]
    clients: dict[str, Client]
    payloads: dict[tuple[str, str], object]
    csrf: dict[str, str]
    patterns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    requests: int = 0

    def value(self, ref, school="A"):
        """A table value: "@kind" becomes the id or path of that object of `school`."""
        if not isinstance(ref, str) or not ref.startswith("@"):
            return ref
        kind = ref[1:]
        if kind in url_matrix.SCHOOL_KINDS:
            return self.ids[school][kind]
        return self.globals[kind]

    def text(self, template: str, school="A") -> str:
        return REF.sub(lambda m: str(self.value(m.group(0), school)), template)

    def payload(self, name: str | None, school="A") -> dict:
        build = self.payloads.get((name, school), self.payloads.get((name, "*")))
        assert build is not None, f"no POST payload {name!r} for school {school}"
        return build()


def _csrf_client(user=None) -> tuple[Client, str]:
    """A client that enforces CSRF like a browser, with a valid token for its POSTs."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
    return client, token


def _simple_fields(instance) -> dict:
    """What an admin form would post for `instance` (plain fields only), one field changed."""
    data = {}
    for name, value in model_to_dict(instance).items():
        if value is None:
            data[name] = ""
        elif isinstance(value, (str, int, float, bool)) or hasattr(value, "isoformat"):
            data[name] = value
    for name in ("name", "title", "reason"):
        if name in data:
            data[name] = f"{data[name]}（已竄改）"
    return data


def _import_csv() -> bytes:
    columns = list(IMPORTERS["schools"].columns)
    values = {
        "主管機關": "矩陣北區主管機關",
        "學校名稱": "矩陣匯入學校",
        "學校代碼": "MATRIX_IMPORT",
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerow([values.get(column, "") for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def build_world() -> World:
    portal = build_portal(outcomes=1, articles=1)
    draft = add_outcome(
        portal.showcase,
        title="矩陣草稿成果",
        types=["online"],
        partners=[("亞洲", "日本", "")],
        slug="matrix-draft",
        live=False,
    )
    draft.save_revision()
    outcome = portal.outcomes[0]
    outcome_revision = outcome.save_revision()
    outcome_revision.publish()
    north = AuthorityFactory(name="矩陣北區主管機關", code="MATRIX_X")
    south = AuthorityFactory(name="矩陣南區主管機關", code="MATRIX_Y")
    schools = {
        "A": SchoolFactory(authority=north, name="矩陣甲校", code="MATRIX_A"),
        "B": SchoolFactory(authority=north, name="矩陣乙校", code="MATRIX_B"),
        "C": SchoolFactory(authority=south, name="矩陣丙校", code="MATRIX_C"),
    }
    users = {
        "school": SchoolUserFactory(username="matrix_a", school=schools["A"]),
        "other_school": SchoolUserFactory(username="matrix_b", school=schools["B"]),
        "authority": AuthorityUserFactory(username="matrix_x", authority=north),
        "other_authority": AuthorityUserFactory(username="matrix_y", authority=south),
        "editor": EditorFactory(username="matrix_editor"),
        "superuser": SuperuserFactory(username="matrix_admin"),
    }
    owners = {
        "A": users["school"],
        "B": users["other_school"],
        "C": SchoolUserFactory(username="matrix_c", school=schools["C"]),
    }
    ids: dict[str, dict] = {}
    payloads: dict[tuple[str, str], object] = {}
    for key, school in schools.items():
        plan = PlanFactory(school=school, title=f"{school.name}交流計畫")
        rejected = PlanFactory(school=school, review_result="rejected")
        owner = client_for(owners[key])
        # The photo goes through the real upload view: re-encoded, with its renditions.
        response = owner.post(
            upload_url(plan), {"file": upload_file("photo.jpg", image_bytes()), "caption": "合影"}
        )
        assert response.status_code == 201, response.content
        image = PortalImage.objects.get(pk=response.json()["id"])
        # Two saves through the tab view: two revisions, the photo and the marker in the report.
        data = tab_data(owner, plan, "results")
        data["features"] = MARKERS[key]
        data.add_row("photos", {"image": str(image.pk), "caption": "與姊妹校合影"})
        assert post_tab(owner, plan, "results", data).status_code == 302
        data = tab_data(owner, plan, "school")
        data["address"] = f"{school.name}的新地址"
        assert post_tab(owner, plan, "school", data).status_code == 302
        report = OutcomeReport.objects.get(plan=plan)
        assert report.revisions.count() == 2
        extension = DeadlineExtension.objects.create(
            programme=plan.programme,
            school=school,
            deadline=timezone.now() + datetime.timedelta(days=30),
            reason="矩陣測試延長",
        )
        ids[key] = {
            "plan": plan.pk,
            "rejected_plan": rejected.pk,
            "report": report.pk,
            "revision": report.revisions.order_by("pk").first().pk,
            "photo": image.pk,
            "photo_original": image.file.name,
            "photo_rendition": image.get_rendition(THUMBNAIL_SPEC).file.name,
            "school": school.pk,
            "authority": school.authority_id,
            "extension": extension.pk,
            "user": owners[key].pk,
        }
        # What each school's own pages post, so a refused POST is refused for its rights only.
        for tab in ("school", "plan", "work", "budget", "outcomes", "assessment", "results"):
            form = dict(tab_data(owner, plan, tab))
            del form["csrfmiddlewaretoken"]  # each client sends its own token
            payloads[(f"tab_{tab}", key)] = lambda form=form: dict(form)
        for model, instance in (
            ("authority", school.authority),
            ("school", school),
            ("programme", plan.programme),
            ("deadlineextension", extension),
            ("plan", plan),
        ):
            fields = _simple_fields(instance)
            payloads[(f"{model}_edit", key)] = lambda fields=fields: dict(fields)
            created = {**fields, "code": f"NEW_{key}", "serial": f"NEW-{key}"}
            payloads[(f"{model}_create", key)] = lambda created=created: dict(created)
    profile = _simple_fields(schools["A"])
    profile["address"] = "被竄改的學校地址"
    settings_row = PortalSettings.load()
    payloads.update(
        {
            ("empty", "*"): dict,
            ("photo", "*"): lambda: {"file": upload_file("new.jpg", image_bytes())},
            ("school_profile", "*"): lambda: dict(profile),
            ("new_password", "*"): lambda: {
                "new_password1": "Matrix-Pass-2024-xyz",
                "new_password2": "Matrix-Pass-2024-xyz",
            },
            ("language", "*"): lambda: {"language": "en", "next": "/"},
            ("review", "*"): lambda: {"decision": "accepted", "note": "內容完整。"},
            ("feature", "*"): lambda: {
                "parent": portal.showcase.pk,
                "title": "矩陣展示成果",
                "summary": "矩陣展示成果摘要",
            },
            ("bulk_import", "*"): lambda: {
                "kind": "schools",
                "file": upload_file("schools.csv", _import_csv(), "text/csv"),
            },
        }
    )
    clients, csrf = {}, {}
    for role in ROLES:
        clients[role], csrf[role] = _csrf_client(users.get(role))
    user_a = owners["A"]
    world_globals = {
        "home": portal.home.pk,
        "page": outcome.pk,
        "page_url": outcome.url,
        "page_revision": outcome_revision.pk,
        "showcase_url": portal.showcase.url,
        "draft_url": f"{portal.showcase.url}matrix-draft/",
        "article": portal.articles[0].pk,
        "news": portal.news.pk,
        "public_image": portal.image.file.name,
        "programme": PlanFactory._meta.model.objects.get(pk=ids["A"]["plan"]).programme_id,
        "collection": PortalImage.objects.get(pk=ids["A"]["photo"]).collection_id,
        "group": ensure_editors_group().pk,
        "site": Site.objects.get(is_default_site=True).pk,
        "settings": settings_row.pk,
        "missing": 999999,
        "audit_event": AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first(),
        "uid": urlsafe_base64_encode(force_bytes(user_a.pk)),
        "signoff_token": signoff.make_token(
            OutcomeReport.objects.get(pk=ids["A"]["report"]), signoff.ROLES["unit_head"]
        ),
    }
    return World(ids, world_globals, clients, payloads, csrf)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        files_before = media_files()
        built = build_world()
        built.patterns = url_matrix.url_patterns()
        built.rows, _missing, _stale = url_matrix.table_rows(built.patterns)
        yield built
        # Nothing of the world survives the module: its rows roll back, its files go.
        transaction.set_rollback(True)
        for name in media_files() - files_before:
            default_storage.delete(name)
        print(
            f"\nURL matrix: {len(built.patterns)} URL patterns × {len(ROLES)} roles "
            f"= {len(built.patterns) * len(ROLES)} pairs; {len(built.rows)} table rows; "
            f"{built.requests} requests made."
        )


# ------------------------------------------------------------------ asking


@dataclass
class Answer:
    token: str
    status: int
    body: bytes
    changed: bool | None = None
    location: str = ""
    error: str = ""


def fingerprint() -> tuple:
    state = [repr(list(model.objects.order_by("pk").values_list())) for model in GUARDED_MODELS]
    return (*state, len(mail.outbox), frozenset(media_files()))


def ask(world: World, role: str, method: str, path: str, data=None, guard=False) -> Answer:
    """One request, in a savepoint rolled back afterwards; `guard` also tells whether it
    changed anything."""
    client = world.clients[role]
    cookies = copy.deepcopy(client.cookies)
    world.requests += 1
    with transaction.atomic():
        before = fingerprint() if guard else None
        if method == "get":
            response = client.get(path)
        else:
            response = client.post(path, data or {}, headers={"X-CSRFToken": world.csrf[role]})
        body = read_response(response)
        changed = fingerprint() != before if guard else None
        transaction.set_rollback(True)
    client.cookies = cookies  # a logout or a language switch must not outlive its request
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    error = ""
    if getattr(response, "exc_info", None):
        error = repr(response.exc_info[1])[:160]
    return Answer(
        classify(response.status_code, location, path),
        response.status_code,
        body,
        changed,
        location,
        error,
    )


def classify(status: int, location: str, path: str) -> str:
    if status in (301, 302, 303, 307, 308):
        if location == redirect_to_login(path).url:
            return "login"
        if location == redirect_to_login(path, login_url=reverse("wagtailadmin_login")).url:
            return "admin"
        return "302"
    return str(status)


def matches(expected: str, answer: Answer) -> bool:
    expected = expected.rstrip("*")
    if expected == "in":
        return answer.token not in ("login", "admin") and answer.status < 500
    return expected == answer.token


def leaks(answer: Answer, school: str, posted: dict | None) -> str:
    """What a refused answer gives away about school X's report, if anything. A refused form
    may show back what was posted: that is no leak."""
    if answer.body.startswith(IMAGE_MAGIC):
        return "image bytes"
    echoed = posted is not None and MARKERS[school] in str(posted)
    if MARKERS[school].encode() in answer.body and not echoed:
        return "the report's text"
    return ""


# ------------------------------------------------------------------ building the URLs


def pattern_name(world: World, row: Row) -> str | None:
    for pattern in world.patterns:
        if pattern.key == row.key:
            return pattern.name
    return None


def url_of(world: World, row: Row, school="A", override=None) -> str | None:
    """The row's URL filled with school's objects (and `override` kwargs); None if the URL
    pattern cannot take such values."""
    if row.url is not None:
        path = world.text(row.url, school)
    else:
        kwargs = {name: world.value(value, school) for name, value in row.kwargs.items()}
        kwargs.update(override or {})
        try:
            path = reverse(pattern_name(world, row), kwargs=kwargs)
        except NoReverseMatch:
            if override:
                return None
            raise
    return path + world.text(row.query, school)


def check(world, row, role, method, path, expected, school, problems, label=""):
    """Ask, and add to `problems` what differs from `expected` (one answer, or a set of them
    for guessed ids): the status, a leak in a refusal, the redirect target, a forbidden change."""
    posted = world.payload(row.data, school) if method == "post" else None
    # A POST must change nothing unless its answer is marked * (allowed to change data).
    guard = method == "post" and not str(expected).endswith("*")
    answer = ask(world, role, method, path, posted, guard=guard)
    title = f"{method.upper():4} {row.title}{label}"
    if dump := os.environ.get("URL_MATRIX_DUMP"):  # what each URL answers, to fill a new row
        with open(dump, "a", encoding="utf-8") as out:
            out.write(f"{role:16} {title:70} {path:60} {answer.token} {answer.location}\n")
    if isinstance(expected, set):
        expected = next((e for e in sorted(expected) if matches(e, answer)), "|".join(expected))
    if not matches(expected, answer):
        detail = answer.error or answer.location
        problems.append(f"{title:60} {path:55} expected {expected:6} got {answer.token} {detail}")
        return answer
    if expected.rstrip("*") not in OK_TOKENS and (leak := leaks(answer, school, posted)):
        problems.append(f"{title:60} {path:55} {answer.token} but leaks {leak}")
    if to := (row.to and answer.token == "302" and world.text(row.to, school)):
        if answer.location != to:
            problems.append(f"{title:60} {path:55} redirects to {answer.location}, not {to}")
    if answer.changed and not expected.endswith("*"):
        problems.append(f"{title:60} {path:55} {answer.token} but CHANGED the database or files")
    return answer


def report(role: str, problems: list[str], what: str):
    assert not problems, f"{role}: {len(problems)} {what} differ from the table:\n" + "\n".join(
        problems
    )


# ------------------------------------------------------------------ the tests


def test_every_project_url_has_a_row_and_every_row_a_url():
    rows, missing, stale = url_matrix.table_rows(url_matrix.url_patterns())
    assert not missing, (
        "project URLs with no row in tests/url_matrix.py (add an R(...) line with the answer "
        "each role must get):\n" + "\n".join(missing)
    )
    assert not stale, "rows in tests/url_matrix.py for URLs that no longer exist:\n" + "\n".join(
        stale
    )
    assert len(rows) >= len(url_matrix.PROJECT)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_table_says(world, role):
    problems = []
    for row in world.rows:
        path = url_of(world, row)
        check(world, row, role, "get", path, row.get[role], "A", problems)
        if row.post is not None and row.post[role] != "-":
            check(world, row, role, "post", path, row.post[role], "A", problems)
    report(role, problems, "answers")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["school", "other_school", "authority", "other_authority"])
def test_other_schools_objects_answer_as_the_table_implies(world, role):
    """The same URLs with school B's and school C's ids: a school reaches only its own, an
    authority only its schools'. (Anonymous visitors, editors and superusers answer the same
    for every school's objects; their guessed-id test below covers the ids.)"""
    problems = []
    for row in world.rows:
        if not row.cross or not row.school_refs():
            continue
        for school in ("B", "C"):
            stand_in = url_matrix.CROSS_ROLES[school][role]
            path = url_of(world, row, school)
            label = f" [school {school}]"
            check(world, row, role, "get", path, row.get[stand_in], school, problems, label)
            if row.post is not None and row.post[stand_in] != "-":
                expected = row.post[stand_in]
                check(world, row, role, "post", path, expected, school, problems, label)
    report(role, problems, "answers for other schools' objects")


def guessed_ids(kind: str) -> list:
    top = GUESS_MODELS[kind].objects.aggregate(top=Max("pk"))["top"] or 0
    return [top + 1, 0, -1, "x"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_guessed_ids_are_not_found_never_an_error(world, role):
    """max id + 1, 0, -1 and a non-number, wherever the URL pattern accepts them."""
    problems = []
    for row in world.rows:
        if not row.cross:
            continue
        for name, ref in row.kwargs.items():
            kind = ref[1:] if isinstance(ref, str) and ref.startswith("@") else None
            if kind not in url_matrix.ID_KINDS:
                continue
            # Found rows answer 404 for ids that do not exist; a refusal by role or by method
            # stays the same (a 405 may also become a 404: the object is looked up first).
            real = row.get[role]
            expected = {"404"} if real in OK_TOKENS else {real}
            if real == "405":
                expected.add("404")
            for guess in guessed_ids(kind):
                path = url_of(world, row, override={name: guess})
                if path is None:
                    continue  # the converter refuses it: the URL does not exist
                check(world, row, role, "get", path, expected, "A", problems, f" [{name}={guess}]")
    report(role, problems, "answers for guessed ids")
