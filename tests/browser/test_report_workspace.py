"""The school's report workspace in Chromium: open it from the list, fill every tab, save, reload.

Shared helpers of the test_report_*.py files live here too (demo report, tab URLs, saving).
"""

import io

import pytest
from PIL import Image

from tests.browser.conftest import login, screenshot

SCHOOL = ("school001", "Demo-School-2023")
AUTHORITY = ("bear_authority", "Demo-Authority-2023")
TAB_LABELS = {
    "school": "1.學校基本資料表",
    "plan": "2.計畫基本資料表",
    "work": "3-1.工作進度",
    "budget": "3-2.經費執行情形",
    "outcomes": "4-1.成效評估",
    "assessment": "4-2.學習評量成果分析",
    "results": "4-3.執行成果",
}
SAVE = "#tab-form button[type=submit]"


# -- helpers shared by the test_report_*.py files ----------------------------------------------


@pytest.fixture
def plan_id(transactional_db):
    """The manual's demo data, visible to the live server; the demo plan's pk."""
    from intl_reports.demo import load_reports_demo
    from intl_reports.models import Plan

    load_reports_demo()
    return Plan.objects.get(serial="20230403-196").pk


@pytest.fixture
def school_page(page, live_url, plan_id):
    """The page, logged in as the demo school (one login per test)."""
    page.set_default_timeout(10_000)
    login(page, live_url, *SCHOOL)
    assert page.url == f"{live_url}/service/"
    return page


def tab_url(live_url, plan_id, tab):
    return f"{live_url}/service/reports/{plan_id}/{tab}/"


def open_tab(page, live_url, plan_id, tab):
    response = page.goto(tab_url(live_url, plan_id, tab))
    assert response.status == 200, f"{tab}: HTTP {response.status}"
    assert page.locator("#tab-heading").inner_text() == TAB_LABELS[tab]


def save(page):
    """Click the tab's own 存檔 and wait for the answer (redirect or re-shown form)."""
    with page.expect_navigation():
        page.locator(SAVE).click()
    page.wait_for_load_state("domcontentloaded")


def assert_saved(page, live_url, plan_id, tab):
    assert page.url.split("#")[0] == tab_url(live_url, plan_id, tab)
    assert page.locator(".messages").inner_text().strip() == f"「{TAB_LABELS[tab]}」已存檔。"
    assert page.locator("#error-summary").count() == 0


def report():
    from intl_reports.models import OutcomeReport, Plan

    return OutcomeReport.objects.get(plan=Plan.objects.get(serial="20230403-196"))


def stream_values(stream):
    return [child.get("value") for child in stream.raw_data]


def rows(page, prefix):
    return page.locator(f'[data-formset="{prefix}"] [data-row]')


def make_image(tmp_path, name, colour=(200, 40, 40), size=(640, 480), fmt="PNG"):
    """A generated image file for set_input_files."""
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            if (x + y) // 40 % 2:
                image.putpixel((x, y), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def upload(page, uploader, path):
    """Choose a file in one uploader and wait for the server's answer."""
    with page.expect_response(lambda r: r.url.endswith("/photos/") and r.request.method == "POST"):
        uploader.locator("[data-file]").set_input_files(str(path))
    status = uploader.locator("[data-status]")
    status.filter(has_text="上傳完成").wait_for()
    assert status.inner_text() == "上傳完成，請記得按「存檔」。"
    assert uploader.locator("[data-progress]").is_hidden()
    assert uploader.locator('input[type="hidden"][name$="-image"]').input_value().isdigit()
    assert uploader.locator("[data-preview]").is_visible()


# -- the list ------------------------------------------------------------------------------------


def test_the_school_opens_its_report_from_the_list(school_page, live_url, plan_id):
    page = school_page
    page.get_by_role("navigation", name="功能選單").get_by_role(
        "link", name="課程/國際交流 成果報告"
    ).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url == f"{live_url}/service/reports/"
    assert page.get_by_role("heading", level=1).inner_text() == "課程/國際交流 成果報告"
    row = page.locator("table.data-table tbody tr").filter(has_text="20230403-196")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[1:6] == [
        "測試學校001",
        "TEST_SCHOOL_001",
        "熊大_主管機關",
        "112年度國際交流計畫書 (20230403-196)",
        "通過",
    ]
    screenshot(page, "report-list")
    row.get_by_role("link", name="編輯").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url == tab_url(live_url, plan_id, "school")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "112學年度國際教育精進計畫 - 國際交流計畫實施成果報告"
    )
    tabs = page.get_by_role("navigation", name="成果報告分頁").get_by_role("link")
    assert [t.locator(".report-tab__label").inner_text() for t in tabs.all()] == list(
        TAB_LABELS.values()
    )
    assert tabs.first.get_attribute("aria-current") == "page"
    # Each tab link leads to its tab.
    tabs.nth(3).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url == tab_url(live_url, plan_id, "budget")
    assert page.locator("#tab-heading").inner_text() == "3-2.經費執行情形"


# -- filling every tab ----------------------------------------------------------------------------


def test_school_tab_is_filled_saved_and_kept(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "school")
    assert page.get_by_label("學校地址").input_value() == "臺北市中正區中山南路5號"
    page.get_by_label("學校地址").fill("嘉義市東區北園街1號")
    page.get_by_role("radio", name="國民中學").check()
    page.locator("#id_class_count").fill("國中部12班、高中部30班")
    page.locator("#id_contact_name").fill("林承辦")
    page.locator("#id_contact_email").fill("lin@test-school-001.example.edu.tw")
    save(page)
    assert_saved(page, live_url, plan_id, "school")

    page.reload()
    assert page.get_by_label("學校地址").input_value() == "嘉義市東區北園街1號"
    assert page.get_by_role("radio", name="國民中學").is_checked()
    assert page.locator("#id_class_count").input_value() == "國中部12班、高中部30班"
    assert page.locator("#id_contact_name").input_value() == "林承辦"
    saved = report()
    assert saved.address == "嘉義市東區北園街1號"
    assert saved.stage == "junior_high"
    assert saved.class_count == "國中部12班、高中部30班"
    assert saved.contact_email == "lin@test-school-001.example.edu.tw"
    assert saved.last_saved_by.username == "school001"


def test_plan_tab_matrix_and_partners_are_saved(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "plan")
    inbound_type = page.locator('input[name="matrix-inbound_selected"]')
    assert not inbound_type.is_checked()
    # Ticking an item ticks its exchange type.
    page.locator('input[name="matrix-inbound_items"][value="culture"]').check()
    assert inbound_type.is_checked()
    page.locator('input[name="matrix-inbound_theme"]').fill("日本姊妹校來訪文化週")
    page.locator('input[name="matrix-inbound_students"]').fill("25")
    page.locator('input[name="matrix-inbound_teachers"]').fill("3")

    partners = rows(page, "partners")
    assert partners.count() == 1
    page.locator('[data-add-row="partners"]').click()
    assert partners.count() == 2
    new = partners.nth(1)
    assert new.locator("[data-row-number]").inner_text() == "2"
    assert new.locator("select").evaluate("el => el === document.activeElement")
    new.locator("select").select_option("歐洲")
    new.locator('input[name$="-country"]').fill("德國")
    new.locator('input[name$="-school"]').fill("柏林國際學校")
    save(page)
    assert_saved(page, live_url, plan_id, "plan")

    page.reload()
    assert page.locator('input[name="matrix-inbound_selected"]').is_checked()
    assert page.locator('input[name="matrix-inbound_items"][value="culture"]').is_checked()
    assert (
        page.locator('input[name="matrix-inbound_theme"]').input_value() == "日本姊妹校來訪文化週"
    )
    assert page.locator('input[name="matrix-inbound_students"]').input_value() == "25"
    assert partners.count() == 2
    assert partners.nth(1).locator("select").input_value() == "歐洲"
    assert partners.nth(1).locator('input[name$="-school"]').input_value() == "柏林國際學校"
    saved = report()
    assert stream_values(saved.partners)[1] == {
        "region": "歐洲",
        "country": "德國",
        "school": "柏林國際學校",
    }
    inbound = [v for v in stream_values(saved.exchanges) if v["kind"] == "inbound"]
    assert inbound and inbound[0]["items"] == ["culture"] and inbound[0]["students"] == 25


def test_work_tab_rows_are_added_deleted_and_saved(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "work")
    work = rows(page, "work")
    assert work.count() == 13
    assert work.first.locator('input[name$="-item"]').input_value() == "召開計畫籌備會議"

    page.locator('[data-add-row="work"]').click()
    assert work.count() == 14
    new = work.nth(13)
    assert new.locator("[data-row-number]").inner_text() == "14"
    item = new.locator('input[name$="-item"]')
    assert item.evaluate("el => el === document.activeElement")
    item.fill("辦理成果發表會")
    new.locator('input[name$="-planned_date"]').fill("2024-06-30")
    new.locator('input[name$="-progress"]').fill("80")
    new.locator('textarea[name$="-delay_reason"]').fill("場地延後，改於七月初辦理。")

    work.first.get_by_role("button", name="刪除").click()
    assert work.count() == 13
    assert [n.inner_text() for n in work.locator("[data-row-number]").all()] == [
        str(i) for i in range(1, 14)
    ]
    assert work.first.locator('input[name$="-item"]').input_value() == "確認出訪行程與交流學校"
    save(page)
    assert_saved(page, live_url, plan_id, "work")

    page.reload()
    assert work.count() == 13
    items = [r.locator('input[name$="-item"]').input_value() for r in work.all()]
    assert "召開計畫籌備會議" not in items
    assert items[0] == "確認出訪行程與交流學校" and items[-1] == "辦理成果發表會"
    last = work.nth(12)
    assert last.locator('input[name$="-planned_date"]').input_value() == "2024-06-30"
    assert last.locator('input[name$="-progress"]').input_value() == "80"
    saved = stream_values(report().work_items)
    assert len(saved) == 13
    assert saved[-1] == {
        "item": "辦理成果發表會",
        "planned_date": "2024-06-30",
        "progress": 80,
        "delay_reason": "場地延後，改於七月初辦理。",
    }


def test_budget_tab_amounts_change_rows_and_rates(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "budget")
    budget = rows(page, "budget")
    assert budget.count() == 2
    budget.first.locator('input[name$="-approved"]').fill("207500")
    budget.first.locator('input[name$="-spent"]').fill("190000")
    page.locator('[data-add-row="budget"]').click()
    new = budget.nth(2)
    new.locator('input[name$="-item"]').fill("其他")
    new.locator('input[name$="-secondary_use"]').fill("交通費")
    new.locator('input[name$="-approved"]').fill("10000")
    new.locator('input[name$="-spent"]').fill("9000")
    new.locator('textarea[name$="-notes"]').fill("機場接送")
    # Live, before saving: 190000/207500, 9000/10000, 319000/337500.
    assert budget.first.locator("[data-row-rate]").inner_text() == "91.57%"
    assert new.locator("[data-row-rate]").inner_text() == "90.00%"
    assert page.locator("[data-approved-sum]").inner_text() == "337500"
    assert page.locator("[data-spent-sum]").inner_text() == "319000"
    assert page.locator("[data-overall-rate]").inner_text() == "94.52%"
    save(page)
    assert_saved(page, live_url, plan_id, "budget")

    page.reload()
    assert budget.count() == 3
    assert budget.first.locator('input[name$="-approved"]').input_value() == "207500"
    assert budget.nth(2).locator('input[name$="-secondary_use"]').input_value() == "交通費"
    assert [r.inner_text() for r in page.locator("[data-row-rate]").all()] == [
        "91.57%",
        "100.00%",
        "90.00%",
    ]
    assert page.locator("[data-overall-rate]").inner_text() == "94.52%"
    saved = report()
    assert [(v["approved"], v["spent"]) for v in stream_values(saved.budget_lines)] == [
        (207500, 190000),
        (120000, 120000),
        (10000, 9000),
    ]
    assert str(saved.execution_rate) == "94.52"


def test_outcomes_tab_checks_and_notes_are_saved(school_page, live_url, plan_id):
    page = school_page
    open_tab(page, live_url, plan_id, "outcomes")
    outcomes = rows(page, "outcomes")
    assert outcomes.count() == 6
    first = outcomes.first
    assert first.get_by_label("檢核勾選").is_checked()
    first.get_by_label("檢核勾選").uncheck()
    first.get_by_label("質性說明").fill("部分學生尚未完成行動方案，將於下學期追蹤。")
    outcomes.nth(5).get_by_role("button", name="刪除").click()
    assert outcomes.count() == 5
    page.locator('[data-add-row="outcomes"]').click()
    new = outcomes.nth(5)
    new.locator('input[name$="-category"]').fill("推動目標")
    new.get_by_label("預期成效").fill("學生能以英語簡報在地永續行動。")
    new.get_by_label("檢核勾選").check()
    new.get_by_label("質性說明").fill("12 位學生皆完成英語簡報。")
    save(page)
    assert_saved(page, live_url, plan_id, "outcomes")

    page.reload()
    assert outcomes.count() == 6
    assert not outcomes.first.get_by_label("檢核勾選").is_checked()
    assert outcomes.first.get_by_label("質性說明").input_value().startswith("部分學生")
    assert outcomes.nth(5).get_by_label("檢核勾選").is_checked()
    saved = stream_values(report().outcome_checks)
    assert len(saved) == 6
    assert saved[0]["achieved"] is False
    assert saved[0]["note"] == "部分學生尚未完成行動方案，將於下學期追蹤。"
    assert saved[5] == {
        "category": "推動目標",
        "expected": "學生能以英語簡報在地永續行動。",
        "achieved": True,
        "note": "12 位學生皆完成英語簡報。",
    }
    assert all("學校能持續深化" not in v["expected"] for v in saved)


def test_assessment_tab_text_and_image_are_saved(school_page, live_url, plan_id, tmp_path):
    page = school_page
    open_tab(page, live_url, plan_id, "assessment")
    assessment = rows(page, "assessment")
    assert assessment.count() == 3  # two demo rows and one empty row by default
    third = assessment.nth(2)
    third.get_by_label("文字說明").fill("量化分析：九成學生的英語口說評量達到精熟。")
    upload(page, third, make_image(tmp_path, "chart.png", colour=(20, 90, 160)))
    image_id = int(third.locator('input[name$="-image"]').input_value())
    save(page)
    assert_saved(page, live_url, plan_id, "assessment")

    page.reload()
    third = assessment.nth(2)
    assert third.get_by_label("文字說明").input_value().startswith("量化分析")
    assert third.locator('input[name$="-image"]').input_value() == str(image_id)
    preview = third.locator("[data-preview]")
    assert preview.is_visible() and preview.get_attribute("alt") == "已上傳的圖片"
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    saved = stream_values(report().assessments)
    assert saved[2] == {"text": "量化分析：九成學生的英語口說評量達到精熟。", "image": image_id}
