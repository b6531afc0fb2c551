"""Opening and saving a tab take a bounded number of queries, whatever the number of rows.

Run with `-s` to read the measured counts (the lead quotes them)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intl_reports.models import OutcomeReport
from tests import report_helpers
from tests.factories import PlanFactory, PortalImageFactory, budget_stream
from tests.report_helpers import post_tab, tab_data, tab_url

pytestmark = pytest.mark.django_db

filled_report = report_helpers.filled_report
own_report = report_helpers.own_report
own_plan = report_helpers.own_plan

# Bounds: what the pages need today plus a little headroom; the point is that they do not
# grow with the rows.
GET_BOUND = 20
POST_BOUND = 40


def budget_plan(school, rows):
    lines = [("其他", f"用途{i}", 1000 + i) for i in range(rows)]
    return PlanFactory(
        school=school,
        serial=f"P-Q-{rows}",
        budget=budget_stream(lines),
        approved_total=sum(amount for _item, _use, amount in lines),
    )


def measure(client, method, *args):
    with CaptureQueriesContext(connection) as context:
        response = getattr(client, method)(*args)
    return response, len(context.captured_queries)


MEASURED = {}


@pytest.mark.parametrize("rows", [3, 100])
def test_the_budget_tab_takes_bounded_queries(
    school_client, school, rows, django_assert_max_num_queries
):
    plan = budget_plan(school, rows)
    school_client.get(tab_url(plan, "budget"))  # first open: brings the report in

    with django_assert_max_num_queries(GET_BOUND) as get_queries:
        response = school_client.get(tab_url(plan, "budget"))
    assert response.status_code == 200
    data = tab_data(school_client, plan, "budget")
    assert data.total("budget") == rows
    for index in range(rows):
        data[f"budget-{index}-spent"] = str(500 + index)
    with django_assert_max_num_queries(POST_BOUND) as post_queries:
        response = post_tab(school_client, plan, "budget", data)
    assert response.status_code == 302
    report = OutcomeReport.objects.get(plan=plan)
    assert report.spent_sum == sum(500 + i for i in range(rows))

    MEASURED[rows] = (len(get_queries.captured_queries), len(post_queries.captured_queries))
    print(
        f"\nbudget tab with {rows} rows: GET {MEASURED[rows][0]} queries, "
        f"POST {MEASURED[rows][1]} queries"
    )


def test_budget_query_counts_do_not_grow_with_rows(school_client, school):
    counts = {}
    for rows in (3, 100):
        plan = budget_plan(school, rows)
        school_client.get(tab_url(plan, "budget"))
        _, get_count = measure(school_client, "get", tab_url(plan, "budget"))
        data = tab_data(school_client, plan, "budget")
        response, post_count = measure(school_client, "post", tab_url(plan, "budget"), data)
        assert response.status_code == 302
        counts[rows] = (get_count, post_count)
    print(f"\nbudget GET/POST queries: 3 rows {counts[3]}, 100 rows {counts[100]}")
    assert counts[3] == counts[100]


@pytest.mark.parametrize("tab", ["assessment", "results"])
def test_tabs_with_images_take_bounded_queries(
    school_client, filled_report, tab, django_assert_max_num_queries
):
    plan = filled_report.plan
    school_client.get(tab_url(plan, tab))  # renditions are made once, on the first view
    with django_assert_max_num_queries(GET_BOUND) as get_queries:
        response = school_client.get(tab_url(plan, tab))
    assert response.status_code == 200
    data = tab_data(school_client, plan, tab)
    with django_assert_max_num_queries(POST_BOUND) as post_queries:
        response = post_tab(school_client, plan, tab, data)
    assert response.status_code == 302
    print(
        f"\n{tab} tab with images: GET {len(get_queries.captured_queries)} queries, "
        f"POST {len(post_queries.captured_queries)} queries"
    )


def test_more_photos_do_not_mean_more_queries(school_client, filled_report):
    plan = filled_report.plan
    url = tab_url(plan, "results")
    # Saved once, so every measure shows 最後存檔 with its user.
    assert post_tab(school_client, plan, "results", tab_data(school_client, plan, "results"))
    school_client.get(url)
    _, get_four = measure(school_client, "get", url)
    _, post_four = measure(school_client, "post", url, tab_data(school_client, plan, "results"))
    data = tab_data(school_client, plan, "results")
    for image in [PortalImageFactory(school=plan.school) for _ in range(2)]:
        data.add_row("photos", {"image": str(image.pk), "caption": "更多"})
    assert post_tab(school_client, plan, "results", data).status_code == 302
    school_client.get(url)
    _, get_six = measure(school_client, "get", url)
    _, post_six = measure(school_client, "post", url, tab_data(school_client, plan, "results"))
    print(
        f"\nresults tab: 4 photos GET {get_four} / POST {post_four} queries, "
        f"6 photos GET {get_six} / POST {post_six} queries"
    )
    assert (get_six, post_six) == (get_four, post_four)


def test_the_report_list_takes_bounded_queries(
    school_client, school, django_assert_max_num_queries
):
    for rows in range(6):
        plan = budget_plan(school, rows + 1)
        OutcomeReport.for_plan(plan)
    with django_assert_max_num_queries(GET_BOUND) as queries:
        response = school_client.get("/service/reports/")
    assert response.status_code == 200
    print(f"\nreport list with 6 reports: {len(queries.captured_queries)} queries")


def test_a_tab_save_reads_the_report_once_and_writes_it_once(school_client, own_plan):
    """The save's whole work: the user with their membership, the report with its plan,
    programme and deadline extension, then the revision, the row pointing at it and the audit
    event, in one transaction."""
    data = tab_data(school_client, own_plan, "budget")
    data["budget-0-spent"] = "4321"
    with CaptureQueriesContext(connection) as context:
        response = post_tab(school_client, own_plan, "budget", data)
    assert response.status_code == 302
    statements = [query["sql"] for query in context.captured_queries]

    def count(prefix):
        return sum(sql.startswith(prefix) for sql in statements)

    assert not [sql for sql in statements if 'FROM "intl_reports_membership"' in sql]
    assert not [sql for sql in statements if sql.startswith('SELECT "intl_reports_deadline')]
    assert count('SELECT "intl_reports_outcomereport"') == 1
    assert count('INSERT INTO "wagtailcore_revision"') == 1
    assert count('UPDATE "intl_reports_outcomereport"') == 1
    assert count('INSERT INTO "intl_reports_auditevent"') == 1
    writes = [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(writes) == 3, writes

    report = OutcomeReport.objects.get(plan=own_plan)
    revised = json.loads(report.latest_revision.content["budget_lines"])
    assert revised[0]["value"]["spent"] == 4321
    assert report.budget_lines.raw_data[0]["value"]["spent"] == 4321


def test_report_stream_fields_keep_their_json_field_and_their_migrations():
    field = OutcomeReport._meta.get_field("budget_lines")
    assert field.json_field is field.json_field  # built once, not at every value read
    assert field.deconstruct()[1] == "wagtail.fields.StreamField"
