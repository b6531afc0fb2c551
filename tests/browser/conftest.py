"""Playwright (sync API) on Debian's Chromium, against pytest-django's live server.

Never run `playwright install`: the browser is the system's /usr/bin/chromium.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(config, items):
    """Every test here drives the browser against the live server.

    The live server needs transactional tests, which empty every table afterwards; the
    serialized rollback puts back what migrations created (Wagtail's root page and
    collection, the editors' group) for the tests that follow.
    """
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="session")
def browser(django_db_setup):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Once Playwright's loop runs in this thread, Django's thread-critical connection storage
    # (asgiref Local) turns context-local and hands out new connection objects. The data saved
    # for serialized rollbacks lives on the old ones: carry it over, or the tables emptied
    # after a live-server test would never get Wagtail's root page and collection back.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_url(live_server):
    """The live server's URL, with /media/ answered by the project's own serve_media view.

    Django's live server wraps the site in _MediaFilesHandler, which serves every /media/ URL
    straight from MEDIA_ROOT, to anyone: a privacy check through it would always see 200.
    """
    from django.core.handlers.wsgi import WSGIHandler

    thread = live_server.thread
    original = thread.httpd.get_app()
    thread.httpd.set_app(thread.static_handler(WSGIHandler()))
    yield live_server.url.rstrip("/")
    thread.httpd.set_app(original)


def login(page, live_url, username, password, destination="school"):
    """Log in through the real login form, as a person would."""
    page.goto(f"{live_url}/login/")
    page.get_by_label("欲前往").select_option(destination)
    page.get_by_label("帳號").fill(username)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()
    page.wait_for_load_state("networkidle")


def axe_violations(page, tags=WCAG_TAGS):
    # Evaluated through the DevTools protocol, which the page's Content Security Policy does not
    # govern: add_script_tag would insert an inline <script> that the strict policy refuses, and
    # bypass_csp would hide the site's own CSP problems from every browser test.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})""",
        tags,
    )
    return result["violations"]


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    target: {', '.join(map(str, node['target']))}")
            lines.append(f"      html: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      why:  {summary[:300]}")
    return "\n".join(lines)


def assert_no_axe_violations(page):
    """Run axe-core (WCAG 2.1 A and AA rules) on the page; fail with a readable list."""
    violations = axe_violations(page)
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
