"""The public portal in Chromium: a visitor's walk, axe-core on every page, keyboard only."""

import pytest
from django.test import Client

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.portal_helpers import clear_page_cache

WARM_URLS = [
    "/",
    "/exchange/showcase/",
    "/exchange/showcase/beiyuan-cebu-sister-school/",
    "/news/beiyuan-cebu-news/",
]


@pytest.fixture
def portal_demo(transactional_db):
    """The demo content with small images; pages rendered once so renditions exist.

    AVIF encoding takes a second or more per rendition: warming here keeps the browser's
    page loads well inside their timeout.
    """
    from home.demo import load_portal_demo

    load_portal_demo(image_size=(640, 360))
    client = Client()
    for url in WARM_URLS:
        assert client.get(url).status_code == 200, url
    clear_page_cache()


def test_walk_home_section_article_showcase_filter_outcome_search(page, live_url, portal_demo):
    page.goto(f"{live_url}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.get_by_role("link", name="登入計畫服務網").first.is_visible()
    assert_no_axe_violations(page)

    menu = page.get_by_role("navigation", name="主選單")
    menu.get_by_role("link", name="國際交流", exact=True).click()
    assert page.get_by_role("heading", level=1, name="國際交流").is_visible()
    assert_no_axe_violations(page)

    page.goto(f"{live_url}/")
    page.get_by_role("link", name="嘉市北園國小赴菲律賓宿霧締結姊妹校 開啟跨國學習新頁").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("嘉市北園國小赴菲律賓")
    assert_no_axe_violations(page)

    page.goto(f"{live_url}/exchange/")
    page.get_by_role("main").get_by_role("link", name="交流成果展示").click()
    assert page.get_by_role("heading", level=1, name="交流成果展示").is_visible()
    assert_no_axe_violations(page)

    page.get_by_label("學年度").select_option("112")
    page.get_by_label("交流地區").select_option("亞洲")
    page.get_by_role("button", name="篩選").click()
    assert "year=112" in page.url and "region=" in page.url
    assert page.get_by_role("heading", name="共 2 筆交流成果").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="嘉市北園國小訪菲律賓 — 與宿霧建基中學締結姊妹校").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("嘉市北園國小訪菲律賓")
    assert page.get_by_text("宿霧建基中學").first.is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("search").first.get_by_label("搜尋本站").fill("菲律賓")
    page.get_by_role("search").first.get_by_role("button", name="搜尋").click()
    assert page.get_by_role("heading", name="找到 2 筆結果").is_visible()
    assert page.locator("mark", has_text="菲律賓").count() >= 2
    assert_no_axe_violations(page)

    page.goto(f"{live_url}/sitemap/")
    assert_no_axe_violations(page)
    page.goto(f"{live_url}/no-such-page/")
    assert_no_axe_violations(page)


def test_main_menu_with_the_keyboard_only(page, live_url, portal_demo):
    page.goto(f"{live_url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    expand = page.get_by_role("button", name="培力課程子選單")
    for _ in range(40):
        page.keyboard.press("Tab")
        if expand.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the sub-menu button of 培力課程 is not reachable with Tab")
    submenu = page.locator("#" + expand.get_attribute("aria-controls"))
    assert submenu.is_hidden()
    page.keyboard.press("Enter")
    assert expand.get_attribute("aria-expanded") == "true"
    assert submenu.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "國際教育增能研習"
    page.keyboard.press("Escape")
    assert submenu.is_hidden()
    assert expand.evaluate("el => el === document.activeElement")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1, name="國際教育增能研習").is_visible()


def test_carousel_with_the_keyboard_only(page, live_url, portal_demo):
    page.goto(f"{live_url}/")
    carousel = page.get_by_role("region", name="精選交流成果")
    slides = carousel.locator("[data-carousel-slide]")
    assert slides.count() == 3
    assert slides.nth(0).is_visible() and slides.nth(1).is_hidden()

    pause = carousel.get_by_role("button", name="暫停輪播")
    pause.focus()
    page.keyboard.press("Enter")
    assert carousel.get_by_role("button", name="繼續輪播").is_visible()

    page.keyboard.press("Tab")  # 上一則
    page.keyboard.press("Tab")  # 下一則
    assert page.evaluate("document.activeElement.textContent.trim()") == "下一則"
    page.keyboard.press("Enter")
    assert slides.nth(1).is_visible() and slides.nth(0).is_hidden()
    assert carousel.locator("[data-carousel-slides]").get_attribute("aria-live") == "polite"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert slides.nth(0).is_visible()
    assert_no_axe_violations(page)


def test_carousel_does_not_move_when_reduced_motion_is_asked(browser, live_url, portal_demo):
    context = browser.new_context(locale="zh-TW", reduced_motion="reduce")
    page = context.new_page()
    page.goto(f"{live_url}/")
    carousel = page.get_by_role("region", name="精選交流成果")
    assert carousel.get_by_role("button", name="繼續輪播").is_visible()
    context.close()


def test_home_screenshots_in_chinese_and_english(page, live_url, portal_demo):
    page.goto(f"{live_url}/")
    carousel_pause = page.get_by_role("button", name="暫停輪播")
    carousel_pause.click()
    assert screenshot(page, "home-zh-hant").stat().st_size > 10_000

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Log in to the Plan Service").first.is_visible()
    # Content stays Chinese, and says so.
    assert page.get_by_role("heading", name="嘉市北園國小訪菲律賓 — 與宿霧建基中學締結姊妹校")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Pause the carousel").click()
    assert screenshot(page, "home-en").stat().st_size > 10_000

    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
