"""Reminder e-mails to schools whose reports are incomplete, N days before the deadline and
on the day. Idempotent: a unique row per plan, day and deadline is written before sending."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import DeadlineExtension, Plan, ReminderLog, ReminderRun
from .models.report import latest_deadline

logger = logging.getLogger(__name__)


def reminder_days() -> list[int]:
    """Days before the deadline to remind on; 0 is the day itself (always included)."""
    days = set(getattr(settings, "REPORT_REMINDER_DAYS", [7, 1]))
    days.add(0)
    return sorted(days, reverse=True)


def effective_deadlines(plans) -> dict[int, datetime.datetime]:
    extensions = {
        (e.programme_id, e.school_id): e.deadline
        for e in DeadlineExtension.objects.filter(
            programme_id__in={p.programme_id for p in plans},
            school_id__in={p.school_id for p in plans},
        )
    }
    return {
        plan.pk: latest_deadline(
            plan.programme.report_deadline,
            extensions.get((plan.programme_id, plan.school_id)),
            plan.report_or_none,
        )
        for plan in plans
    }


def send_reminders(today: datetime.date | None = None) -> ReminderRun:
    today = today or timezone.localdate()
    run = ReminderRun.objects.create()
    days = reminder_days()
    # Deadlines still ahead (extensions and reopenings may move them by months, not years).
    recent = timezone.now() - datetime.timedelta(days=365)
    plans = list(
        Plan.objects.passed()
        .filter(Q(programme__report_deadline__gte=recent) | Q(report__reopened_until__gte=recent))
        .select_related("programme", "school", "report")
    )
    deadlines = effective_deadlines(plans)
    for plan in plans:
        report = plan.report_or_none
        if report is not None and report.completeness >= 100:
            continue
        deadline_day = timezone.localtime(deadlines[plan.pk]).date()
        days_before = (deadline_day - today).days
        if days_before not in days:
            continue
        recipient = plan.school.contact_email
        if not recipient:
            logger.warning("No contact e-mail for school %s: reminder not sent", plan.school.code)
            run.failed += 1
            continue
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    plan=plan,
                    days_before=days_before,
                    deadline=deadline_day,
                    recipient=recipient,
                    run=run,
                )
                _send(plan, report, deadline_day, days_before, recipient)
        except IntegrityError:
            run.skipped += 1  # sent already, by this or an earlier run
            continue
        except Exception:  # a mail server error: the log row is rolled back, retried next run
            logger.exception("Reminder to %s failed", recipient)
            run.failed += 1
            continue
        run.sent += 1
    run.finished_at = timezone.now()
    run.save()
    logger.info("Reminders: sent %s, skipped %s, failed %s", run.sent, run.skipped, run.failed)
    return run


def _send(plan, report, deadline_day, days_before, recipient):
    context = {
        "plan": plan,
        "report": report,
        "deadline": deadline_day,
        "days_before": days_before,
        "completeness": report.completeness if report else 0,
        "title": plan.programme.report_title,
    }
    when = "今天截止" if days_before == 0 else f"剩 {days_before} 天"
    send_mail(
        f"【成果報告繳交提醒】{plan.school.name}（{when}）",
        render_to_string("intl_reports/report/email_reminder.txt", context),
        None,
        [recipient],
    )
