"""Nothing lost in Chromium: live budget figures, the leave guard, conflicts between two
colleagues, an expired session with its local draft, and a refused save."""

import pytest

from tests.browser import test_report_workspace as workspace
from tests.browser.conftest import login, screenshot
from tests.browser.test_report_workspace import (
    SAVE,
    TAB_LABELS,
    assert_saved,
    open_tab,
    report,
    rows,
    save,
    stream_values,
    tab_url,
)

plan_id = workspace.plan_id  # the shared fixtures
school_page = workspace.school_page

COLLEAGUE = ("school002", "Factory-Pass-2024")


def spent_values():
    return [v["spent"] for v in stream_values(report().budget_lines)]


# -- live budget figures --------------------------------------------------------------------------


def test_the_demo_budget_rates_and_their_live_update(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "budget")
    budget = rows(page, "budget")
    row_rates = page.locator("[data-row-rate]")
    overall = page.locator("[data-overall-rate]")
    assert page.locator("[data-approved-total]").inner_text() == "337500"
    assert row_rates.all_inner_texts() == ["91.95%", "100.00%"]
    assert overall.inner_text() == "94.81%"
    assert page.locator("[data-spent-sum]").inner_text() == "320000"

    spent = budget.first.locator('input[name$="-spent"]')
    spent.click()
    spent.press("Control+a")
    spent.press_sequentially("100000")
    # Recomputed while typing, before any save: 100000/217500 and 220000/337500.
    assert row_rates.first.inner_text() == "45.98%"
    assert overall.inner_text() == "65.19%"
    assert page.locator("[data-spent-sum]").inner_text() == "220000"
    spent.press_sequentially("0")  # 1000000: more than approved
    assert row_rates.first.inner_text() == "459.77%"
    spent.fill("217,500")  # as people type it, with a thousands separator
    assert row_rates.first.inner_text() == "100.00%"
    assert overall.inner_text() == "100.00%"
    # A row with 核定 0 shows no rate, and no error.
    budget.nth(1).locator('input[name$="-approved"]').fill("0")
    assert row_rates.nth(1).inner_text() == ""
    assert overall.inner_text() == "100.00%"  # Σ實支 / 核定計畫總額
    assert page.locator("[data-approved-sum]").inner_text() == "217500"
    # Nothing was saved.
    assert spent_values() == [200000, 120000]


# -- the leave guard --------------------------------------------------------------------------


def test_leaving_a_tab_with_unsaved_changes_asks_first(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "school")
    dialogs = []
    answer = {"accept": False}

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        if answer["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    address = page.get_by_label("學校地址")
    address.click()
    address.press("End")
    address.type("（北棟）")
    plan_link = page.get_by_role("navigation", name="成果報告分頁").get_by_role(
        "link", name=TAB_LABELS["plan"]
    )

    plan_link.click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url == tab_url(live_url, plan_id, "school")  # stayed
    assert address.input_value() == "臺北市中正區中山南路5號（北棟）"

    answer["accept"] = True
    with page.expect_navigation():
        plan_link.click(no_wait_after=True)
    assert dialogs == ["beforeunload", "beforeunload"]
    assert page.url == tab_url(live_url, plan_id, "plan")
    assert report().address == "臺北市中正區中山南路5號"

    # Saving clears the guard: leave after a save and nobody asks.
    open_tab(page, live_url, plan_id, "school")
    address = page.get_by_label("學校地址")
    address.click()
    address.press("End")
    address.type("（南棟）")
    save(page)
    assert_saved(page, live_url, plan_id, "school")
    dialogs.clear()
    with page.expect_navigation():
        page.get_by_role("navigation", name="成果報告分頁").get_by_role(
            "link", name=TAB_LABELS["work"]
        ).click()
    assert page.url == tab_url(live_url, plan_id, "work")
    assert dialogs == []
    assert report().address == "臺北市中正區中山南路5號（南棟）"


# -- two colleagues, one tab --------------------------------------------------------------------


@pytest.fixture
def colleague(plan_id):
    """A second account of 測試學校001 (a teacher with the school role)."""
    from intl_reports.models import School
    from tests.factories import SchoolUserFactory

    return SchoolUserFactory(
        username=COLLEAGUE[0], school=School.objects.get(code="TEST_SCHOOL_001")
    )


def test_two_colleagues_saving_the_same_tab_conflict_without_losing_input(
    browser, school_page, live_url, plan_id, colleague
):
    first = school_page
    context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 900})
    try:
        second = context.new_page()
        second.set_default_timeout(10_000)
        login(second, live_url, *COLLEAGUE)
        assert second.url == f"{live_url}/service/"
        open_tab(first, live_url, plan_id, "budget")
        open_tab(second, live_url, plan_id, "budget")

        first_row = rows(first, "budget").first
        first_row.locator('input[name$="-spent"]').fill("210000")
        save(first)
        assert_saved(first, live_url, plan_id, "budget")
        assert spent_values() == [210000, 120000]

        second_row = rows(second, "budget").first
        second_row.locator('input[name$="-spent"]').fill("205000")
        second_row.get_by_label("執行說明").fill("依實際支出調整。")
        with second.expect_response(lambda r: r.request.method == "POST") as response:
            second.locator(SAVE).click()
        assert response.value.status == 409
        second.wait_for_load_state("domcontentloaded")
        message = second.locator(".messages").inner_text()
        assert "school001 已於" in message and "存檔了「3-2.經費執行情形」" in message
        assert "您的內容尚未存檔" in message
        # The second colleague's input is kept on screen, the tab is marked, nothing is saved.
        second_row = rows(second, "budget").first
        assert second_row.locator('input[name$="-spent"]').input_value() == "205000"
        assert second_row.get_by_label("執行說明").input_value() == "依實際支出調整。"
        assert second.locator(".report-tab--current .badge").inner_text() == "尚未存檔"
        assert spent_values() == [210000, 120000]
        screenshot(second, "report-conflict")

        # Saving again is a conscious choice: it replaces the colleague's version.
        save(second)
        assert_saved(second, live_url, plan_id, "budget")
        assert spent_values() == [205000, 120000]
        saved = report()
        assert saved.last_saved_by.username == COLLEAGUE[0]
        assert stream_values(saved.budget_lines)[0]["notes"] == "依實際支出調整。"
    finally:
        context.close()


# -- an expired session ---------------------------------------------------------------------------


def test_an_expired_session_keeps_the_typed_input_as_a_draft(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "outcomes")
    note = rows(page, "outcomes").first.get_by_label("質性說明")
    note.fill("登入逾時前輸入的質性說明。")
    page.locator("[data-draft-status]").filter(has_text="已在此瀏覽器暫存").wait_for()

    # The session expires on the server side: its cookie is no longer valid.
    page.context.clear_cookies(name="sessionid")
    save(page)
    assert page.url.startswith(f"{live_url}/login/?next=")
    assert "/service/reports/" in page.url and "/outcomes/" in page.url
    assert stream_values(report().outcome_checks)[0]["note"] == "已透過交流活動與成果分享檢核達成。"

    page.get_by_label("欲前往").select_option("school")
    page.get_by_label("帳號").fill("school001")
    page.get_by_label("密碼").fill("Demo-School-2023")
    with page.expect_navigation():
        page.locator(".login-box button[type=submit]").click()
    assert page.url == tab_url(live_url, plan_id, "outcomes")
    note = rows(page, "outcomes").first.get_by_label("質性說明")
    assert note.input_value() == "已透過交流活動與成果分享檢核達成。"  # the saved value
    restore = page.get_by_role("button", name="恢復未存檔的內容")
    assert restore.is_visible()
    assert page.get_by_role("region", name="尚未存檔的內容").is_visible()
    restore.click()
    assert note.input_value() == "登入逾時前輸入的質性說明。"
    assert restore.count() == 0
    save(page)
    assert_saved(page, live_url, plan_id, "outcomes")
    assert stream_values(report().outcome_checks)[0]["note"] == "登入逾時前輸入的質性說明。"
    # The draft is gone once the server has a newer save, and is not offered again.
    page.reload()
    assert page.get_by_role("button", name="恢復未存檔的內容").count() == 0
    key = page.locator("#tab-form").get_attribute("data-draft-key")
    assert page.evaluate("key => localStorage.getItem(key)", key) is None


# -- a refused save -------------------------------------------------------------------------------


def fill_invalid_budget(page):
    budget = rows(page, "budget")
    budget.first.locator('input[name$="-spent"]').fill("-100")
    budget.first.get_by_label("執行說明").fill("退款沖銷")
    budget.nth(1).locator('input[name$="-spent"]').fill("118000")
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.locator(SAVE).click()
    assert response.value.status == 422
    page.wait_for_load_state("domcontentloaded")


def test_a_refused_save_keeps_everything_and_shows_the_errors(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "budget")
    fill_invalid_budget(page)
    assert page.url == tab_url(live_url, plan_id, "budget")
    # Everything typed is still there.
    budget = rows(page, "budget")
    spent = budget.first.locator('input[name$="-spent"]')
    assert spent.input_value() == "-100"
    assert budget.first.get_by_label("執行說明").input_value() == "退款沖銷"
    assert budget.nth(1).locator('input[name$="-spent"]').input_value() == "118000"
    # The summary at the top, focused, with a link to the field.
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert summary.locator("h2").inner_text() == "資料有誤，尚未存檔（共 1 項）"
    link = summary.get_by_role("link", name="第 1 列「實支金額」：金額不可為負數。")
    assert link.get_attribute("href") == f"#{spent.get_attribute('id')}"
    assert summary.evaluate("el => el === document.activeElement")
    assert "資料有誤，尚未存檔" in page.locator(".messages").inner_text()
    # Per field, next to the input.
    field_error = budget.first.locator(".error-message")
    assert field_error.inner_text() == "金額不可為負數。"
    assert spent.get_attribute("aria-invalid") == "true"
    assert spent.get_attribute("aria-describedby") == field_error.get_attribute("id")
    # The tab is marked.
    current = page.locator(".report-tab--current")
    assert current.locator(".badge").inner_text() == "有錯誤"
    assert "report-tab--error" in current.get_attribute("class")
    # Following the summary's link reaches the field.
    link.click()
    assert spent.evaluate("el => el === document.activeElement")
    screenshot(page, "report-budget-errors")
    assert spent_values() == [200000, 120000]

    # Corrected, it saves.
    spent.fill("100")
    save(page)
    assert_saved(page, live_url, plan_id, "budget")
    assert spent_values() == [100, 118000]
    assert page.locator(".report-tab--current .badge").inner_text() != "有錯誤"
