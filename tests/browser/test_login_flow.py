"""Logging in through the real login page in Chromium, with axe-core accessibility checks."""

import pytest

from tests.browser.conftest import assert_no_axe_violations, login, screenshot


@pytest.fixture
def demo(live_server):
    from intl_reports.demo import load_reports_demo

    load_reports_demo()


def test_login_page_is_accessible(page, live_url, demo):
    page.goto(f"{live_url}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.get_by_role("heading", name="登入").is_visible()
    assert page.get_by_label("欲前往").is_visible()
    assert page.get_by_role("link", name="忘記密碼?").is_visible()
    assert page.get_by_role("link", name="第一次登入").is_visible()
    path = screenshot(page, "login")
    assert path.stat().st_size > 1000
    assert_no_axe_violations(page)


def test_demo_school_logs_in_and_sees_the_function_menu(page, live_url, demo):
    login(page, live_url, "school001", "Demo-School-2023")
    assert page.url == f"{live_url}/service/"
    menu = page.get_by_role("navigation", name="功能選單")
    assert menu.is_visible()
    assert menu.get_by_role("link", name="基本資料維護").is_visible()
    assert menu.get_by_role("link", name="課程/國際交流 成果報告").is_visible()
    assert "測試學校001" in page.content()
    assert menu.get_by_text("本系統未提供").count() == 8
    path = screenshot(page, "menu")
    assert path.stat().st_size > 1000
    assert_no_axe_violations(page)


def test_a_wrong_password_is_announced_and_accessible(page, live_url, demo):
    login(page, live_url, "school001", "Wrong-Password-1")
    assert page.url.endswith("/login/")
    alert = page.get_by_role("alert")
    assert "帳號或密碼錯誤，請重新輸入。" in alert.inner_text()
    assert_no_axe_violations(page)


def test_logout_returns_to_the_login_page(page, live_url, demo):
    login(page, live_url, "school001", "Demo-School-2023")
    page.get_by_role("button", name="登出").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/login/")
    assert "您已登出。" in page.content()
    page.goto(f"{live_url}/service/")
    assert "/login/?next=/service/" in page.url
