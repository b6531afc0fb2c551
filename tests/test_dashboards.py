"""填報進度統計: figures checked by hand, permissions, bounded queries, accessible SVG charts.

The scenario (`world`); P112 = 國際交流 112 and C112 = 課程 112 (deadlines passed),
P113 = 國際交流 113 (deadline ahead). Columns: programme, completeness, rate, countries,
types, review state.

北熊 ─ school (普通型高中)
       r1 P112 100%  95.00  日本,韓國  outbound,online  accepted
       r4 P113   0%  —      —          —                never saved
       C112 plan rejected (never counts)
     ─ other_school (國民小學)
       r2 P112  57%  10.00  日本       inbound          pending   → overdue
       C112 passed, never opened (deadline passed)          → overdue
       P113 passed, never opened (deadline ahead)
南熊 ─ far_school (國民中學)
       r3 P112 100% 100.00  美國       conference       accepted
       r5 P113  86% 120.50  法國,德國  outbound         returned
       r6 C112  40%  45.00  日本       online           pending (extension: not overdue)
     ─ late_school
       P112 passed, never opened                             → overdue
"""

from __future__ import annotations

import datetime
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intl_reports import charts, dashboards, permissions
from intl_reports.models import DeadlineExtension, OutcomeReport, Programme, ReviewState
from intl_reports.models.reference import SchoolStage
from tests.factories import PlanFactory, ProgrammeFactory, SchoolFactory

SERVICE_URL = "/service/dashboard/"
ADMIN_URL = "/admin/intl-reports/dashboard/"
SVG_NS = "{http://www.w3.org/2000/svg}"


def partner_rows(regions_countries):
    return [
        {"type": "partner", "value": {"region": region, "country": country, "school": "夥伴學校"}}
        for region, country in regions_countries
    ]


def make_report(
    plan,
    *,
    completeness=0,
    rate=None,
    countries="",
    types="",
    partners=(),
    state=ReviewState.PENDING,
    saved=True,
    stage=SchoolStage.GENERAL_HIGH,
    approved=337500,
    spent=0,
):
    """A report with the figures chosen, written straight into its summary columns."""
    report = OutcomeReport.for_plan(plan)
    report.completeness = completeness
    report.execution_rate = None if rate is None else Decimal(rate)
    report.countries = countries
    report.exchange_types = types
    report.partners = partner_rows(partners)
    report.review_state = state
    report.last_saved_at = timezone.now() - datetime.timedelta(days=20) if saved else None
    report.stage = stage
    report.approved_sum = approved
    report.spent_sum = spent
    report.save()
    return report


@pytest.fixture
def world(authority, other_authority, school, other_school, far_school):
    now = timezone.now()
    p112 = ProgrammeFactory(
        kind=Programme.Kind.EXCHANGE,
        academic_year=112,
        report_deadline=now - datetime.timedelta(days=10),
    )
    c112 = ProgrammeFactory(
        kind=Programme.Kind.CURRICULUM,
        academic_year=112,
        report_deadline=now - datetime.timedelta(days=5),
    )
    p113 = ProgrammeFactory(
        kind=Programme.Kind.EXCHANGE,
        academic_year=113,
        report_deadline=now + datetime.timedelta(days=60),
    )
    other_school.stage = SchoolStage.ELEMENTARY
    other_school.save()
    far_school.stage = SchoolStage.JUNIOR_HIGH
    far_school.save()
    late_school = SchoolFactory(authority=other_authority, name="南熊遲交國中", code="SOUTH_LATE")

    reports = {
        "r1": make_report(
            PlanFactory(programme=p112, school=school),
            completeness=100,
            rate="95.00",
            countries="日本,韓國",
            types="outbound,online",
            partners=[("亞洲", "日本"), ("亞洲", "韓國")],
            state=ReviewState.ACCEPTED,
            approved=337500,
            spent=320625,
        ),
        "r2": make_report(
            PlanFactory(programme=p112, school=other_school),
            completeness=57,
            rate="10.00",
            countries="日本",
            types="inbound",
            partners=[("亞洲", "日本")],
            stage=SchoolStage.ELEMENTARY,
            approved=100000,
            spent=10000,
        ),
        "r3": make_report(
            PlanFactory(programme=p112, school=far_school),
            completeness=100,
            rate="100.00",
            countries="美國",
            types="conference",
            partners=[("北美洲", "美國")],
            state=ReviewState.ACCEPTED,
            stage=SchoolStage.JUNIOR_HIGH,
            approved=200000,
            spent=200000,
        ),
        "r4": make_report(PlanFactory(programme=p113, school=school), saved=False),
        "r5": make_report(
            PlanFactory(programme=p113, school=far_school),
            completeness=86,
            rate="120.50",
            countries="法國,德國",
            types="outbound",
            partners=[("歐洲", "法國"), ("歐洲", "德國")],
            state=ReviewState.RETURNED,
            stage=SchoolStage.JUNIOR_HIGH,
        ),
        "r6": make_report(
            PlanFactory(programme=c112, school=far_school),
            completeness=40,
            rate="45.00",
            countries="日本",
            types="online",
            partners=[("亞洲", "日本")],
            stage=SchoolStage.JUNIOR_HIGH,
        ),
    }
    PlanFactory(programme=c112, school=school, review_result="rejected")
    PlanFactory(programme=c112, school=other_school)  # never opened, past deadline
    PlanFactory(programme=p113, school=other_school)  # never opened, deadline ahead
    PlanFactory(programme=p112, school=late_school)  # never opened, past deadline
    DeadlineExtension.objects.create(
        programme=c112, school=far_school, deadline=now + datetime.timedelta(days=7)
    )
    return {"reports": reports, "late_school": late_school, "p112": p112}


def everything():
    from intl_reports.models import Plan

    return OutcomeReport.objects.all(), Plan.objects.all()


# ------------------------------------------------------------------ figures


def as_tuples(rows):
    return [(r.label, r.plans, r.reports, r.started, r.complete, r.accepted) for r in rows]


def test_progress_by_programme_matches_hand_count(world):
    reports, plans = everything()
    assert as_tuples(dashboards.build(reports, plans).by_programme) == [
        ("國際交流 113", 3, 2, 1, 0, 0),
        ("國際交流 112", 4, 3, 3, 2, 2),
        ("課程 112", 2, 1, 1, 0, 0),
    ]


def test_progress_by_authority_matches_hand_count(world):
    reports, plans = everything()
    assert as_tuples(dashboards.build(reports, plans).by_authority) == [
        ("北熊_主管機關", 5, 3, 2, 1, 1),
        ("南熊_主管機關", 4, 3, 3, 1, 1),
    ]


def test_progress_without_plans_counts_reports_only(world):
    reports, _plans = everything()
    rows = dashboards.build(reports).by_programme
    assert [(r.label, r.plans, r.reports) for r in rows] == [
        ("國際交流 113", 0, 2),
        ("國際交流 112", 0, 3),
        ("課程 112", 0, 1),
    ]


def test_progress_totals(world):
    reports, plans = everything()
    total = dashboards.build(reports, plans).totals
    assert (total.plans, total.reports, total.started, total.complete, total.accepted) == (
        9,
        6,
        5,
        2,
        2,
    )


def test_execution_rate_histogram_bins_and_edges(world):
    reports, _plans = everything()
    histogram = dashboards.build(reports).histogram
    assert [label for label, _n in histogram.bins] == [
        "0–10",
        "10–20",
        "20–30",
        "30–40",
        "40–50",
        "50–60",
        "60–70",
        "70–80",
        "80–90",
        "90–100",
        ">100",
    ]
    counts = dict(histogram.bins)
    # 10.00 opens 10–20; 100.00 closes 90–100; 120.50 is >100; r4 has no rate.
    assert counts == {
        "0–10": 0,
        "10–20": 1,
        "20–30": 0,
        "30–40": 0,
        "40–50": 1,
        "50–60": 0,
        "60–70": 0,
        "70–80": 0,
        "80–90": 0,
        "90–100": 2,
        ">100": 1,
    }
    assert histogram.unrated == 1
    assert histogram.rated == 5


@pytest.mark.parametrize(
    ("rate", "label"),
    [("0.00", "0–10"), ("9.99", "0–10"), ("90.00", "90–100"), ("100.01", ">100")],
)
def test_histogram_edges(school, rate, label):
    make_report(PlanFactory(school=school), rate=rate)
    counts = dict(dashboards.build(OutcomeReport.objects.all()).histogram.bins)
    assert counts[label] == 1
    assert sum(counts.values()) == 1


def test_exchanges_by_country_region_and_type(world):
    reports, _plans = everything()
    figures = dashboards.exchange_figures(reports)
    assert figures.reports == 6
    assert figures.by_country[0] == ("日本", 3)
    assert dict(figures.by_country) == {"日本": 3, "韓國": 1, "美國": 1, "法國": 1, "德國": 1}
    # Every region of the form, in its order; a report counts once per region.
    assert figures.by_region == [
        ("亞洲", 3),
        ("歐洲", 1),
        ("北美洲", 1),
        ("中南美洲", 0),
        ("大洋洲", 0),
        ("非洲", 0),
    ]
    assert figures.by_type == [
        ("一、辦理外國學校、師生來訪", 1),
        ("二、辦理本國學校、師生出訪", 2),
        ("三、辦理國際網路交流方案", 2),
        ("四、參與國際會議及競賽", 1),
    ]


def test_overdue_schools(world):
    reports, plans = everything()
    overdue = dashboards.overdue(reports, plans)
    rows = [(r.school_code, r.programme, r.completeness) for r in overdue.rows]
    # r2 (57 %, past), other_school's unopened 課程 112, late_school's unopened 國際交流 112.
    # Not r6: its school has an extension; not r5/r4: deadline ahead; not r1/r3: complete.
    assert rows == [
        ("NORTH_002", "國際交流 112", 57),
        ("NORTH_002", "課程 112", None),
        ("SOUTH_LATE", "國際交流 112", None),
    ]
    assert overdue.school_count == 2
    assert overdue.report_count == 3 and not overdue.truncated


def test_the_overdue_table_is_capped_and_the_counts_cover_everything(world, monkeypatch):
    monkeypatch.setattr(dashboards, "OVERDUE_ROWS", 2)
    reports, plans = everything()
    overdue = dashboards.overdue(reports, plans)
    assert len(overdue.rows) == 2 and overdue.truncated
    assert (overdue.report_count, overdue.school_count) == (3, 2)


def test_a_returned_report_reopened_is_not_overdue(world):
    r2 = world["reports"]["r2"]
    r2.review_state = ReviewState.RETURNED
    r2.reopened_until = timezone.now() + datetime.timedelta(days=3)
    r2.save()
    reports, plans = everything()
    codes = [r.school_code for r in dashboards.overdue(reports, plans).rows]
    assert codes == ["NORTH_002", "SOUTH_LATE"]  # only the unopened plans remain


def test_figures_follow_the_permission_module(world, authority_user, other_authority_user):
    north = dashboards.build(
        permissions.reports_visible_to(authority_user),
        permissions.plans_visible_to(authority_user),
    )
    assert [r.label for r in north.by_authority] == ["北熊_主管機關"]
    assert dict(north.exchanges.by_country) == {"日本": 2, "韓國": 1}
    assert {r.school_code for r in north.overdue.rows} == {"NORTH_002"}
    south = dashboards.build(
        permissions.reports_visible_to(other_authority_user),
        permissions.plans_visible_to(other_authority_user),
    )
    assert [r.label for r in south.by_authority] == ["南熊_主管機關"]
    assert {r.school_code for r in south.overdue.rows} == {"SOUTH_LATE"}


def test_year_filter(world, editor_client):
    response = editor_client.get(ADMIN_URL, {"year": "113"})
    assert response.status_code == 200
    assert [r.label for r in response.context["figures"].by_programme] == ["國際交流 113"]
    # A year that is not on offer means every year.
    response = editor_client.get(ADMIN_URL, {"year": "99"})
    assert len(response.context["figures"].by_programme) == 3


def test_regions_count_once_per_report_stripped_with_unknown_ones_last(school):
    """The same on SQLite and PostgreSQL: a region named twice in a report counts once,
    spaces around it do not matter, and a region outside the form's list still counts."""
    make_report(
        PlanFactory(programme=ProgrammeFactory(academic_year=112), school=school),
        partners=[("亞洲", "日本"), (" 亞洲 ", "韓國"), ("南極洲", "南極"), ("", "未知")],
    )
    make_report(
        PlanFactory(programme=ProgrammeFactory(academic_year=113), school=school),
        partners=[("歐洲", "法國"), ("亞洲", "日本")],
    )
    figures = dashboards.exchange_figures(OutcomeReport.objects.all())
    assert figures.reports == 2
    assert figures.by_region == [
        ("亞洲", 2),
        ("歐洲", 1),
        ("北美洲", 0),
        ("中南美洲", 0),
        ("大洋洲", 0),
        ("非洲", 0),
        ("南極洲", 1),
    ]


def test_overdue_counts_with_and_without_plans(world):
    reports, plans = everything()
    with_plans = dashboards.overdue(reports, plans)
    assert (with_plans.report_count, with_plans.school_count) == (3, 2)
    reports_only = dashboards.overdue(reports)  # only r2 (NORTH_002) is late among reports
    assert (reports_only.report_count, reports_only.school_count) == (1, 1)
    assert [r.school_code for r in reports_only.rows] == ["NORTH_002"]


def test_academic_years_are_the_years_with_visible_plans(world, authority_user):
    ProgrammeFactory(academic_year=111)  # no plan: not on offer
    assert dashboards.academic_years(permissions.plans_visible_to(authority_user)) == [113, 112]
    one_year = permissions.plans_visible_to(authority_user).filter(programme__academic_year=112)
    assert dashboards.academic_years(one_year) == [112]


# ------------------------------------------------------------------ permissions


def test_anonymous_is_sent_to_login(client):
    response = client.get(SERVICE_URL)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/service/dashboard/")


def test_anonymous_is_sent_to_admin_login(client):
    response = client.get(ADMIN_URL)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_school_gets_403_on_authority_dashboard(world, school_client):
    assert school_client.get(SERVICE_URL).status_code == 403


def test_editor_does_not_use_the_service_dashboard(world, editor_client):
    assert editor_client.get(SERVICE_URL).status_code == 403


@pytest.mark.parametrize("who", ["school_client", "authority_client"])
def test_service_accounts_cannot_reach_the_admin(world, request, who):
    client = request.getfixturevalue(who)
    for url in ("/admin/", ADMIN_URL):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/admin/login/")


def test_admin_dashboard_needs_an_editor(world, django_user_model):
    """Admin access alone (say a school account someone let into the admin) is not enough."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    from tests.factories import SchoolUserFactory

    user = SchoolUserFactory(username="school_with_admin")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.force_login(user)
    assert client.get(ADMIN_URL).status_code in (302, 403)


def test_authority_sees_only_its_schools(world, authority_client):
    response = authority_client.get(SERVICE_URL)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    assert "北熊高級中學" in html and "北熊第二高級中學" in html
    for foreign in ("南熊高級中學", "南熊遲交國中", "SOUTH_001", "SOUTH_LATE", "南熊_主管機關"):
        assert foreign not in html
    assert "美國" not in html and "法國" not in html


def test_other_authority_never_sees_north(world, other_authority_client):
    html = other_authority_client.get(SERVICE_URL).content.decode()
    assert "南熊高級中學" in html
    assert "北熊高級中學" not in html and "NORTH_002" not in html


def test_authority_report_list_with_completeness_and_pdf(world, authority_client):
    response = authority_client.get(SERVICE_URL)
    html = response.content.decode()
    r1 = world["reports"]["r1"]
    assert f'href="/service/reports/{r1.plan_id}/pdf/"' in html
    plans = response.context["school_plans"]
    # Every passed plan of 北熊's schools (r1, r2, r4, two unopened), never the rejected one.
    assert len(plans) == 5
    assert all(p.school.authority.name == "北熊_主管機關" for p in plans)
    assert 'value="57"' in html and "尚未開始" in html
    for plan in plans:
        assert f"/service/reports/{plan.pk}/pdf/" in html


def test_editor_dashboard(world, editor_client):
    response = editor_client.get(ADMIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "填報進度統計" in html
    assert "北熊_主管機關" in html and "南熊_主管機關" in html
    assert "逾期未完成填報的學校（2 所）" in html
    assert "charts.css" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]


def test_superuser_sees_the_editor_dashboard(world, superuser_client):
    assert superuser_client.get(ADMIN_URL).status_code == 200


def test_menu_item_for_editors(world, editor_client):
    html = editor_client.get("/admin/").content.decode()
    # The sidebar is a JSON document in the page, with non-ASCII characters escaped.
    assert json.dumps("填報進度統計") in html
    assert '"name": "intl-reports-dashboard"' in html
    assert ADMIN_URL in html


# ------------------------------------------------------------------ queries


def _generate(count: int):
    """`count` reports over 4 authorities × 3 schools, with every figure varied."""
    from tests.factories import AuthorityFactory

    now = timezone.now()
    past = ProgrammeFactory(academic_year=111, report_deadline=now - datetime.timedelta(days=3))
    ahead = ProgrammeFactory(academic_year=114, report_deadline=now + datetime.timedelta(days=3))
    schools = [SchoolFactory(authority=AuthorityFactory()) for _ in range(4) for _ in range(3)]
    countries = ["日本", "韓國", "美國", "法國", "菲律賓"]
    for index in range(count):
        make_report(
            PlanFactory(programme=past if index % 2 else ahead, school=schools[index % 12]),
            completeness=(index * 13) % 101,
            rate=str((index * 7) % 130),
            countries=",".join(countries[: 1 + index % 5]),
            types=["inbound", "outbound,online", "conference"][index % 3],
            partners=[("亞洲", "日本"), ("歐洲", "法國")][: 1 + index % 2],
            state=[ReviewState.PENDING, ReviewState.ACCEPTED, ReviewState.RETURNED][index % 3],
        )
    PlanFactory(programme=past, school=schools[0])  # one never opened


def _count_queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


@pytest.mark.parametrize("count", [5, 200])
def test_build_runs_a_fixed_number_of_queries(db, count, django_assert_max_num_queries):
    _generate(count)
    reports, plans = everything()
    with django_assert_max_num_queries(6):
        figures = dashboards.build(reports, plans)
    assert figures.exchanges.reports == count
    assert figures.totals.reports == count


def test_pages_query_count_does_not_grow_with_reports(db, django_assert_max_num_queries):
    from django.test import Client

    from tests.factories import AuthorityUserFactory, EditorFactory

    editor = Client()
    editor.force_login(EditorFactory())
    counts = {}
    for size in (5, 200):
        _generate(5 if size == 5 else 195)
        authority = OutcomeReport.objects.first().plan.school.authority
        viewer = Client()
        viewer.force_login(AuthorityUserFactory(authority=authority))
        editor.get(ADMIN_URL), viewer.get(SERVICE_URL)  # first requests create site settings
        counts[size] = (
            _count_queries(lambda: editor.get(ADMIN_URL)),
            _count_queries(lambda viewer=viewer: viewer.get(SERVICE_URL)),
        )
        assert OutcomeReport.objects.count() == size
    assert counts[5] == counts[200], counts
    with django_assert_max_num_queries(40):
        editor.get(ADMIN_URL)


# ------------------------------------------------------------------ charts


def svgs_and_tables(html: str):
    """{chart id: (svg element, table element)} from a page, parsed as XML."""
    found = {}
    for match in re.finditer(r'<svg xmlns="http://www.w3.org/2000/svg".*?</svg>', html, re.S):
        svg = ET.fromstring(match.group(0))
        chart_id = svg.get("data-chart")
        table_match = re.search(
            rf'<table [^>]*id="{chart_id}-table".*?</table>', html[match.end() :], re.S
        )
        assert table_match, f"no data table after chart {chart_id}"
        found[chart_id] = (svg, ET.fromstring(table_match.group(0)))
    return found


def table_numbers(table) -> list[list[str]]:
    return [[td.text for td in row.findall("td")] for row in table.find("tbody").findall("tr")]


@pytest.mark.parametrize(
    ("client_name", "url"), [("editor_client", ADMIN_URL), ("authority_client", SERVICE_URL)]
)
def test_charts_are_valid_accessible_svg_with_matching_tables(world, request, client_name, url):
    html = request.getfixturevalue(client_name).get(url).content.decode()
    found = svgs_and_tables(html)
    expected = {"progress-programme", "execution-rate", "exchange-type", "exchange-region"}
    expected |= {"exchange-country"}
    if client_name == "editor_client":
        expected |= {"progress-authority"}
    assert set(found) == expected
    for chart_id, (svg, table) in found.items():
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        title = svg.find(f"{SVG_NS}title")
        desc = svg.find(f"{SVG_NS}desc")
        assert title is not None and title.text and title.get("id") == f"{chart_id}-title"
        assert desc is not None and desc.text
        assert table.find("caption").text.startswith(title.text)
        bars = [
            rect.get("data-value") for rect in svg.iter(f"{SVG_NS}rect") if rect.get("data-value")
        ]
        rows = table_numbers(table)
        n_series = int(svg.get("data-series"))
        shown = [row[-n_series:] for row in rows][: len(bars) // n_series]
        assert [value for row in shown for value in row] == bars, chart_id
        # The bar values are printed on the chart too, not only drawn.
        texts = [el.text for el in svg.iter(f"{SVG_NS}text")]
        for value in bars:
            assert any(t and t.startswith(value) for t in texts), (chart_id, value)


def test_histogram_chart_numbers(world, editor_client):
    html = editor_client.get(ADMIN_URL).content.decode()
    svg, table = svgs_and_tables(html)["execution-rate"]
    bars = [r.get("data-value") for r in svg.iter(f"{SVG_NS}rect") if r.get("data-value")]
    assert bars == ["0", "1", "0", "0", "1", "0", "0", "0", "0", "2", "1"]
    labels = [row.find("th").text for row in table.find("tbody").findall("tr")]
    assert labels[0] == "0–10%" and labels[-1] == ">100%"


def test_progress_chart_has_patterns_and_legend(world, editor_client):
    html = editor_client.get(ADMIN_URL).content.decode()
    svg, table = svgs_and_tables(html)["progress-authority"]
    patterns = list(svg.iter(f"{SVG_NS}pattern"))
    assert [p.get("id") for p in patterns] == ["progress-authority-p1", "progress-authority-p2"]
    legend = [t.text for t in svg.iter(f"{SVG_NS}text")]
    for label in ("已開始填報", "已完成填報", "已審閱"):
        assert label in legend
    headers = [th.text for th in table.find("thead").iter("th")]
    assert headers == ["主管機關", "通過計畫數", "已開始填報", "已完成填報", "已審閱"]
    assert table_numbers(table) == [["5", "2", "1", "1"], ["4", "3", "1", "1"]]


def test_pattern_ids_are_unique_on_the_page(world, editor_client):
    html = editor_client.get(ADMIN_URL).content.decode()
    ids = re.findall(r' id="([^"]+)"', html)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates


def test_chart_escapes_every_text():
    nasty = '<script>alert("x")</script>&'
    chart = charts.bar_chart(
        'Evil id"><script>', nasty, nasty, [(nasty, 3), ("日本", 1)], category_header=nasty
    )
    svg = str(chart.svg)
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    assert root.get("data-chart") == "evil-id-script"
    assert root.find(f"{SVG_NS}title").text == nasty
    assert nasty in root.find(f"{SVG_NS}desc").text


def test_chart_with_no_data_is_still_valid():
    for chart in (
        charts.bar_chart("empty", "空", "沒有資料", []),
        charts.histogram("empty-h", "空", "沒有資料", [("0–10", 0)]),
        charts.grouped_bar_chart("empty-g", "空", "沒有資料", [], []),
    ):
        root = ET.fromstring(str(chart.svg))
        assert root.get("role") == "img"
        assert chart.is_empty


def test_long_country_list_is_cut_in_the_chart_not_in_the_table():
    items = [(f"國家{i:02d}", 30 - i) for i in range(25)]
    chart = charts.bar_chart("many", "國家", "說明", items, max_bars=20)
    root = ET.fromstring(str(chart.svg))
    bars = [r for r in root.iter(f"{SVG_NS}rect") if r.get("data-value")]
    assert len(bars) == 20
    assert len(chart.rows) == 25
    assert "僅顯示前 20 項" in root.find(f"{SVG_NS}desc").text


def test_series_length_must_match_categories():
    with pytest.raises(ValueError):
        charts.grouped_bar_chart("x", "t", "d", ["a", "b"], [charts.Series("s", [1])])


def test_the_authoritys_report_table_is_paginated_keeping_the_year(authority, authority_client):
    programme = ProgrammeFactory(academic_year=113)
    for _ in range(55):
        PlanFactory(programme=programme, school=SchoolFactory(authority=authority))
    first = authority_client.get(SERVICE_URL, {"year": "113"}).content.decode()
    assert "共 55 份" in first
    assert len(re.findall(r'href="/service/reports/\d+/pdf/"', first)) == 50
    assert "?year=113&amp;page=2" in first
    second = authority_client.get(SERVICE_URL, {"year": "113", "page": "2"}).content.decode()
    assert len(re.findall(r'href="/service/reports/\d+/pdf/"', second)) == 5
    # A hostile page number falls back to a real page instead of an error.
    assert authority_client.get(SERVICE_URL, {"page": "x'--"}).status_code == 200
