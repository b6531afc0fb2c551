"""The seven tabs of the report workspace: labels of the manual, bringing in, saving one tab
at a time, adding and deleting rows, revisions, completeness and the budget rule."""

import datetime
import re

import pytest
from django.utils import timezone

from intl_reports.models import OutcomeReport, Tab
from intl_reports.models.reference import CLASS_COUNT_HELP, STUDENT_COUNT_HELP
from tests import report_helpers
from tests.factories import SCHEDULE_ITEMS, PlanFactory
from tests.report_helpers import (
    DEMO_TITLE,
    ERROR_SUMMARY,
    assert_other_tabs_unchanged,
    full_state,
    html_of,
    post_tab,
    snapshot,
    tab_data,
    tab_url,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
demo_plan = report_helpers.demo_plan

TAB_LABELS = [label for _key, label in Tab.choices]
STAGES = ["國民小學", "國民中學", "普通型高中", "技術型高中", "綜合型高中", "單科型高中"]

LABELS = {
    "school": [
        "學校名稱",
        "學校代碼",
        "學校地址",
        "學習階段與類型",
        *STAGES,
        "學校規模",
        "班級數",
        "學生數",
        "教師數",
        CLASS_COUNT_HELP,
        STUDENT_COUNT_HELP,
        "聯絡人",
        "校長",
        "承辦單位主任核章",
        "校長核章",
        "Email",
    ],
    "plan": [
        "交流類型",
        "交流項目",
        "交流方案主題",
        "辦理規模",
        "學生數",
        "教師數",
        "一、辦理外國學校、師生來訪",
        "二、辦理本國學校、師生出訪",
        "三、辦理國際網路交流方案",
        "四、參與國際會議及競賽",
        "文化體驗",
        "課程交流",
        "姊妹校交流",
        "國際競賽/會議",
        "國際志工服務",
        "其他",
        "數位雲端國際夥伴學校方案",
        "E化互動式語言交換學習方案",
        "1.本國學校辦理國際會議或競賽",
        "2.本國學生參與國際會議或競賽",
        "國際高峰會",
        "國際論壇",
        "國際專業學習交流活動",
        "國際競賽",
        "交流地區",
        "交流國家",
        "交流學校名稱",
        "刪除",
        "新增",
    ],
    "work": [
        "(一)請依據計畫書「計畫期程」所填寫之工作項目填報執行情形。",
        "(二)表格可自行增減。",
        "工作項目",
        "預定完成日期",
        "執行進度(%)",
        "進度落後之因素及彌補作法(選填)",
        "刪除",
        "新增",
    ],
    "budget": [
        "(一)請依據計畫書「經費需求」所填寫之補(捐)助項目填報執行情形。",
        "(二)表格可自行增減。",
        "(三)請依據複審主計意見自行調整核定金額，使核定金額總額與核定計畫總額相同。",
        "核定計畫總額",
        "補(捐)助項目",
        "項目二級用途",
        "核定金額",
        "實支金額",
        "執行情形(%)",
        "執行說明",
        "經費執行率",
        "由系統自動運算，每點選存檔後將重新運算",
        "刪除",
        "新增",
    ],
    "outcomes": [
        "請針對計畫書的「預期成效」進行檢核並說明。",
        "預期成效",
        "檢核勾選",
        "質性說明",
        "刪除",
        "新增",
    ],
    "assessment": [
        "請整體分析學生的學習目標達成情形，可採量化與（或）質性分析方式呈現。",
        "文字說明",
        "圖片上傳",
        "刪除",
        "新增",
    ],
    "results": [
        "請說明執行成果之特色，並加入歷程之活動照片與說明（以6張為限）。",
        "辦理特色",
        "說明",
        "已取得家長/監護人同意",
        "新增",
    ],
}


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: no tags, no template rows, spaces collapsed."""
    html = re.sub(r"<template.*?</template>", " ", html, flags=re.S)
    html = re.sub(r"<(script|style).*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", html)
    return re.sub(r"\s+", " ", text)


# ------------------------------------------------------------------ labels


@pytest.mark.parametrize("tab", list(LABELS))
def test_each_tab_shows_the_labels_of_the_manual(school_client, own_plan, tab):
    response = school_client.get(tab_url(own_plan, tab))
    assert response.status_code == 200
    html = html_of(response)
    for label in LABELS[tab]:
        assert label in html, f"{tab}: missing {label}"
    for label in TAB_LABELS:
        assert label in html
    assert DEMO_TITLE in html
    assert "存檔" in html and "記得存檔" in html


def test_results_tab_numbers_the_photos_圖片一_to_圖片四(demo_school_client, demo_plan):
    text = visible_text(html_of(demo_school_client.get(tab_url(demo_plan, "results"))))
    for number in "一二三四":
        assert f"圖片{number}" in text
    assert "圖片五" not in text


def test_school_tab_shows_the_brought_in_basic_data(school_client, own_plan, school):
    html = html_of(school_client.get(tab_url(own_plan, "school")))
    assert school.name in html and school.code in html
    data = tab_data(school_client, own_plan, "school")
    assert data["address"] == school.address
    assert data["stage"] == "general_high"
    assert data["class_count"] == "高中部30班"
    assert data["principal_name"] == "張校長"


def test_school_tab_shows_the_demo_sign_off(demo_school_client, demo_plan):
    html = html_of(demo_school_client.get(tab_url(demo_plan, "school")))
    assert "已透過email確認 (2023-04-10 11:08:25)" in html


def test_assessment_tab_offers_three_empty_rows_by_default(school_client, own_plan):
    data = tab_data(school_client, own_plan, "assessment")
    assert data.total("assessment") == 3
    assert [row.get("text") for row in data.rows("assessment")] == ["", "", ""]


# ------------------------------------------------------------------ bringing in


def test_first_open_creates_the_report_brought_in_from_the_plan(school_client, own_plan, school):
    assert not OutcomeReport.objects.filter(plan=own_plan).exists()
    response = school_client.get(f"/service/reports/{own_plan.pk}/")
    assert response.status_code == 302
    assert response["Location"] == tab_url(own_plan, "school")
    response = school_client.get(tab_url(own_plan, "school"))
    assert response.status_code == 200
    assert DEMO_TITLE in html_of(response)

    report = OutcomeReport.objects.get(plan=own_plan)
    assert report.title == DEMO_TITLE
    assert (report.school_name, report.school_code) == (school.name, school.code)
    assert report.contact_email == school.contact_email
    assert report.approved_total == own_plan.approved_total == 337500
    values = lambda stream: [dict(child["value"]) for child in stream.raw_data]  # noqa: E731
    assert values(report.exchanges) == values(own_plan.exchanges)
    assert values(report.partners) == values(own_plan.partners)
    assert [row["item"] for row in values(report.work_items)] == SCHEDULE_ITEMS
    assert values(report.budget_lines) == values(own_plan.budget)
    assert values(report.outcome_checks) == values(own_plan.outcomes)
    assert report.last_saved_at is None


def test_opening_again_does_not_bring_in_twice(school_client, own_plan):
    school_client.get(tab_url(own_plan, "work"))
    data = tab_data(school_client, own_plan, "work")
    data["work-0-progress"] = "40"
    assert post_tab(school_client, own_plan, "work", data).status_code == 302
    own_plan.schedule = []
    own_plan.save()
    school_client.get(tab_url(own_plan, "work"))
    assert OutcomeReport.objects.filter(plan=own_plan).count() == 1
    report = OutcomeReport.objects.get(plan=own_plan)
    assert report.work_items.raw_data[0]["value"]["progress"] == 40


def test_the_plan_tab_brings_in_the_matrix_and_partners(school_client, own_plan):
    data = tab_data(school_client, own_plan, "plan")
    assert data["matrix-outbound_selected"] == "on"
    assert sorted(data["matrix-outbound_items"]) == ["contest", "sister"]
    assert data["matrix-outbound_theme"] == "永續城市與海洋保育"
    assert data["matrix-outbound_students"] == "20"
    assert "matrix-inbound_selected" not in data
    assert data.rows("partners")[0] | {"id": ""} == {
        "id": "",
        "region": "亞洲",
        "country": "菲律賓",
        "school": "宿霧建基中學",
    }


# ------------------------------------------------------------------ one tab at a time

EDITS = {
    "school": lambda d: d.update(address="臺中市西屯區臺灣大道三段99號", unit_head_name="林主任"),
    "plan": lambda d: d.update(
        {"matrix-online_selected": "on", "matrix-online_items": ["cloud_partner"]}
    ),
    "work": lambda d: d.update({"work-0-progress": "100", "work-0-planned_date": "2024-01-20"}),
    "budget": lambda d: d.update({"budget-0-spent": "200000", "budget-1-spent": "120000"}),
    "outcomes": lambda d: d.update({"outcomes-0-note": "已完成", "outcomes-0-achieved": "on"}),
    "assessment": lambda d: d.update({"assessment-0-text": "前後測平均提升 0.9 分"}),
    "results": lambda d: d.update(features="與姊妹校共同發表永續行動方案"),
}


@pytest.mark.parametrize("tab", list(EDITS))
def test_saving_one_tab_never_touches_another(school_client, own_report, tab):
    plan = own_report.plan
    before = snapshot(own_report)
    data = tab_data(school_client, plan, tab)
    EDITS[tab](data)
    response = post_tab(school_client, plan, tab, data)
    assert response.status_code == 302, html_of(response)
    assert response["Location"] == tab_url(plan, tab)
    after = snapshot(own_report)
    assert after[tab] != before[tab], "the tab's own change was not saved"
    assert_other_tabs_unchanged(before, after, tab)
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert report.version_of(tab) == 1
    assert all(report.version_of(other) == 0 for other in EDITS if other != tab)
    assert report.last_saved_tab == tab


def test_a_save_keeps_what_was_typed(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "work")
    data["work-1-progress"] = "55"
    data["work-1-delay_reason"] = "颱風停課，延後一週\n改於週末補辦"
    post_tab(school_client, plan, "work", data)
    again = tab_data(school_client, plan, "work")
    assert again["work-1-progress"] == "55"
    assert again["work-1-delay_reason"] == "颱風停課，延後一週\n改於週末補辦"
    assert again["work-1-id"] == data["work-1-id"], "the row kept its id"


def test_a_save_then_shows_a_success_message(school_client, own_report):
    data = tab_data(school_client, own_report.plan, "outcomes")
    response = school_client.post(tab_url(own_report.plan, "outcomes"), data, follow=True)
    assert "「4-1.成效評估」已存檔。" in html_of(response)


# ------------------------------------------------------------------ rows


def test_adding_a_row_with_the_next_index(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "work")
    data.add_row("work", {"item": "整體交流計畫檢討", "planned_date": "2024-07-15"})
    assert post_tab(school_client, plan, "work", data).status_code == 302
    items = [
        c["value"]["item"]
        for c in own_report.__class__.objects.get(pk=own_report.pk).work_items.raw_data
    ]
    assert items == [*SCHEDULE_ITEMS, "整體交流計畫檢討"]


def test_deleting_a_row_leaves_a_gap_in_the_indexes(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "work")
    kept_ids = [row["id"] for index, row in enumerate(data.rows("work")) if index != 1]
    data.delete_row("work", 1)
    assert data.total("work") == len(SCHEDULE_ITEMS)  # the browser leaves TOTAL_FORMS alone
    assert post_tab(school_client, plan, "work", data).status_code == 302
    raw = OutcomeReport.objects.get(pk=own_report.pk).work_items.raw_data
    assert [c["value"]["item"] for c in raw] == [SCHEDULE_ITEMS[0], *SCHEDULE_ITEMS[2:]]
    assert [c["id"] for c in raw] == kept_ids


def test_adding_and_deleting_rows_at_once_with_a_far_index(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "plan")
    data.add_row(
        "partners", {"region": "歐洲", "country": "法國", "school": "里昂國際中學"}, index=7
    )
    data.delete_row("partners", 0)
    assert data.total("partners") == 8
    assert post_tab(school_client, plan, "plan", data).status_code == 302
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert [c["value"]["country"] for c in report.partners.raw_data] == ["法國"]
    assert report.countries == "法國"


def test_budget_rows_can_be_split_keeping_the_total(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "budget")
    data["budget-0-approved"] = "200,000"  # as people type it
    data.add_row("budget", {"item": "其他", "secondary_use": "保險費", "approved": "17500"})
    assert post_tab(school_client, plan, "budget", data).status_code == 302
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert [c["value"]["approved"] for c in report.budget_lines.raw_data] == [
        200000,
        120000,
        17500,
    ]
    assert report.approved_sum == 337500


def test_an_empty_added_row_is_ignored(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "outcomes")
    data.add_row("outcomes", {"category": "", "expected": "", "note": ""})
    assert post_tab(school_client, plan, "outcomes", data).status_code == 302
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert len(report.outcome_checks.raw_data) == 2


def test_deleting_every_row(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "outcomes")
    for index in range(data.total("outcomes")):
        data.delete_row("outcomes", index)
    assert post_tab(school_client, plan, "outcomes", data).status_code == 302
    assert list(OutcomeReport.objects.get(pk=own_report.pk).outcome_checks.raw_data) == []


# ------------------------------------------------------------------ revisions and 最後存檔


def test_every_save_keeps_a_revision_with_the_user_and_time(school_client, school_user, own_report):
    plan = own_report.plan
    assert own_report.revisions.count() == 0
    for count, tab in enumerate(["school", "budget", "school"], start=1):
        start = timezone.now()
        data = tab_data(school_client, plan, tab)
        assert post_tab(school_client, plan, tab, data).status_code == 302
        report = OutcomeReport.objects.get(pk=own_report.pk)
        assert report.revisions.count() == count
        revision = report.latest_revision
        assert revision.user == school_user
        assert start <= revision.created_at <= timezone.now()
        assert report.last_saved_by == school_user
        assert start <= report.last_saved_at <= timezone.now()
    # The revision holds the saved content.
    assert revision.content["address"] == report.address


def test_最後存檔_shows_time_and_user(school_client, school_user, own_report):
    plan = own_report.plan
    assert "最後存檔：尚未存檔" in html_of(school_client.get(tab_url(plan, "work")))
    post_tab(school_client, plan, "work", tab_data(school_client, plan, "work"))
    report = OutcomeReport.objects.get(pk=own_report.pk)
    stamp = timezone.localtime(report.last_saved_at).strftime("%Y-%m-%d %H:%M:%S")
    html = html_of(school_client.get(tab_url(plan, "budget")))
    assert "最後存檔：" in html
    assert stamp in html
    assert f"（{school_user.username}）" in html


# ------------------------------------------------------------------ completeness


def test_completeness_and_tab_status_are_shown_and_follow_saves(school_client, own_report):
    plan = own_report.plan
    html = html_of(school_client.get(tab_url(plan, "work")))
    assert "完成度 29%" in html
    assert html.count("badge--done") == 2 and html.count("badge--todo") == 5

    data = tab_data(school_client, plan, "work")
    for index in range(data.total("work")):
        data[f"work-{index}-progress"] = "100"
    post_tab(school_client, plan, "work", data)
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert report.tab_status["work"] is True
    assert report.completeness == 43
    html = html_of(school_client.get(tab_url(plan, "work")))
    assert "完成度 43%" in html
    assert html.count("badge--done") == 3 and html.count("badge--todo") == 4


def test_the_list_shows_each_reports_completeness(school_client, school, own_report, demo_data):
    unopened = PlanFactory(school=school, title="北熊網路交流計畫", serial="P-OWN-9")
    html = html_of(school_client.get("/service/reports/"))
    assert "完成度" in html
    assert f'value="{own_report.completeness}"' in html
    assert f"{own_report.completeness}%" in html
    assert str(unopened) in html and "尚未開始" in html
    assert "測試學校001" not in html  # another school's report is not listed


def test_the_demo_list_shows_100_percent(demo_school_client):
    html = html_of(demo_school_client.get("/service/reports/"))
    assert "112年度國際交流計畫書 (20230403-196)" in html
    assert "100%" in html
    assert "通過" in html


# ------------------------------------------------------------------ the budget tab


def test_the_demo_budget_tab_shows_the_manuals_rates(demo_school_client, demo_plan):
    html = html_of(demo_school_client.get(tab_url(demo_plan, "budget")))
    assert re.search(r"<output data-row-rate>91\.95%</output>", html)
    assert re.search(r"<output data-row-rate>100\.00%</output>", html)
    assert re.search(r"<output data-overall-rate[^>]*>94\.81%</output>", html)
    assert 'data-approved-total="337500"' in html


def test_a_budget_save_recomputes_the_rates(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "budget")
    data["budget-0-spent"] = "200000"
    data["budget-1-spent"] = "120000"
    assert post_tab(school_client, plan, "budget", data).status_code == 302
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert str(report.execution_rate) == "94.81"
    assert report.spent_sum == 320000
    html = html_of(school_client.get(tab_url(plan, "budget")))
    assert "91.95%" in html and "100.00%" in html and "94.81%" in html


def test_a_zero_approved_row_shows_no_rate(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "budget")
    data.add_row("budget", {"item": "其他", "approved": "0", "spent": "0"})
    assert post_tab(school_client, plan, "budget", data).status_code == 302
    html = html_of(school_client.get(tab_url(plan, "budget")))
    rows = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    assert rows.count("<output data-row-rate></output>") == 1
    assert rows.count("<output data-row-rate>0.00%</output>") == 2


def test_the_sum_rule_is_refused_with_both_sums_and_nothing_saved(demo_school_client, demo_plan):
    before = full_state(demo_plan.report)
    data = tab_data(demo_school_client, demo_plan, "budget")
    data["budget-0-approved"] = "217501"
    data["budget-0-notes"] = "調整核定金額"
    response = post_tab(demo_school_client, demo_plan, "budget", data)
    assert response.status_code == 422
    html = html_of(response)
    assert ERROR_SUMMARY in html
    assert "核定金額總額（337,501 元）" in html
    assert "核定計畫總額（337,500 元）" in html
    assert 'value="217501"' in html and "調整核定金額" in html
    assert full_state(demo_plan.report) == before


def test_the_sum_rule_also_refuses_a_lower_sum(school_client, own_report):
    plan = own_report.plan
    before = full_state(own_report)
    data = tab_data(school_client, plan, "budget")
    data.delete_row("budget", 1)
    response = post_tab(school_client, plan, "budget", data)
    assert response.status_code == 422
    assert "核定金額總額（217,500 元）與核定計畫總額（337,500 元）不相同" in html_of(response)
    assert full_state(own_report) == before


def test_the_deadline_is_shown_with_the_days_left(school_client, own_report):
    own_report.plan.programme.report_deadline = timezone.now() + datetime.timedelta(days=10)
    own_report.plan.programme.save()
    html = html_of(school_client.get(tab_url(own_report.plan, "school")))
    assert "繳交期限" in html
    assert re.search(r"剩 1[01] 天", html)
