"""Web security (issue 7, point 5): response headers, cookies, CSRF, lockout and link tokens.

Already covered elsewhere, not repeated here:
- tests/test_accounts.py: five failures lock the account, the right password refused while
  locked (test_five_failures_lock_the_account_even_for_the_right_password); reset links that
  work once, expire and are refused when forged (test_reset_link_works_only_once,
  test_reset_link_expires, test_forged_links_are_refused_without_error); activation links
  that work once (test_activation_link_works_only_once); the login refuses a POST without a
  CSRF token (test_a_post_without_csrf_token_is_refused).
- tests/test_report_signoff.py: sign-off links replayed (test_the_same_link_again_is_already_used),
  tampered (test_a_tampered_token_is_invalid), expired (test_an_expired_token_is_refused).
- tests/browser/test_csp.py: the pages work in Chromium under the policy, with no refusal.
"""

import datetime
import json
import re
import subprocess
import sys
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core import mail, signing
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.regex_helper import normalize

from intl_reports import signoff
from intl_reports.models import OutcomeReport
from tests import report_helpers
from tests.factories import PlanFactory, SchoolUserFactory
from tests.portal_helpers import build_portal
from tests.report_helpers import html_of, signoff_url, tab_data, tab_url
from tests.test_accounts import (
    DEMO_SCHOOL,
    INVALID_LINK,
    LOCKOUT_TEXT,
    STRONG_PASSWORD,
    accounts,
    link_in,
    set_password,
)
from tests.test_settings import ROOT, production_env

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
accounts = accounts  # the demo's three accounts, without the demo report

ONE_YEAR = 365 * 24 * 3600
CSRF_SESSION_MESSAGE = "登入已逾時或已在其他視窗重新登入"
# Views that Django's CSRF middleware lets through: only Wagtail's admin API (Django REST
# framework views, csrf_exempt by construction). DRF's SessionAuthentication, which Wagtail
# sets on them, checks the token itself for every logged-in request, so they are walked below
# like the others and must refuse with DRF's "CSRF Failed". No view of the project is exempt.
CSRF_EXEMPT_CHECKED_BY_DRF = {
    "wagtail.admin.api.views.PagesAdminAPIViewSet",
    "wagtail.documents.api.admin.views.DocumentsAdminAPIViewSet",
    "wagtail.images.api.admin.views.ImagesAdminAPIViewSet",
}

# The settings that shape headers and cookies, read from portal.settings.production.
PRODUCTION_SECURITY_SETTINGS = [
    "MIDDLEWARE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "PORTAL_ADMIN_CSP_REPLACE",
    "PERMISSIONS_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
]
DISABLED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"]


# ------------------------------------------------------------------ helpers and fixtures


def csp_directives(response, header="Content-Security-Policy"):
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in response[header].split(";")
        if directive.strip()
    }


def assert_security_headers(response, *, https=False):
    """The headers every page must carry (HSTS only over HTTPS, as browsers require)."""
    policy = csp_directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no 'unsafe-inline', no nonce, no other origin"
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"][:2] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    for feature in DISABLED_FEATURES:
        assert features[feature] == "()", feature
    if https:
        hsts = response["Strict-Transport-Security"]
        assert int(re.fullmatch(r"max-age=(\d+)(; .*)?", hsts).group(1)) >= ONE_YEAR
        assert "; includeSubDomains" in hsts and "; preload" in hsts
    else:
        assert "Strict-Transport-Security" not in response


@pytest.fixture(scope="session")
def production_security_values():
    """The values production.py really computes, read in a child process.

    Importing the module here would mutate the shared dicts of base.py (CACHES, LOGGING) that
    the test settings use too.
    """
    code = (
        "import json, portal.settings.production as p;"
        f"print(json.dumps({{n: getattr(p, n) for n in {PRODUCTION_SECURITY_SETTINGS!r}}}))"
    )
    env = {**production_env(), "PYTHONPATH": str(ROOT / "site")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(settings, production_security_values):
    """The production headers and cookie flags, for requests made after this fixture."""
    for name, value in production_security_values.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def pages(school_client, own_report):
    """(client, url) of: the home page, an article, the login, a report tab, the PDF."""
    portal = build_portal(outcomes=1, articles=1)
    plan = own_report.plan
    anonymous = Client()
    return {
        "home": (anonymous, "/"),
        "article": (anonymous, portal.articles[0].url),
        "login": (anonymous, "/login/"),
        "report_tab": (school_client, tab_url(plan, "work")),
        "pdf": (school_client, f"/service/reports/{plan.pk}/pdf/"),
    }


PAGES = ["home", "article", "login", "report_tab", "pdf"]


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize("name", PAGES)
def test_headers_under_the_test_settings(pages, name):
    client, url = pages[name]
    response = client.get(url)
    assert response.status_code == 200, url
    assert_security_headers(response)


@pytest.mark.parametrize("name", PAGES)
def test_headers_under_the_production_settings_over_https(production, pages, name):
    client, url = pages[name]
    response = client.get(url, secure=True)
    assert response.status_code == 200, url
    assert_security_headers(response, https=True)


def test_production_sends_plain_http_to_https(production, pages):
    response = Client().get("/login/")
    assert response.status_code == 301
    assert response.url == "https://testserver/login/"


def test_the_production_values_are_the_strict_ones(production_security_values):
    values = production_security_values
    assert values["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    assert values["SECURE_SSL_REDIRECT"] is True
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert "portal.csp.PortalCSPMiddleware" in values["MIDDLEWARE"]
    assert "django_permissions_policy.PermissionsPolicyMiddleware" in values["MIDDLEWARE"]
    for name in ("SESSION", "CSRF", "LANGUAGE"):
        assert values[f"{name}_COOKIE_SECURE"] is True
        assert values[f"{name}_COOKIE_HTTPONLY"] is True
        assert values[f"{name}_COOKIE_SAMESITE"] == "Lax"


def test_only_the_wagtail_admin_allows_inline_scripts_and_never_handlers(client, db):
    admin = csp_directives(client.get("/admin/login/"))
    assert admin["script-src"] == ["'self'", "'unsafe-inline'"]
    assert admin["script-src-attr"] == ["'none'"]
    assert admin["object-src"] == ["'none'"]
    assert admin["frame-ancestors"] == ["'self'"]
    # Paths that merely start alike are not the admin.
    for path in ["/login/", "/administration/", "/signoff/x/", "/service/"]:
        assert csp_directives(client.get(path))["script-src"] == ["'self'"], path


def test_the_video_players_may_be_framed_and_go_full_screen(client, db):
    response = client.get("/login/")
    frames = csp_directives(response)["frame-src"]
    assert "https://www.youtube-nocookie.com" in frames and "'self'" in frames
    assert "*" not in frames
    features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    assert features["fullscreen"].startswith("(self ")


def test_the_templates_have_no_inline_script_style_or_handler():
    """What keeps script-src and style-src at 'self': nothing inline in our own templates."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>")
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    style = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
    offenders = []
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]  # the project's and its apps'
    for path in (path for folder in folders for path in folder.rglob("*.html")):
        if "pdf" in path.relative_to(ROOT).parts:
            continue  # WeasyPrint's input, never sent to a browser
        text = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, style):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    for path in (ROOT / "static" / "js").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\beval\(", r"new Function\(", r"\.setAttribute\(\s*[\"']on"):
            offenders += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(pattern, text)]
    assert offenders == []


# ------------------------------------------------------------------ cookies


def test_cookies_after_a_production_login_over_https(production, accounts):
    client = Client()
    form = client.get("/login/", secure=True)
    csrf = form.cookies[django_settings.CSRF_COOKIE_NAME]
    response = client.post("/login/", DEMO_SCHOOL, secure=True)
    assert response.status_code == 302
    assert response.url == "/service/"
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    language = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True).cookies[
        django_settings.LANGUAGE_COOKIE_NAME
    ]
    for cookie in (session, csrf, language):
        assert cookie["secure"] is True, cookie.key
        assert cookie["httponly"] is True, cookie.key
        assert cookie["samesite"] == "Lax", cookie.key
    assert client.get("/service/", secure=True).status_code == 200


# ------------------------------------------------------------------ CSRF on every URL


def all_url_patterns(patterns=None, prefix=""):
    """(regex, pattern) of every endpoint the project answers, Wagtail's admin included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        regex = prefix + pattern.pattern.regex.pattern.lstrip("^").removesuffix(r"\Z")
        regex = regex.removesuffix("$")
        if isinstance(pattern, URLResolver):
            yield from all_url_patterns(pattern.url_patterns, regex)
        else:
            yield regex, pattern


def example_path(regex, pattern, values):
    """A path that reaches `pattern`, its parameters filled with real values where known."""
    template, params = normalize(regex)[0]
    for fallback in ("1", "x", "1/", "x/"):
        path = "/" + template % {name: values.get(name, fallback) for name in params}
        try:
            if resolve(path).func is pattern.callback:
                return path
        except Resolver404:  # this fallback does not fit the pattern: try the next
            continue
    return None


def database_state():
    """Row counts of every table, and the reports as they are."""
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    reports = [model_to_dict(report) for report in OutcomeReport.objects.order_by("pk")]
    return counts, reports


def refused_by_csrf(response, *, drf=False):
    """Refused for the missing token: by the project's csrf_failure before the view runs, or,
    for Wagtail's admin API (drf=True), by DRF's SessionAuthentication."""
    if drf:
        return response.status_code == 403 and response.json()["detail"].startswith("CSRF Failed")
    if response.status_code == 302:
        return response.url.startswith("/login/?next=") and any(
            CSRF_SESSION_MESSAGE in str(message) for message in get_messages(response.wsgi_request)
        )
    return response.status_code == 403 and "403_csrf.html" in [
        template.name for template in response.templates
    ]


@pytest.fixture
def csrf_walk(own_report, school_user, authority_user, superuser):
    """Clients that hold a CSRF cookie but will not send the token, one per role."""
    report = OutcomeReport.objects.get(pk=own_report.pk)
    report.unit_head_email = "director@north.example.edu.tw"
    report.save()
    build_portal(outcomes=1, articles=1)

    def client_for(user):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        client.get("/login/")  # the CSRF cookie a real browser would hold
        assert django_settings.CSRF_COOKIE_NAME in client.cookies
        return client

    roles = {
        "school": client_for(school_user),
        "authority": client_for(authority_user),
        "editor": client_for(superuser),
        "anonymous": client_for(None),
    }
    values = {
        "plan_id": str(report.plan_id),
        "tab": "work",
        "role": "unit_head",
        "token": signoff.make_token(report, signoff.ROLES["unit_head"]),
        "pk": str(report.pk),
        "action_name": "delete",  # the admin API's page actions: delete, publish, move, …
    }
    return roles, values


def role_for(path):
    if path.startswith("/service/dashboard/"):
        return "authority"
    if path.startswith("/service/"):
        return "school"
    if path.startswith(("/admin/", "/documents/")):
        return "editor"
    return "anonymous"


def test_every_state_changing_request_without_the_csrf_token_is_refused(csrf_walk):
    roles, values = csrf_walk
    endpoints = list(all_url_patterns())
    exempt = {
        pattern.lookup_str
        for _regex, pattern in endpoints
        if getattr(pattern.callback, "csrf_exempt", False)
    }
    assert exempt == CSRF_EXEMPT_CHECKED_BY_DRF

    before = database_state()
    tried, unreachable, accepted = [], [], []
    for regex, pattern in endpoints:
        path = example_path(regex, pattern, values)
        if path is None:
            unreachable.append(regex)
            continue
        client = roles[role_for(path)]
        methods = ["post"] if path.startswith("/admin/") else ["post", "put", "patch", "delete"]
        for method in methods:
            response = getattr(client, method)(path, {"title": "x"} if method == "post" else "")
            tried.append(path)
            drf = pattern.lookup_str in CSRF_EXEMPT_CHECKED_BY_DRF
            if not refused_by_csrf(response, drf=drf):
                accepted.append(f"{method.upper()} {path} -> {response.status_code}")
    assert accepted == []
    assert unreachable == [], "a URL pattern the walk could not build a path for"
    assert len(set(tried)) > 200  # Wagtail's admin and every project URL
    assert database_state() == before
    assert mail.outbox == []


def test_the_same_requests_with_the_token_reach_the_views(csrf_walk):
    """The control of the walk above: the refusals came from the missing token alone."""
    roles, values = csrf_walk
    plan = OutcomeReport.objects.get(plan_id=values["plan_id"]).plan
    school = roles["school"]
    token = school.cookies[django_settings.CSRF_COOKIE_NAME].value
    data = tab_data(school, plan, "work")
    data["csrfmiddlewaretoken"] = token
    saved = school.post(tab_url(plan, "work"), data)
    assert saved.status_code == 302 and not refused_by_csrf(saved)
    requested = school.post(signoff_url(plan, "unit_head"), {"csrfmiddlewaretoken": token})
    assert requested.status_code == 302 and not refused_by_csrf(requested)
    assert len(mail.outbox) == 1
    anonymous = roles["anonymous"]
    anonymous_token = anonymous.cookies[django_settings.CSRF_COOKIE_NAME].value
    switched = anonymous.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": anonymous_token}
    )
    assert switched.status_code == 302 and not refused_by_csrf(switched)
    out = school.post("/logout/", HTTP_X_CSRFTOKEN=token)
    assert out.status_code == 302 and not refused_by_csrf(out)


def test_the_admin_api_page_actions_refuse_a_request_without_the_token(superuser):
    """Wagtail's admin API (csrf_exempt for Django) still needs the token: DRF checks it."""
    article = build_portal(outcomes=1, articles=1).articles[0]
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    client.force_login(superuser)
    for action in ("delete", "unpublish", "move", "copy"):
        url = f"/admin/api/main/pages/{article.pk}/action/{action}/"
        response = client.post(url, {}, content_type="application/json")
        assert refused_by_csrf(response, drf=True), action
    article.refresh_from_db()
    assert article.live
    # The control: with the token, the same request is carried out.
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    done = client.post(
        f"/admin/api/main/pages/{article.pk}/action/unpublish/",
        {},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert done.status_code == 200, done.content
    article.refresh_from_db()
    assert not article.live


# ------------------------------------------------------------------ login lockout


def login_at(client, moment, **overrides):
    """A login attempt with django-axes' clock at `moment`."""
    with mock.patch("axes.handlers.proxy.now", return_value=moment):
        return client.post("/login/", {**DEMO_SCHOOL, **overrides})


def test_a_locked_account_is_unlocked_after_the_cool_off(client, accounts):
    start = timezone.now()
    for _attempt in range(5):
        locked = login_at(client, start, password="Wrong-Password-1")
    assert locked.status_code == 429
    assert LOCKOUT_TEXT in html_of(locked)
    cool_off = django_settings.AXES_COOLOFF_TIME
    minute = datetime.timedelta(minutes=1)

    right_but_locked = login_at(client, start + cool_off - minute)
    assert right_but_locked.status_code == 429
    assert LOCKOUT_TEXT in html_of(right_but_locked)
    # That attempt, made while locked, started the cool-off again.
    assert login_at(client, start + cool_off + minute).status_code == 429

    response = login_at(client, start + 2 * cool_off + 2 * minute)
    assert response.status_code == 302
    assert response.url == "/service/"


def test_the_lock_ends_for_an_account_left_alone(client, accounts):
    start = timezone.now()
    for _attempt in range(5):
        login_at(client, start, password="Wrong-Password-1")
    response = login_at(
        client, start + django_settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    )
    assert response.status_code == 302
    assert response.url == "/service/"


# ------------------------------------------------------------------ account link tokens


def later_than(seconds):
    return mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now",
        return_value=datetime.datetime.now() + datetime.timedelta(seconds=seconds),
    )


@pytest.fixture
def newcomer(school, mailoutbox):
    """An account the ministry created, and the activation link mailed for it."""
    user = SchoolUserFactory(username="newcomer", school=school, is_active=False)
    Client().post("/login/first/", {"destination": "school", "username": "newcomer"})
    return user, link_in(mailoutbox[0], "activate")


def test_the_activation_link_expires(client, newcomer, django_user_model):
    user, link = newcomer
    with later_than(django_settings.PASSWORD_RESET_TIMEOUT + 60):
        response = client.get(link, follow=True)
    assert INVALID_LINK in html_of(response)
    assert "new_password1" not in html_of(response)
    assert not django_user_model.objects.get(pk=user.pk).is_active


@pytest.mark.parametrize("kind", ["activate", "reset"])
def test_a_tampered_token_with_a_real_account_is_refused(
    client, accounts, newcomer, mailoutbox, django_user_model, kind
):
    if kind == "reset":
        client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    link = link_in(mailoutbox[-1], kind)
    prefix, token = link.rstrip("/").rsplit("/", 1)
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")
    for bad in (flipped, token[:-3], token + "0"):
        response = client.get(f"{prefix}/{bad}/", follow=True)
        assert INVALID_LINK in html_of(response), bad
        assert "new_password1" not in html_of(response)
    assert not django_user_model.objects.get(username="newcomer").is_active
    assert django_user_model.objects.get(username="school001").check_password("Demo-School-2023")


def test_a_password_change_voids_every_earlier_reset_link(client, accounts, mailoutbox):
    for _request in range(2):
        client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    first, second = (link_in(message, "reset") for message in mailoutbox)
    set_password(client, first, STRONG_PASSWORD)
    response = client.get(second, follow=True)
    assert INVALID_LINK in html_of(response)


# ------------------------------------------------------------------ sign-off links


@pytest.fixture
def two_reports(own_report, other_school):
    other = OutcomeReport.for_plan(PlanFactory(school=other_school, serial="P-SIB-9"))
    return OutcomeReport.objects.get(pk=own_report.pk), other


def confirmations():
    return list(
        OutcomeReport.objects.order_by("pk").values_list(
            "pk", "unit_head_confirmed_at", "principal_confirmed_at"
        )
    )


def test_a_link_confirms_only_its_own_report_and_role(two_reports):
    own, other = two_reports
    link = f"/signoff/{signoff.make_token(other, signoff.ROLES['principal'])}/"
    assert Client().post(link).status_code == 200
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.unit_head_confirmed_at is None and own.principal_confirmed_at is None
    assert other.principal_confirmed_at is not None and other.unit_head_confirmed_at is None


@pytest.mark.parametrize(
    ("forge", "message"),
    [
        # Signed with the project's key, but for another purpose (another salt).
        (
            lambda report: signing.dumps({"r": report.pk, "k": "unit_head", "s": "-"}),
            "此確認連結無效",
        ),
        # Signed by someone who does not have the key.
        (
            lambda report: signing.dumps(
                {"r": report.pk, "k": "unit_head", "s": "-"},
                key="not-the-secret-key",
                salt=signoff.SALT,
            ),
            "此確認連結無效",
        ),
        # Validly signed, naming a report that does not exist or a role that does not.
        (
            lambda report: signing.dumps(
                {"r": report.pk + 1000, "k": "unit_head", "s": "-"}, salt=signoff.SALT
            ),
            "此確認連結無效",
        ),
        (
            lambda report: signing.dumps(
                {"r": report.pk, "k": "janitor", "s": "-"}, salt=signoff.SALT
            ),
            "此確認連結無效",
        ),
        # A confirmation state that is not the report's: a link of an earlier round.
        (
            lambda report: signing.dumps(
                {"r": report.pk, "k": "unit_head", "s": "2023-04-10T03:08:25+00:00"},
                salt=signoff.SALT,
            ),
            "此確認連結已使用過",
        ),
    ],
    ids=["other-salt", "other-key", "no-such-report", "no-such-role", "earlier-round"],
)
def test_forged_sign_off_links_are_refused_in_chinese(two_reports, forge, message):
    own, _other = two_reports
    before = confirmations()
    link = f"/signoff/{forge(own)}/"
    for method in (Client().get, Client().post):
        response = method(link)
        assert response.status_code == 400
        assert message in html_of(response)
    assert confirmations() == before


def test_a_sign_off_request_needs_the_csrf_token(school_user, own_report):
    report = OutcomeReport.objects.get(pk=own_report.pk)
    report.unit_head_email = "director@north.example.edu.tw"
    report.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(school_user)
    client.get(tab_url(report.plan, "school"))
    response = client.post(signoff_url(report.plan, "unit_head"))
    assert refused_by_csrf(response)
    assert mail.outbox == []
