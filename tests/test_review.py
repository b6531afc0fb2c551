"""Editors review reports: 已審閱 / 退回補正, with the e-mail and the effect on editing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intl_reports.models import OutcomeReport, ReviewDecision, ReviewState
from intl_reports.permissions import can_edit_report
from tests.factories import PlanFactory, ProgrammeFactory


@pytest.fixture
def report(school):
    plan = PlanFactory(school=school)
    return OutcomeReport.for_plan(plan)


def review_url(report):
    return reverse("intl_reports_review", args=[report.pk])


def test_accept_records_editor_and_time(editor_client, editor_user, report):
    before = timezone.now()
    response = editor_client.post(review_url(report), {"decision": "accepted", "note": "內容完整"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED
    decision = ReviewDecision.objects.get(report=report)
    assert decision.decided_by == editor_user
    assert decision.decided_at >= before
    assert decision.note == "內容完整"


def test_return_needs_a_note(editor_client, report, mailoutbox):
    response = editor_client.post(
        review_url(report), {"decision": "returned", "note": "  ", "reopen_until": ""}
    )
    assert response.status_code == 200
    assert "退回補正須填寫審閱意見" in response.content.decode()
    report.refresh_from_db()
    assert report.review_state == ReviewState.PENDING
    assert not ReviewDecision.objects.exists()
    assert mailoutbox == []


def test_return_needs_a_future_reopening(editor_client, report):
    past = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = editor_client.post(
        review_url(report), {"decision": "returned", "note": "請補照片", "reopen_until": past}
    )
    assert "請設定晚於現在" in response.content.decode()
    assert not ReviewDecision.objects.exists()


def test_return_mails_the_school_and_reopens_editing_past_the_deadline(
    editor_client, school, school_user, mailoutbox, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory(
        academic_year=111, report_deadline=timezone.now() - datetime.timedelta(days=3)
    )
    report = OutcomeReport.for_plan(PlanFactory(school=school, programme=programme))
    assert not can_edit_report(school_user, report)  # past the deadline

    reopen = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            review_url(report),
            {"decision": "returned", "note": "請補充<經費>說明", "reopen_until": reopen},
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.RETURNED
    assert can_edit_report(school_user, report)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [school.contact_email]
    assert "請補充<經費>說明" in mailoutbox[0].body
    assert "退回補正" in mailoutbox[0].subject


def test_accepting_after_returning_closes_the_reopening(editor_client, school, school_user):
    programme = ProgrammeFactory(
        academic_year=110, report_deadline=timezone.now() - datetime.timedelta(days=3)
    )
    report = OutcomeReport.for_plan(PlanFactory(school=school, programme=programme))
    reopen = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    editor_client.post(
        review_url(report), {"decision": "returned", "note": "補正", "reopen_until": reopen}
    )
    editor_client.post(review_url(report), {"decision": "accepted", "note": ""})
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED
    assert not can_edit_report(school_user, report)
    assert report.review_decisions.count() == 2


def test_the_school_sees_the_decision_on_its_report(editor_client, school_client, report):
    reopen = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    editor_client.post(
        review_url(report),
        {
            "decision": "returned",
            "note": "<script>alert(1)</script>請補照片",
            "reopen_until": reopen,
        },
    )
    page = school_client.get(
        reverse("intl_reports:report_tab", args=[report.plan_id, "school"])
    ).content.decode()
    assert "審閱結果：退回補正" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;請補照片" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("client_name", ["school_client", "authority_client", "client"])
def test_only_editors_review(request, client_name, report):
    client = request.getfixturevalue(client_name)
    response = client.post(review_url(report), {"decision": "accepted"})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    report.refresh_from_db()
    assert report.review_state == ReviewState.PENDING


def test_a_locked_report_is_read_only_for_the_school(school_user, school_client, report):
    report.locked = True
    report.save(update_fields=["locked"])
    assert not can_edit_report(school_user, report)
    page = school_client.get(reverse("intl_reports:report_tab", args=[report.plan_id, "work"]))
    assert "教育部正在審閱此成果報告" in page.content.decode()
