"""Deadline reminders: N days before and on the day, to incomplete reports only, never twice."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from intl_reports.models import DeadlineExtension, OutcomeReport, ReminderLog, ReminderRun
from intl_reports.reminders import send_reminders
from tests.factories import PlanFactory, ProgrammeFactory, SchoolFactory

TAIPEI = ZoneInfo("Asia/Taipei")
DEADLINE = datetime.datetime(2027, 3, 31, 23, 59, tzinfo=TAIPEI)


@pytest.fixture
def programme(db):
    return ProgrammeFactory(academic_year=115, report_deadline=DEADLINE)


def frozen(day: datetime.date):
    """Freeze the clock at noon (Taipei) of `day` for timezone.now()."""
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=TAIPEI)
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2027, 3, 24), 1),  # 7 days before
        (datetime.date(2027, 3, 25), 0),
        (datetime.date(2027, 3, 30), 1),  # 1 day before
        (datetime.date(2027, 3, 31), 1),  # the day itself
        (datetime.date(2027, 4, 1), 0),  # after the deadline
    ],
)
def test_reminder_days(programme, mailoutbox, day, expected):
    PlanFactory(programme=programme)
    with frozen(day):
        run = send_reminders(today=day)
    assert run.sent == expected
    assert len(mailoutbox) == expected


def test_idempotent_with_a_frozen_clock(programme, mailoutbox):
    plan = PlanFactory(programme=programme)
    day = datetime.date(2027, 3, 24)
    with frozen(day):
        first = send_reminders(today=day)
        second = send_reminders(today=day)
        call_command("send_deadline_reminders")
    assert (first.sent, first.skipped) == (1, 0)
    assert (second.sent, second.skipped) == (0, 1)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [plan.school.contact_email]
    assert "剩 7 天" in mailoutbox[0].subject
    assert ReminderLog.objects.count() == 1
    assert ReminderRun.objects.count() == 3  # every run is logged


def test_complete_reports_get_no_reminder(programme, mailoutbox):
    report = OutcomeReport.for_plan(PlanFactory(programme=programme))
    OutcomeReport.objects.filter(pk=report.pk).update(completeness=100)
    day = datetime.date(2027, 3, 31)
    with frozen(day):
        run = send_reminders(today=day)
    assert run.sent == 0
    assert mailoutbox == []


def test_rejected_plans_get_no_reminder(programme, mailoutbox):
    PlanFactory(programme=programme, review_result="rejected")
    day = datetime.date(2027, 3, 31)
    with frozen(day):
        assert send_reminders(today=day).sent == 0


def test_an_extension_moves_the_reminders(programme, mailoutbox):
    school = SchoolFactory()
    PlanFactory(programme=programme, school=school)
    DeadlineExtension.objects.create(
        programme=programme, school=school, deadline=DEADLINE + datetime.timedelta(days=10)
    )
    with frozen(datetime.date(2027, 3, 31)):
        assert send_reminders(today=datetime.date(2027, 3, 31)).sent == 0
    with frozen(datetime.date(2027, 4, 10)):
        assert send_reminders(today=datetime.date(2027, 4, 10)).sent == 1


def test_a_school_without_e_mail_is_counted_as_failed(programme, mailoutbox):
    PlanFactory(programme=programme, school=SchoolFactory(contact_email=""))
    day = datetime.date(2027, 3, 31)
    with frozen(day):
        run = send_reminders(today=day)
    assert (run.sent, run.failed) == (0, 1)
    assert mailoutbox == []


def test_a_mail_failure_is_retried_by_the_next_run(programme, mailoutbox):
    PlanFactory(programme=programme)
    day = datetime.date(2027, 3, 31)
    with frozen(day), mock.patch("intl_reports.reminders.send_mail", side_effect=OSError):
        failed = send_reminders(today=day)
    assert failed.failed == 1
    assert ReminderLog.objects.count() == 0  # rolled back with the failed send
    with frozen(day):
        assert send_reminders(today=day).sent == 1


def test_menu_shows_deadline_and_days_left(school_client, school):
    ProgrammeFactory(academic_year=114, report_deadline=timezone.now() + datetime.timedelta(days=9))
    PlanFactory(school=school, programme__academic_year=114)
    page = school_client.get("/service/").content.decode()
    assert "成果報告繳交期限" in page
    assert "剩 9 天" in page
