"""Reports in the Wagtail admin: list, filters, search, sorting, export, edit safety."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from intl_reports.models import OutcomeReport, ReviewState
from tests.factories import PlanFactory, SchoolFactory, budget_stream

LIST_URL = "/admin/intl-reports/reports/"


@pytest.fixture
def reports(school, far_school):
    own = OutcomeReport.for_plan(PlanFactory(school=school))
    far = OutcomeReport.for_plan(PlanFactory(school=far_school))
    OutcomeReport.objects.filter(pk=own.pk).update(completeness=100, execution_rate=80)
    OutcomeReport.objects.filter(pk=far.pk).update(
        completeness=40, execution_rate=20, review_state=ReviewState.ACCEPTED
    )
    return {"own": own, "far": far}


def listing(response) -> str:
    """The rows of the listing table (filters elsewhere on the page name schools too)."""
    page = response.content.decode()
    start = page.find("<tbody", page.find('class="listing'))
    return page[start : page.find("</tbody>", start)] if start != -1 else ""


def names(response):
    rows = listing(response)
    return [name for name in ("北熊高級中學", "南熊高級中學") if name in rows]


def test_list_and_filters(editor_client, reports, authority):
    assert names(editor_client.get(LIST_URL)) == ["北熊高級中學", "南熊高級中學"]
    assert names(editor_client.get(LIST_URL, {"authority": authority.pk})) == ["北熊高級中學"]
    assert names(editor_client.get(LIST_URL, {"review_state": "accepted"})) == ["南熊高級中學"]
    assert names(editor_client.get(LIST_URL, {"completeness_state": "complete"})) == [
        "北熊高級中學"
    ]
    assert names(editor_client.get(LIST_URL, {"deadline_state": "past"})) == []
    assert names(editor_client.get(LIST_URL, {"academic_year": 112})) == [
        "北熊高級中學",
        "南熊高級中學",
    ]


def test_search_by_name_or_code(editor_client, reports):
    assert names(editor_client.get(LIST_URL, {"q": "SOUTH_001"})) == ["南熊高級中學"]
    assert names(editor_client.get(LIST_URL, {"q": "北熊"})) == ["北熊高級中學"]


def test_sorting_by_execution_rate(editor_client, reports):
    page = listing(editor_client.get(LIST_URL, {"ordering": "execution_rate"}))
    assert page.index("南熊高級中學") < page.index("北熊高級中學")
    page = listing(editor_client.get(LIST_URL, {"ordering": "-execution_rate"}))
    assert page.index("北熊高級中學") < page.index("南熊高級中學")


def test_csv_export_follows_the_filter_with_bom_and_no_formulas(editor_client, authority):
    school = SchoolFactory(authority=authority, name='=HYPERLINK("http://evil")', code="EVIL")
    OutcomeReport.for_plan(PlanFactory(school=school))
    response = editor_client.get(LIST_URL, {"export": "csv", "authority": authority.pk})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["學校名稱", "學校代碼", "主管機關"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert len(rows) == 2


def test_xlsx_export(editor_client, reports):
    response = editor_client.get(LIST_URL, {"export": "xlsx"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert values[0][0] == "學校名稱"
    assert {row[0] for row in values[1:]} == {"北熊高級中學", "南熊高級中學"}


@pytest.mark.parametrize("client_name", ["school_client", "authority_client"])
def test_schools_and_authorities_never_reach_the_admin(request, client_name, reports):
    client = request.getfixturevalue(client_name)
    for url in (LIST_URL, f"{LIST_URL}?export=csv", reverse("intl_reports_review", args=[1])):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert b"\xe5\x8c\x97\xe7\x86\x8a\xe9\xab\x98" not in b"".join(  # 北熊高
            getattr(response, "streaming_content", [response.content])
        )


def test_admin_edit_page_opens(editor_client, reports):
    report = reports["own"]
    response = editor_client.get(f"{LIST_URL}edit/{report.pk}/")
    assert response.status_code == 200
    assert "3-2.經費執行情形" in response.content.decode()


def _admin_form(report, data):
    from intl_reports.viewsets import OutcomeReportViewSet

    form_class = OutcomeReportViewSet().get_edit_handler().get_form_class()
    return form_class(data, instance=report, for_user=None)


def _admin_post_data(report, opened_row_version, budget_lines=()):
    """What the admin's edit form posts (Wagtail's own test helpers build the stream fields)."""
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    from intl_reports.reporting import TAB_FIELDS

    data = {name: getattr(report, name) or "" for name in TAB_FIELDS["school"]}
    data.update(
        opened_row_version=opened_row_version,
        approved_total=report.approved_total,
        features="",
        exchanges=streamfield([]),
        partners=streamfield([]),
        work_items=streamfield([]),
        budget_lines=streamfield([("budget_line", line) for line in budget_lines]),
        outcome_checks=streamfield([]),
        assessments=streamfield([]),
        photos=streamfield([]),
    )
    return nested_form_data(data)


def test_admin_edit_refuses_to_overwrite_a_newer_school_save(reports):
    report = OutcomeReport.objects.get(pk=reports["own"].pk)
    opened = report.row_version
    OutcomeReport.objects.filter(pk=report.pk).update(row_version=opened + 1)  # a school save
    form = _admin_form(report, _admin_post_data(report, opened))
    assert not form.is_valid()
    assert "學校在您開啟此頁後已存檔了成果報告" in str(form.non_field_errors())


def test_admin_save_recomputes_and_bumps_every_tab_version(reports):
    report = OutcomeReport.objects.get(pk=reports["own"].pk)
    before = {tab: report.version_of(tab) for tab in ("school", "budget", "results")}
    opened = report.row_version
    line = {"item": "其他", "secondary_use": "", "approved": 337500, "spent": 300000, "notes": ""}
    form = _admin_form(report, _admin_post_data(report, report.row_version, [line]))
    assert form.is_valid(), form.errors
    form.save()
    saved = OutcomeReport.objects.get(pk=report.pk)
    assert str(saved.execution_rate) == "88.89"
    assert saved.spent_sum == 300000
    assert all(saved.version_of(tab) == before[tab] + 1 for tab in before)
    assert saved.row_version == opened + 1


def test_budget_lines_export_follows_the_filter(editor_client, reports, authority):
    url = reverse("intl_reports_budget_lines_export", args=["csv"])
    response = editor_client.get(url, {"authority": authority.pk})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:6] == ["學年度", "計畫類別", "主管機關", "學校名稱", "學校代碼", "#"]
    assert [row[3] for row in rows[1:]] == ["北熊高級中學", "北熊高級中學"]  # two budget lines
    assert [row[8] for row in rows[1:]] == ["217500", "120000"]


def test_budget_lines_xlsx_writes_formula_like_texts_as_text(editor_client, authority):
    school = SchoolFactory(authority=authority, name='=HYPERLINK("http://evil")', code="EVIL")
    lines = [("+cmd|' /C calc'!A0", "@SUM(1)", 1000), ("-2+3", "=1+1", 2000)]
    OutcomeReport.for_plan(PlanFactory(school=school, budget=budget_stream(lines)))
    url = reverse("intl_reports_budget_lines_export", args=["xlsx"])
    sheet = load_workbook(io.BytesIO(editor_client.get(url).content)).active
    cells = [row[3:8] for row in sheet.iter_rows(min_row=2)]
    texts = [cell for row in cells for cell in row if isinstance(cell.value, str)]
    assert {cell.data_type for cell in texts} == {"s"}  # no formula anywhere
    assert [cell.value for cell in cells[0]] == [
        '\'=HYPERLINK("http://evil")',
        "EVIL",
        1,
        "'+cmd|' /C calc'!A0",
        "'@SUM(1)",
    ]
    assert [cell.value for cell in cells[1][3:]] == ["'-2+3", "'=1+1"]


def test_budget_lines_xlsx_and_permissions(editor_client, school_client, reports):
    url = reverse("intl_reports_budget_lines_export", args=["xlsx"])
    workbook = load_workbook(io.BytesIO(editor_client.get(url).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][6] == "補(捐)助項目"
    assert len(rows) == 5  # header + two lines for each of the two reports
    assert school_client.get(url).status_code in (302, 403)
