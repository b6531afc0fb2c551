"""Hostile and broken input on every tab: each is refused clearly (422, the summary, the field's
message, the input re-shown) and nothing is saved; or, for markup, saved and shown escaped.
Property-based tests post random variations of every tab: never a 500, never another tab."""

import uuid
from decimal import Decimal

import pytest
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intl_reports.models import OutcomeReport, PortalImage
from tests import report_helpers
from tests.factories import PlanFactory, PortalImageFactory
from tests.report_helpers import (
    ERROR_SUMMARY,
    SCRIPT,
    SCRIPT_ESCAPED,
    TABS,
    assert_other_tabs_unchanged,
    full_state,
    html_of,
    post_tab,
    snapshot,
    tab_data,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
filled_report = report_helpers.filled_report
plan = report_helpers.filled_plan

BIG = "大" * 100_000  # 100 KB of text (300 KB in UTF-8)
AMOUNT_INVALID = "金額必須是整數（新臺幣元），不可有小數、逗號以外的符號或文字。"
PERCENT_INVALID = "執行進度必須是 0 到 100 的整數。"
DATE_INVALID = "請輸入正確的日期（年/月/日）。"
NUL_REFUSED = "不允許空（null）字元。"
NOT_OURS = "圖片不存在或不屬於本校"
INCOMPLETE_FORM = "表單資料不完整，請重新整理頁面後再試一次。"


def too_long(limit, actual):
    return f"請確認這個值至多包含 {limit} 個字 (目前為 {actual} 個字)。"


# tab -> list of (case id, {field: hostile value}, expected message)
CASES = {
    "budget": [
        ("negative", {"budget-0-approved": "-5"}, "金額不可為負數。"),
        ("negative-spent", {"budget-1-spent": "-1"}, "金額不可為負數。"),
        ("fraction", {"budget-0-approved": "217499.5"}, AMOUNT_INVALID),
        ("fraction-spent", {"budget-0-spent": "0.01"}, AMOUNT_INVALID),
        ("exponent", {"budget-0-approved": "1e20"}, AMOUNT_INVALID),
        ("huge", {"budget-0-spent": "100000000000000000000"}, "金額過大，請確認是否輸入錯誤。"),
        ("text", {"budget-0-spent": "兩萬元"}, AMOUNT_INVALID),
        ("hex", {"budget-0-spent": "0x10"}, AMOUNT_INVALID),
        ("superscript", {"budget-0-spent": "²"}, AMOUNT_INVALID),
        ("blank-approved", {"budget-0-approved": ""}, "請填寫金額。"),
        ("no-item", {"budget-0-item": ""}, "第 1 列「補(捐)助項目」：必要欄位"),
        ("big-notes", {"budget-0-notes": BIG}, too_long(5000, 100_000)),
        ("nul", {"budget-0-notes": "核銷\x00完成"}, NUL_REFUSED),
    ],
    "work": [
        ("over-100", {"work-0-progress": "101"}, PERCENT_INVALID),
        ("negative", {"work-0-progress": "-1"}, PERCENT_INVALID),
        ("fraction", {"work-0-progress": "50.5"}, PERCENT_INVALID),
        ("huge", {"work-0-progress": "1e20"}, PERCENT_INVALID),
        ("text", {"work-0-progress": "一半"}, PERCENT_INVALID),
        ("feb-30", {"work-0-planned_date": "2023-02-30"}, DATE_INVALID),
        ("year-99999", {"work-0-planned_date": "99999-01-01"}, DATE_INVALID),
        ("not-a-date", {"work-0-planned_date": "下週五"}, DATE_INVALID),
        ("no-item", {"work-1-item": ""}, "第 2 列「工作項目」：必要欄位"),
        ("big-reason", {"work-0-delay_reason": BIG}, too_long(5000, 100_000)),
        ("nul", {"work-0-item": "\x00"}, NUL_REFUSED),
    ],
    "plan": [
        ("negative", {"matrix-outbound_students": "-1"}, "人數不可為負數。"),
        ("fraction", {"matrix-outbound_teachers": "2.5"}, "人數必須是整數。"),
        ("exponent", {"matrix-outbound_students": "1e20"}, "人數必須是整數。"),
        ("huge", {"matrix-outbound_students": "100000000000000000000"}, "人數過大"),
        ("text", {"matrix-outbound_students": "二十"}, "人數必須是整數。"),
        (
            "foreign-item",
            {"matrix-outbound_items": ["contest", "cloud_partner"]},
            "所選交流項目不屬於此交流類型。",
        ),
        (
            "type-without-items",
            {"matrix-inbound_selected": "on"},
            "已勾選此交流類型，請至少勾選一項交流項目。",
        ),
        (
            "items-without-type",
            {"matrix-online_items": "cloud_partner"},
            "已勾選交流項目，請一併勾選此交流類型。",
        ),
        ("bad-region", {"partners-0-region": "火星"}, "火星 不是一個可用的選項"),
        ("big-theme", {"matrix-outbound_theme": BIG}, too_long(200, 100_000)),
        ("big-school", {"partners-0-school": BIG}, too_long(200, 100_000)),
        ("nul", {"partners-0-country": "菲\x00律賓"}, NUL_REFUSED),
    ],
    "school": [
        ("bad-email", {"contact_email": "not-an-email"}, "請輸入有效的電子郵件地址。"),
        ("bad-head-email", {"unit_head_email": "<b>@x"}, "請輸入有效的電子郵件地址。"),
        ("bad-stage", {"stage": "martian"}, "martian 不是一個可用的選項"),
        ("big-address", {"address": BIG}, too_long(200, 100_000)),
        ("big-class-count", {"class_count": BIG}, too_long(200, 100_000)),
        ("nul", {"principal_name": "張\x00校長"}, NUL_REFUSED),
    ],
    "outcomes": [
        ("no-expected", {"outcomes-0-expected": ""}, "第 1 列「預期成效」：必要欄位"),
        ("big-note", {"outcomes-0-note": BIG}, too_long(10000, 100_000)),
        ("big-category", {"outcomes-1-category": BIG}, too_long(50, 100_000)),
        ("nul", {"outcomes-0-note": "\x00"}, NUL_REFUSED),
    ],
    "assessment": [
        ("image-text", {"assessment-0-image": "abc"}, "圖片資料有誤，請重新上傳。"),
        ("image-negative", {"assessment-0-image": "-3"}, "圖片資料有誤，請重新上傳。"),
        ("image-missing", {"assessment-0-image": "999999"}, NOT_OURS),
        ("image-huge", {"assessment-0-image": "9223372036854775808"}, "請重新上傳。"),
        ("big-text", {"assessment-0-text": BIG}, too_long(20000, 100_000)),
        ("nul", {"assessment-1-text": "\x00"}, NUL_REFUSED),
    ],
    "results": [
        ("big-features", {"features": BIG}, too_long(20000, 100_000)),
        ("nul", {"features": "特色\x00"}, NUL_REFUSED),
        ("image-missing", {"photos-0-image": "999999"}, NOT_OURS),
        ("image-text", {"photos-0-image": "1 OR 1=1"}, "圖片資料有誤，請重新上傳。"),
        ("image-huge", {"photos-0-image": "100000000000000000000"}, "請重新上傳。"),
        ("photo-without-image", {"photos-0-image": ""}, "請先上傳照片。"),
        ("big-caption", {"photos-1-caption": BIG}, too_long(200, 100_000)),
    ],
}
HOSTILE = [
    pytest.param(tab, fields, message, id=f"{tab}-{case}")
    for tab, cases in CASES.items()
    for case, fields, message in cases
]


def assert_refused(response, message, before, report, shown=()):
    html = html_of(response)
    assert response.status_code == 422, response.status_code
    assert ERROR_SUMMARY in html
    assert 'id="error-summary"' in html
    assert message in html, message
    for value in shown:
        assert escape(value) in html, f"the input {value[:40]!r} is not re-shown"
    assert full_state(report) == before, "something was saved"


@pytest.mark.parametrize(("tab", "fields", "message"), HOSTILE)
def test_hostile_input_is_refused_and_nothing_saved(school_client, plan, tab, fields, message):
    report = plan.report
    before = full_state(report)
    data = tab_data(school_client, plan, tab)
    data.update(fields)
    response = post_tab(school_client, plan, tab, data)
    shown = [
        value
        for value in fields.values()
        if isinstance(value, str) and value and "\x00" not in value
    ]
    assert_refused(response, message, before, report, shown)
    # The rest of what the user typed is re-shown too, not reset to the saved values.
    html = html_of(response)
    if tab == "budget":
        assert 'value="217500"' in html or fields.get("budget-0-approved") != "217500"


def test_an_error_marks_the_tab_and_links_the_summary_to_the_field(school_client, plan):
    data = tab_data(school_client, plan, "work")
    data["work-2-progress"] = "150"
    response = post_tab(school_client, plan, "work", data)
    html = html_of(response)
    assert response.status_code == 422
    assert '<a href="#id_work-2-progress">第 3 列「執行進度(%)」：執行進度必須是 0 到 100' in html
    assert "report-tab--error" in html
    assert 'value="150"' in html


def test_one_bad_field_keeps_every_other_edit_on_screen(school_client, plan):
    before = full_state(plan.report)
    data = tab_data(school_client, plan, "budget")
    data["budget-0-notes"] = "新的執行說明，尚未存檔"
    data.add_row("budget", {"item": "新增項目", "approved": "abc"})
    response = post_tab(school_client, plan, "budget", data)
    html = html_of(response)
    assert response.status_code == 422
    assert "新的執行說明，尚未存檔" in html
    assert 'value="新增項目"' in html and 'value="abc"' in html
    assert "第 3 列「核定金額」" in html
    assert full_state(plan.report) == before


# ------------------------------------------------------------------ markup in every text field

SCRIPT_FIELDS = {
    "school": [
        "address",
        "class_count",
        "student_count",
        "teacher_count",
        "contact_name",
        "contact_phone",
        "contact_mobile",
        "principal_name",
        "principal_phone",
        "principal_mobile",
        "unit_head_name",
    ],
    "plan": ["matrix-outbound_theme", "partners-0-country", "partners-0-school"],
    "work": ["work-0-item", "work-0-delay_reason"],
    "budget": ["budget-0-item", "budget-0-secondary_use", "budget-0-notes"],
    "outcomes": ["outcomes-0-category", "outcomes-0-expected", "outcomes-0-note"],
    "assessment": ["assessment-0-text", "assessment-1-text"],
    "results": ["features", "photos-0-caption"],
}


@pytest.mark.parametrize("tab", list(SCRIPT_FIELDS))
def test_markup_in_every_text_field_is_saved_as_text_and_shown_escaped(school_client, plan, tab):
    data = tab_data(school_client, plan, tab)
    for index, name in enumerate(SCRIPT_FIELDS[tab]):
        data[name] = f"{SCRIPT}<i>{index}</i>"
    response = post_tab(school_client, plan, tab, data)
    assert response.status_code == 302, html_of(response)
    saved = tab_data(school_client, plan, tab)
    for index, name in enumerate(SCRIPT_FIELDS[tab]):
        assert saved[name] == f"{SCRIPT}<i>{index}</i>", name
    for page_tab in (tab, "school"):
        html = html_of(school_client.get(f"/service/reports/{plan.pk}/{page_tab}/"))
        assert "<script>alert" not in html
    html = html_of(school_client.get(f"/service/reports/{plan.pk}/{tab}/"))
    assert SCRIPT_ESCAPED in html
    assert "&lt;i&gt;0&lt;/i&gt;" in html


def test_markup_in_a_refused_post_is_re_shown_escaped(school_client, plan):
    data = tab_data(school_client, plan, "budget")
    data["budget-0-notes"] = SCRIPT
    data["budget-0-spent"] = "<b>x</b>"
    html = html_of(post_tab(school_client, plan, "budget", data))
    assert SCRIPT_ESCAPED in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>x</b>" not in html


# ------------------------------------------------------------------ forged row ids


@pytest.fixture
def other_report(other_school):
    return OutcomeReport.for_plan(PlanFactory(school=other_school, serial="P-SIB-9"))


def test_a_row_id_of_another_report_gets_a_fresh_id(school_client, own_report, other_report):
    plan = own_report.plan
    other_before = full_state(other_report)
    foreign_id = other_report.budget_lines.raw_data[0]["id"]
    data = tab_data(school_client, plan, "budget")
    data["budget-0-id"] = foreign_id
    data["budget-0-spent"] = "1"
    assert post_tab(school_client, plan, "budget", data).status_code == 302
    saved = OutcomeReport.objects.get(pk=own_report.pk).budget_lines.raw_data
    assert saved[0]["id"] != foreign_id
    assert uuid.UUID(saved[0]["id"])
    assert saved[0]["value"]["spent"] == 1
    assert full_state(other_report) == other_before


def test_an_invented_row_id_gets_a_fresh_id(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "work")
    data["work-0-id"] = "../../admin"
    assert post_tab(school_client, plan, "work", data).status_code == 302
    saved_id = OutcomeReport.objects.get(pk=own_report.pk).work_items.raw_data[0]["id"]
    assert saved_id != "../../admin"
    assert uuid.UUID(saved_id)


def test_a_row_id_posted_twice_does_not_give_two_rows_the_same_id(school_client, own_report):
    plan = own_report.plan
    data = tab_data(school_client, plan, "work")
    data["work-1-id"] = data["work-0-id"]
    response = post_tab(school_client, plan, "work", data)
    assert response.status_code in (302, 422)
    ids = [c["id"] for c in OutcomeReport.objects.get(pk=own_report.pk).work_items.raw_data]
    assert len(ids) == len(set(ids)), f"duplicate block ids saved: {ids}"


def test_an_overlong_row_id_is_refused_without_error(school_client, own_report):
    plan = own_report.plan
    before = full_state(own_report)
    data = tab_data(school_client, plan, "work")
    data["work-0-id"] = "x" * 5000
    response = post_tab(school_client, plan, "work", data)
    assert response.status_code == 422
    assert ERROR_SUMMARY in html_of(response)
    assert full_state(own_report) == before


# ------------------------------------------------------------------ images of another school


@pytest.mark.parametrize(
    ("tab", "field"), [("assessment", "assessment-0-image"), ("results", "photos-0-image")]
)
def test_another_schools_image_is_refused(school_client, plan, other_school, tab, field):
    foreign = PortalImageFactory(school=other_school)
    public = PortalImageFactory(school=None)
    for image in (foreign, public):
        before = full_state(plan.report)
        data = tab_data(school_client, plan, tab)
        data[field] = str(image.pk)
        response = post_tab(school_client, plan, tab, data)
        assert_refused(response, "圖片不存在或不屬於本校，請重新上傳。", before, plan.report)
    # Nor did the refused post change the foreign image.
    foreign.refresh_from_db()
    assert foreign.guardian_consent is False


def test_another_schools_image_with_consent_does_not_change_its_consent(
    school_client, plan, other_school
):
    foreign = PortalImageFactory(school=other_school, guardian_consent=False)
    data = tab_data(school_client, plan, "results")
    data["photos-0-image"] = str(foreign.pk)
    data["photos-0-consent"] = "on"
    assert post_tab(school_client, plan, "results", data).status_code == 422
    assert PortalImage.objects.get(pk=foreign.pk).guardian_consent is False


# ------------------------------------------------------------------ broken management forms

FORMSET_PREFIX = {
    "plan": "partners",
    "work": "work",
    "budget": "budget",
    "outcomes": "outcomes",
    "assessment": "assessment",
    "results": "photos",
}


@pytest.mark.parametrize("tab", list(FORMSET_PREFIX))
def test_a_missing_management_form_is_a_clear_error(school_client, plan, tab):
    prefix = FORMSET_PREFIX[tab]
    before = full_state(plan.report)
    data = tab_data(school_client, plan, tab)
    for suffix in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        del data[f"{prefix}-{suffix}"]
    response = post_tab(school_client, plan, tab, data)
    assert_refused(response, INCOMPLETE_FORM, before, plan.report)


@pytest.mark.parametrize("tab", list(FORMSET_PREFIX))
@pytest.mark.parametrize("total", ["100000", "abc", "1e9", ""])
def test_a_forged_total_forms_is_a_clear_error(school_client, plan, tab, total):
    prefix = FORMSET_PREFIX[tab]
    before = full_state(plan.report)
    data = tab_data(school_client, plan, tab)
    data[f"{prefix}-TOTAL_FORMS"] = total
    response = post_tab(school_client, plan, tab, data)
    assert response.status_code == 422
    html = html_of(response)
    assert ERROR_SUMMARY in html
    if total == "100000":
        expected = "活動照片以6張為限" if tab == "results" else "最多"
        assert expected in html
    else:
        assert INCOMPLETE_FORM in html
    assert full_state(plan.report) == before


@pytest.mark.parametrize("version", [None, "abc", "-1", "1e3"])
def test_a_missing_or_forged_version_is_refused(school_client, plan, version):
    before = full_state(plan.report)
    data = tab_data(school_client, plan, "work")
    data["work-0-progress"] = "1"
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = post_tab(school_client, plan, "work", data)
    assert response.status_code == 422
    assert ERROR_SUMMARY in html_of(response)
    assert full_state(plan.report) == before


def test_an_empty_post_saves_nothing(school_client, plan):
    before = full_state(plan.report)
    for tab in TABS:
        response = school_client.post(f"/service/reports/{plan.pk}/{tab}/", {})
        assert response.status_code == 422, tab
    assert full_state(plan.report) == before


# ------------------------------------------------------------------ photos: at most six


def test_a_7th_photo_is_refused(school_client, plan):
    school = plan.school
    extra = [PortalImageFactory(school=school) for _ in range(3)]
    before = full_state(plan.report)
    data = tab_data(school_client, plan, "results")
    assert data.total("photos") == 4
    for image in extra:
        data.add_row("photos", {"image": str(image.pk), "caption": "第七張"})
    assert data.total("photos") == 7
    response = post_tab(school_client, plan, "results", data)
    assert_refused(response, "活動照片以6張為限", before, plan.report)


def test_six_photos_are_accepted(school_client, plan):
    school = plan.school
    data = tab_data(school_client, plan, "results")
    for image in [PortalImageFactory(school=school) for _ in range(2)]:
        data.add_row("photos", {"image": str(image.pk), "caption": "更多照片"})
    assert post_tab(school_client, plan, "results", data).status_code == 302
    assert OutcomeReport.objects.get(pk=plan.report.pk).photo_count == 6


def test_replacing_one_of_six_photos_is_accepted(school_client, plan):
    """Six photos; the user deletes 圖片三 and adds a new one: the browser then posts six
    rows with a gap in the indexes (TOTAL_FORMS 7). That is six photos, not seven."""
    school = plan.school
    data = tab_data(school_client, plan, "results")
    for image in [PortalImageFactory(school=school) for _ in range(2)]:
        data.add_row("photos", {"image": str(image.pk), "caption": "更多照片"})
    assert post_tab(school_client, plan, "results", data).status_code == 302

    data = tab_data(school_client, plan, "results")
    data.delete_row("photos", 2)
    replacement = PortalImageFactory(school=school)
    data.add_row("photos", {"image": str(replacement.pk), "caption": "替換的照片"})
    response = post_tab(school_client, plan, "results", data)
    assert response.status_code == 302, "six photos with a gap were refused as seven"
    report = OutcomeReport.objects.get(pk=plan.report.pk)
    assert report.photo_count == 6
    assert report.photos.raw_data[-1]["value"]["image"] == replacement.pk


# ------------------------------------------------------------------ property-based

HOSTILE_VALUES = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e20",
        "12.5",
        "100",
        "101",
        "100000000000000000000",
        "217,500",
        "2023-02-30",
        "99999-01-01",
        "2024-01-15",
        "on",
        "亞洲",
        "outbound",
        "contest",
        SCRIPT,
        "\x00",
        "x" * 30_000,
        "999999999",
        "NaN",
        "None",
    ]
)
VALUES = st.one_of(
    HOSTILE_VALUES,
    st.text(max_size=60),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.lists(st.text(max_size=10), max_size=3),
)


@st.composite
def mutations(draw, names):
    """A few changes to a tab's POST data: new values, removed fields, extra rows."""
    changes = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(st.sampled_from(["set", "set", "set", "drop", "add"]))
        if kind == "add":
            index = draw(st.integers(min_value=0, max_value=400))
            name = draw(st.sampled_from(names))
            parts = name.split("-")
            if len(parts) == 3 and parts[1].isdigit():
                name = f"{parts[0]}-{index}-{parts[2]}"
            changes.append(("set", name, draw(VALUES)))
        else:
            changes.append((kind, draw(st.sampled_from(names)), draw(VALUES)))
    return changes


def run_property(client, plan, tab, data_strategy_names, changes, baseline):
    report = OutcomeReport.objects.get(plan=plan)
    before = snapshot(report)
    data = dict(baseline)
    data["version"] = str(report.version_of(tab))
    for kind, name, value in changes:
        if kind == "drop":
            data.pop(name, None)
        else:
            data[name] = value
    response = post_tab(client, plan, tab, data)
    assert response.status_code < 500
    assert response.status_code in (302, 409, 422), response.status_code
    assert_other_tabs_unchanged(before, snapshot(report), tab)
    if response.status_code != 302:
        assert snapshot(report) == before


PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("tab", TABS)
def test_random_posts_never_fail_nor_touch_another_tab(school_client, plan, tab):
    baseline = tab_data(school_client, plan, tab)
    names = sorted(baseline)

    @PROPERTY_SETTINGS
    @given(changes=mutations(names))
    def check(changes):
        run_property(school_client, plan, tab, names, changes, baseline)

    check()


def test_spending_far_over_the_approval_is_saved(school_client, own_plan):
    """Found by the fuzzer on PostgreSQL: a huge 實支金額 against the approved total gave a rate
    beyond the column's digits (296,296.30 %), and the save failed with a 500."""
    data = tab_data(school_client, own_plan, "budget")
    data["budget-0-spent"] = "999999999"
    assert post_tab(school_client, own_plan, "budget", data).status_code == 302
    report = OutcomeReport.objects.get(plan=own_plan)
    assert report.spent_sum >= 999_999_999
    expected = (Decimal(report.spent_sum) * 100 / report.approved_sum).quantize(Decimal("0.01"))
    assert report.execution_rate == expected > 100_000
