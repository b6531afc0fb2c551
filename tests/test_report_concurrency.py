"""Two people editing the same report: the same tab → the second gets 409 and keeps their
input; different tabs → both saves are kept."""

import re

import pytest

from intl_reports.models import OutcomeReport
from tests import report_helpers
from tests.factories import SchoolUserFactory
from tests.report_helpers import (
    client_for,
    html_of,
    parse_tab_form,
    post_tab,
    snapshot,
    tab_data,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report


@pytest.fixture
def colleague_client(school):
    """A second account of the same school (another teacher)."""
    return client_for(SchoolUserFactory(username="north001b", school=school))


def test_the_second_save_of_the_same_tab_gets_409_and_keeps_its_input(
    school_client, colleague_client, own_report
):
    plan = own_report.plan
    first = tab_data(school_client, plan, "budget")
    second = tab_data(colleague_client, plan, "budget")

    first["budget-0-spent"] = "200000"
    first["budget-0-notes"] = "第一位老師的說明"
    assert post_tab(school_client, plan, "budget", first).status_code == 302
    saved = snapshot(own_report)

    second["budget-0-spent"] = "199999"
    second["budget-0-notes"] = "第二位老師的說明"
    response = post_tab(colleague_client, plan, "budget", second)
    assert response.status_code == 409
    html = html_of(response)
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert re.search(
        r"north001 已於 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 存檔了「3-2.經費執行情形」", html
    )
    assert "您的內容尚未存檔" in html
    # Nothing was overwritten, and the second teacher's input is still on screen.
    assert snapshot(own_report) == saved
    assert report.budget_lines.raw_data[0]["value"]["notes"] == "第一位老師的說明"
    assert 'value="199999"' in html and "第二位老師的說明" in html

    # The re-shown form carries the new version: saving it again is a conscious overwrite.
    reshown = parse_tab_form(html)
    assert reshown["version"] == str(report.version_of("budget")) == "1"
    assert reshown["budget-0-notes"] == "第二位老師的說明"
    assert post_tab(colleague_client, plan, "budget", reshown).status_code == 302
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert report.budget_lines.raw_data[0]["value"]["notes"] == "第二位老師的說明"
    assert report.budget_lines.raw_data[0]["value"]["spent"] == 199999
    assert report.version_of("budget") == 2
    assert report.last_saved_by.username == "north001b"


def test_the_same_user_in_two_browser_tabs_is_protected_too(school_client, own_report):
    plan = own_report.plan
    stale = tab_data(school_client, plan, "outcomes")
    fresh = tab_data(school_client, plan, "outcomes")
    fresh["outcomes-0-note"] = "新的"
    assert post_tab(school_client, plan, "outcomes", fresh).status_code == 302
    stale["outcomes-0-note"] = "舊的"
    assert post_tab(school_client, plan, "outcomes", stale).status_code == 409
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert report.outcome_checks.raw_data[0]["value"]["note"] == "新的"


def test_the_same_save_sent_twice_is_saved_once_and_answered_twice(school_client, own_report):
    """A double click on 存檔, or nginx replaying a save whose instance died after its commit."""
    plan = own_report.plan
    data = tab_data(school_client, plan, "budget")
    data["budget-0-spent"] = "123456"
    data.add_row("budget", {"item": "其他", "secondary_use": "保險費", "approved": "0"})
    assert post_tab(school_client, plan, "budget", data).status_code == 302
    saved = OutcomeReport.objects.get(pk=own_report.pk)
    revisions = saved.revisions.count()
    # The very same form again (the new row gets a new block id when validated again).
    assert post_tab(school_client, plan, "budget", data).status_code == 302
    again = OutcomeReport.objects.get(pk=own_report.pk)
    assert again.revisions.count() == revisions
    assert again.version_of("budget") == saved.version_of("budget") == 1
    assert list(again.budget_lines.raw_data) == list(saved.budget_lines.raw_data)


def test_a_different_save_on_the_old_version_is_still_a_conflict(
    school_client, colleague_client, own_report
):
    plan = own_report.plan
    data = tab_data(school_client, plan, "budget")
    data["budget-0-spent"] = "123456"
    assert post_tab(school_client, plan, "budget", data).status_code == 302
    data["budget-0-spent"] = "654321"  # changed after the save, on the old version
    assert post_tab(school_client, plan, "budget", data).status_code == 409
    # The same content as the last save, but sent by someone else: also a conflict.
    data["budget-0-spent"] = "123456"
    assert post_tab(colleague_client, plan, "budget", data).status_code == 409
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert report.budget_lines.raw_data[0]["value"]["spent"] == 123456


def test_saves_of_different_tabs_both_succeed_and_both_are_kept(
    school_client, colleague_client, own_report
):
    plan = own_report.plan
    work = tab_data(school_client, plan, "work")
    budget = tab_data(colleague_client, plan, "budget")
    school = tab_data(colleague_client, plan, "school")

    work["work-0-progress"] = "80"
    budget["budget-1-spent"] = "120000"
    school["unit_head_name"] = "林主任"
    assert post_tab(school_client, plan, "work", work).status_code == 302
    assert post_tab(colleague_client, plan, "budget", budget).status_code == 302
    assert post_tab(colleague_client, plan, "school", school).status_code == 302

    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert report.work_items.raw_data[0]["value"]["progress"] == 80
    assert report.budget_lines.raw_data[1]["value"]["spent"] == 120000
    assert report.unit_head_name == "林主任"
    assert report.spent_sum == 120000
    assert report.tab_versions == {"work": 1, "budget": 1, "school": 1}
    assert report.revisions.count() == 3


def test_a_stale_row_version_is_retried_not_lost(school_client, school_user, own_report):
    """Another tab saved between reading and writing: save_tab re-reads and merges."""
    from intl_reports.forms.report_tabs import TAB_FORMS
    from intl_reports.saving import save_tab

    plan = own_report.plan
    stale_report = OutcomeReport.objects.get(pk=own_report.pk)
    data = tab_data(school_client, plan, "work")
    data["work-0-progress"] = "10"
    other = tab_data(school_client, plan, "outcomes")
    other["outcomes-0-note"] = "同時存檔"
    assert post_tab(school_client, plan, "outcomes", other).status_code == 302

    form = TAB_FORMS["work"](stale_report, data)
    assert form.is_valid()
    save_tab(stale_report, form, school_user)
    report = OutcomeReport.objects.get(pk=own_report.pk)
    assert report.work_items.raw_data[0]["value"]["progress"] == 10
    assert report.outcome_checks.raw_data[0]["value"]["note"] == "同時存檔"
    assert report.row_version == 2
