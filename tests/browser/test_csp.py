"""The Content Security Policy in real Chromium: the site works under it and nothing is refused.

Every page is loaded without `bypass_csp`. Each refusal fires a `securitypolicyviolation`
event, recorded through an exposed binding (the DevTools protocol, which the policy does not
govern), and Chromium also logs it on the console; either kind fails the test. The public site
and the plan service run under the strict policy (`script-src 'self'`, `style-src 'self'`);
the Wagtail admin under its own (see PORTAL_ADMIN_CSP_REPLACE in settings.base).

The production cookie flags that scripts could trip over (HttpOnly on the CSRF, session and
language cookies) are on for these walks too.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_editor_feature_flow import EDITOR, admin_login, feature_demo
from tests.browser.test_report_workspace import (
    AUTHORITY,
    SCHOOL,
    TAB_LABELS,
    assert_saved,
    make_image,
    open_tab,
    rows,
    save,
    upload,
)

feature_demo = feature_demo  # the reports demo and the portal's pages, from the editor's walk

RECORD_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__portalCspViolation({
    page: location.pathname,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
  });
}, true);
"""
CONSOLE_REFUSAL = re.compile(r"Content Security Policy|Permissions-Policy")


@pytest.fixture(autouse=True)
def production_cookie_flags(settings):
    settings.CSRF_COOKIE_HTTPONLY = True
    settings.SESSION_COOKIE_HTTPONLY = True
    settings.LANGUAGE_COOKIE_HTTPONLY = True


class Refusals(list):
    def assert_none(self):
        assert not self, "refused under the Content Security Policy:\n" + "\n".join(map(str, self))

    def take(self):
        taken = list(self)
        self.clear()
        return taken


@pytest.fixture
def csp(browser):
    """(page, refusals): a fresh context under the site's real policy, recording refusals."""
    refusals = Refusals()
    context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.expose_binding("__portalCspViolation", lambda _source, report: refusals.append(report))
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            CONSOLE_REFUSAL.search(message.text)
            and refusals.append({"console": message.text[:300], "page": page.url})
        ),
    )
    yield page, refusals
    context.close()


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url}: HTTP {response.status}"
    page.wait_for_load_state("networkidle")
    return response


def policy_of(response):
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["content-security-policy"].split(";")
    }


# -- the policy is enforced, and a refusal would be seen -------------------------------------------


def test_an_inline_script_is_refused_and_recorded(csp, live_url, db):
    page, refusals = csp
    response = visit(page, f"{live_url}/login/")
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    refusals.assert_none()

    page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true';
          document.body.append(script);
          const image = document.createElement('img');
          image.setAttribute('onerror', 'window.__handlerRan = true');
          image.src = 'data:,';
          document.body.append(image);
        }"""
    )
    page.wait_for_function("() => document.querySelector('img[onerror]').complete")
    page.wait_for_timeout(200)  # the violation events are queued as tasks
    assert page.evaluate("window.__inlineRan === undefined && window.__handlerRan === undefined")
    directives = {report.get("directive") for report in refusals.take() if "directive" in report}
    assert {"script-src-elem", "script-src-attr"} <= directives


# -- the public portal -----------------------------------------------------------------------------


def test_public_pages_work_under_the_strict_policy(csp, live_url, feature_demo):
    from intl_reports.models import OutcomeReport
    from tests.portal_helpers import clear_page_cache

    page, refusals = csp
    clear_page_cache()

    response = visit(page, f"{live_url}/")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    # portal-carousel.js runs: the pause button and the next slide work.
    carousel = page.get_by_role("region", name="精選交流成果")
    slides = carousel.locator("[data-carousel-slide]")
    carousel.get_by_role("button", name="暫停輪播").click()
    carousel.get_by_role("button", name="下一則").click()
    assert slides.nth(1).is_visible() and slides.nth(0).is_hidden()
    # portal-nav.js runs: the sub-menu button opens its sub-menu.
    expand = page.get_by_role("button", name="培力課程子選單")
    expand.click()
    assert expand.get_attribute("aria-expanded") == "true"

    for path in [
        "/exchange/",
        "/exchange/showcase/?year=112",
        "/news/",
        "/sitemap/",
        "/search/?q=%E8%8F%B2%E5%BE%8B%E8%B3%93",
        "/open-data/",
    ]:
        visit(page, f"{live_url}{path}")
    visit(page, f"{live_url}/")
    with page.expect_navigation():
        page.get_by_role(
            "link", name="嘉市北園國小赴菲律賓宿霧締結姊妹校 開啟跨國學習新頁"
        ).first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("嘉市北園國小赴菲律賓")
    # The language switch posts a form (form-action 'self') and comes back in English.
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("English")).first.click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert OutcomeReport.objects.exists()
    refusals.assert_none()


# -- the login and the plan service ----------------------------------------------------------------


def test_login_and_the_plan_service_work_under_the_strict_policy(
    csp, live_url, feature_demo, tmp_path
):
    from intl_reports.models import OutcomeReport
    from intl_reports.signoff import ROLES, make_token

    page, refusals = csp
    report = feature_demo
    plan_id = report.plan_id

    for path in ["/login/", "/login/forgot/", "/login/first/"]:
        response = visit(page, f"{live_url}{path}")
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    login(page, live_url, *SCHOOL)
    assert page.url == f"{live_url}/service/"
    for path in ["/service/profile/", "/service/plans/", "/service/reports/"]:
        visit(page, f"{live_url}{path}")
    for tab in TAB_LABELS:
        open_tab(page, live_url, plan_id, tab)
    refusals.assert_none()

    # report-workspace.js computes the budget rates as one types, then the tab saves.
    open_tab(page, live_url, plan_id, "budget")
    budget = rows(page, "budget")
    budget.first.locator('input[name$="-approved"]').fill("207500")
    budget.first.locator('input[name$="-spent"]').fill("190000")
    assert budget.first.locator("[data-row-rate]").inner_text() == "91.57%"
    page.locator('[data-add-row="budget"]').click()
    expect(budget).to_have_count(3)
    new = budget.nth(2)
    new.locator('input[name$="-item"]').fill("其他")
    new.locator('input[name$="-secondary_use"]').fill("交通費")
    new.locator('input[name$="-approved"]').fill("10000")
    new.locator('input[name$="-spent"]').fill("9000")
    assert new.locator("[data-row-rate]").inner_text() == "90.00%"
    assert page.locator("[data-overall-rate]").inner_text() == "94.52%"
    save(page)
    assert_saved(page, live_url, plan_id, "budget")
    assert budget.count() == 3

    # The photo upload (XMLHttpRequest with the CSRF token, progress, preview), then a save.
    open_tab(page, live_url, plan_id, "results")
    photos = rows(page, "photos")
    count = photos.count()
    page.locator('[data-add-row="photos"]').click()
    card = photos.nth(count)
    card.get_by_label("說明").fill("CSP 測試照片")
    upload(page, card, make_image(tmp_path, "csp.jpg", fmt="JPEG"))
    # The preview is served by the permission-checked media view: wait until it is decoded.
    assert card.locator("[data-preview]").evaluate(
        "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
    )
    save(page)
    assert_saved(page, live_url, plan_id, "results")
    expect(photos).to_have_count(count + 1)
    refusals.assert_none()

    # The sign-off link of the e-mail, opened by someone without an account.
    token = make_token(OutcomeReport.objects.get(pk=report.pk), ROLES["unit_head"])
    page.context.clear_cookies()
    visit(page, f"{live_url}/signoff/{token}/")
    with page.expect_navigation():
        page.get_by_role("button", name="確認").click()
    assert page.get_by_text("已透過email確認").first.is_visible()
    assert OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at is not None

    # The authority's pages: the dashboard with its server-drawn charts.
    login(page, live_url, *AUTHORITY, destination="authority")
    assert page.url == f"{live_url}/service/"
    for path in ["/service/reports/", "/service/dashboard/"]:
        visit(page, f"{live_url}{path}")
    assert page.locator("svg").count() > 0
    refusals.assert_none()


# -- the Wagtail admin -----------------------------------------------------------------------------


def test_the_wagtail_admin_works_under_its_policy(csp, live_url, feature_demo):
    from home.models import ArticlePage

    page, refusals = csp
    report = feature_demo
    article = ArticlePage.objects.live().filter(body__isnull=False).first()

    admin_login(page, live_url, *EDITOR)
    response = visit(page, f"{live_url}/admin/")
    policy = policy_of(response)
    assert policy["script-src-attr"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]

    # The page editor: StreamField, the image chooser, the preview panel, a saved draft.
    visit(page, f"{live_url}/admin/pages/{article.pk}/edit/")
    blocks_before = page.locator("[data-streamfield-child]").count()
    assert blocks_before > 0
    page.locator("button.c-sf-add-button").first.click()
    page.get_by_role("option", name="段落").first.click()
    expect(page.locator("[data-streamfield-child]")).to_have_count(blocks_before + 1)

    page.get_by_role("button", name="選擇一個圖片").click()
    modal = page.locator(".modal")
    modal.locator("a.image-choice").first.click()
    modal.wait_for(state="hidden")
    assert page.locator("[data-chooser-title]").first.inner_text().strip()
    page.get_by_label("列表圖片替代文字").fill("CSP 測試替代文字")

    page.locator("[data-side-panel-toggle='preview']").click()
    preview = page.frame_locator("iframe[data-w-preview-target='iframe']").first
    preview.locator("h1").first.wait_for()

    with page.expect_navigation():
        page.locator("footer button[type=submit]").first.click()
    assert page.locator(".messages .success").count() == 1, page.content()[:2000]
    article.refresh_from_db()
    assert article.get_latest_revision().as_object().listing_image_id is not None

    # The reports snippet (edit, inspect), the review screen, the dashboard, modeladmin lists.
    for path in [
        f"/admin/intl-reports/reports/edit/{report.pk}/",
        f"/admin/intl-reports/reports/inspect/{report.pk}/",
        f"/admin/intl-reports/review/{report.pk}/",
        "/admin/intl-reports/reports/",
        "/admin/intl-reports/dashboard/",
        "/admin/intl-reports/import/",
        "/admin/intl_reports/school/",
        "/admin/intl_reports/plan/",
        "/admin/images/",
        f"/admin/pages/{article.get_parent().pk}/",
    ]:
        visit(page, f"{live_url}{path}")
        assert urlsplit(page.url).path == path.split("?")[0]
    assert page.get_by_text(article.title).first.is_visible()
    refusals.assert_none()

    # An editor on the public site: Wagtail's user bar loads under the strict policy.
    visit(page, f"{live_url}{article.url}")
    page.locator("wagtail-userbar").wait_for(state="attached")
    refusals.assert_none()
