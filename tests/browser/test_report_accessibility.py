"""Accessibility of the report workspace in Chromium: axe-core (WCAG 2.1 A/AA) on every page,
the read-only view of the authority, a tab filled and saved with the keyboard alone, and the
screenshots of every tab (docs/screenshots/report-*.png)."""

import pytest

from tests.browser import test_report_workspace as workspace
from tests.browser.conftest import assert_no_axe_violations, login, screenshot
from tests.browser.test_report_safety import fill_invalid_budget
from tests.browser.test_report_workspace import (
    AUTHORITY,
    SAVE,
    TAB_LABELS,
    assert_saved,
    open_tab,
    report,
    rows,
    stream_values,
    tab_url,
)

plan_id = workspace.plan_id  # the shared fixtures
school_page = workspace.school_page

SCREENSHOT_NAMES = {
    "school": "report-1-school",
    "plan": "report-2-plan",
    "work": "report-3-1-work",
    "budget": "report-3-2-budget",
    "outcomes": "report-4-1-outcomes",
    "assessment": "report-4-2-assessment",
    "results": "report-4-3-results",
}

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def test_menu_and_report_list_have_no_axe_violations(school_page, live_url):
    page = school_page
    assert page.get_by_role("navigation", name="功能選單").is_visible()
    assert_no_axe_violations(page)
    page.goto(f"{live_url}/service/reports/")
    assert page.get_by_role("link", name="編輯").first.is_visible()
    assert_no_axe_violations(page)


@pytest.mark.parametrize("tab", list(TAB_LABELS))
def test_each_tab_has_no_axe_violations(school_page, live_url, plan_id, tab):
    page = school_page
    open_tab(page, live_url, plan_id, tab)
    page.wait_for_load_state("networkidle")  # thumbnails loaded
    path = screenshot(page, SCREENSHOT_NAMES[tab])
    assert path.stat().st_size > 10_000
    assert page.locator(SAVE).is_visible()
    assert_no_axe_violations(page)


def test_budget_tab_with_validation_errors_has_no_axe_violations(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "budget")
    fill_invalid_budget(page)
    assert page.locator("#error-summary").is_visible()
    assert page.locator(".error-message").first.is_visible()
    assert_no_axe_violations(page)


def test_the_authority_sees_a_read_only_tab_without_axe_violations(page, live_url, plan_id):
    page.set_default_timeout(10_000)
    login(page, live_url, *AUTHORITY, destination="authority")
    assert page.url == f"{live_url}/service/"
    page.goto(f"{live_url}/service/reports/")
    row = page.locator("table.data-table tbody tr").filter(has_text="20230403-196")
    assert row.get_by_role("link", name="編輯").count() == 0
    row.get_by_role("link", name="檢視").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url == tab_url(live_url, plan_id, "school")
    open_tab(page, live_url, plan_id, "budget")
    banner = page.locator(".banner--readonly")
    assert banner.inner_text() == "僅供檢視：主管機關帳號僅能檢視成果報告，無法修改。"
    assert page.locator("#tab-form fieldset.tab-fields").get_attribute("disabled") is not None
    assert rows(page, "budget").first.locator('input[name$="-spent"]').is_disabled()
    assert page.locator(SAVE).count() == 0
    assert page.locator("[data-row-rate]").all_inner_texts() == ["91.95%", "100.00%"]
    assert page.locator("[data-overall-rate]").inner_text() == "94.81%"
    assert_no_axe_violations(page)


# -- the keyboard alone ---------------------------------------------------------------------------


def tab_until(page, selector, key="Tab", limit=400):
    """Press Tab (or Shift+Tab) until the focused element matches; return the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} never got the focus with {key}")


# Which order the browser's date field shows (it follows the browser's own UI language):
# typed into a scratch field, 01 02 2003 reads back as 2003-01-02 (月/日/年), 2003-02-01
# (日/月/年), or not at all (年/月/日, whose year takes up to six digits).
DATE_ORDER_PROBE = """async () => {
  const probe = document.createElement('input');
  probe.type = 'date';
  document.body.appendChild(probe);
  probe.focus();
  return probe;
}"""


def type_date(page, year, month, day):
    """Type a date into the focused date field, segment by segment, whatever its order."""
    focused = page.evaluate_handle("document.activeElement")
    page.evaluate_handle(DATE_ORDER_PROBE)
    page.keyboard.type("01022003")
    probed = page.evaluate("document.activeElement.value")
    page.evaluate("document.activeElement.remove()")
    focused.as_element().focus()
    if probed == "2003-01-02":
        page.keyboard.type(month + day + year)
    elif probed == "2003-02-01":
        page.keyboard.type(day + month + year)
    else:
        page.keyboard.type(year)
        page.keyboard.press("Tab")
        page.keyboard.type(month + day)


def assert_focus_visible(page):
    focus = page.evaluate(FOCUS_STYLE)
    assert focus["style"] != "none" and focus["width"] > 0, focus


def test_a_tab_is_filled_and_saved_with_the_keyboard_alone(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "work")
    work = rows(page, "work")
    assert work.count() == 13

    # The first Tab reaches a visible control (skip link or header), focus shown.
    page.keyboard.press("Tab")
    assert_focus_visible(page)
    tab_until(page, '[data-add-row="work"]')
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert work.count() == 14
    new = work.nth(13)
    item = new.locator('input[name$="-item"]')
    assert item.evaluate("el => el === document.activeElement")
    assert_focus_visible(page)
    page.keyboard.type("鍵盤操作新增的工作項目")

    page.keyboard.press("Tab")
    date = new.locator('input[name$="-planned_date"]')
    assert date.evaluate("el => el === document.activeElement")
    assert_focus_visible(page)
    type_date(page, "2024", "06", "30")
    assert date.input_value() == "2024-06-30"
    tab_until(page, 'input[name$="-progress"]')
    page.keyboard.type("75")
    page.keyboard.press("Tab")
    page.keyboard.type("以鍵盤填寫的說明。")
    # Back with Shift+Tab: the percentage is there, then forward again.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.name").endswith("-progress")
    assert_focus_visible(page)
    assert new.locator('input[name$="-progress"]').input_value() == "75"

    # The 刪除 button of the row, the 新增 button, then 存檔: each with a visible focus.
    tab_until(page, f"{SAVE}")
    assert_focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_saved(page, live_url, plan_id, "work")
    assert work.count() == 14
    last = work.nth(13)
    assert last.locator('input[name$="-item"]').input_value() == "鍵盤操作新增的工作項目"
    assert last.locator('input[name$="-planned_date"]').input_value() == "2024-06-30"
    saved = stream_values(report().work_items)
    assert len(saved) == 14
    assert saved[-1] == {
        "item": "鍵盤操作新增的工作項目",
        "planned_date": "2024-06-30",
        "progress": 75,
        "delay_reason": "以鍵盤填寫的說明。",
    }


def test_a_checkbox_and_a_row_deletion_with_the_keyboard(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "outcomes")
    outcomes = rows(page, "outcomes")
    achieved = outcomes.first.get_by_label("檢核勾選")
    assert achieved.is_checked()
    tab_until(page, 'input[name="outcomes-0-achieved"]')
    assert_focus_visible(page)
    page.keyboard.press("Space")
    assert not achieved.is_checked()
    # The last row's 刪除 from the bottom, backwards: Shift+Tab from the 新增 button.
    tab_until(page, '[data-add-row="outcomes"]')
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "刪除"
    page.keyboard.press("Enter")
    assert outcomes.count() == 5
    # Focus stays usable after the row is gone (moved to a neighbour or the 新增 button).
    assert page.evaluate("document.activeElement !== document.body")
    tab_until(page, SAVE)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_saved(page, live_url, plan_id, "outcomes")
    saved = stream_values(report().outcome_checks)
    assert len(saved) == 5
    assert saved[0]["achieved"] is False
