"""Review transitions of a report, with their records and e-mails.

Why not Wagtail's workflow: a report is written by schools outside the admin, tab by tab, and
every save is live (the school's own copy is the record). Wagtail's workflow moderates *draft*
revisions until a moderator publishes them, which would turn each school save into a draft
waiting for publication. Review here is a decision about a live document with a note and an
e-mail, so it is a small state machine with its own history (ReviewDecision).
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import audit
from .models import AuditAction, OutcomeReport, ReviewDecision, ReviewState


class ReviewError(ValueError):
    """A Chinese message for the editor."""


@transaction.atomic
def accept(report: OutcomeReport, editor, note: str = "", *, request=None) -> ReviewDecision:
    decision = ReviewDecision.objects.create(
        report=report, decision=ReviewState.ACCEPTED, note=note, decided_by=editor
    )
    OutcomeReport.objects.filter(pk=report.pk).update(
        review_state=ReviewState.ACCEPTED, reopened_until=None
    )
    report.review_state, report.reopened_until = ReviewState.ACCEPTED, None
    _record(decision, report, request)
    return decision


@transaction.atomic
def return_for_correction(report: OutcomeReport, editor, note: str, reopen_until, *, request=None):
    """退回補正: needs a note; reopens editing for the school until `reopen_until`."""
    if not (note or "").strip():
        raise ReviewError("退回補正須填寫審閱意見，學校才知道要補正什麼。")
    if reopen_until is None or reopen_until <= timezone.now():
        raise ReviewError("請設定晚於現在的「開放修改至」時間。")
    decision = ReviewDecision.objects.create(
        report=report,
        decision=ReviewState.RETURNED,
        note=note.strip(),
        reopen_until=reopen_until,
        decided_by=editor,
    )
    OutcomeReport.objects.filter(pk=report.pk).update(
        review_state=ReviewState.RETURNED, reopened_until=reopen_until
    )
    report.review_state, report.reopened_until = ReviewState.RETURNED, reopen_until
    _record(decision, report, request)
    recipient = report.contact_email or report.plan.school.contact_email
    if recipient:
        body = render_to_string(
            "intl_reports/report/email_returned.txt", {"report": report, "decision": decision}
        )
        transaction.on_commit(
            lambda: send_mail(
                f"【成果報告退回補正】{report.school_name} {report.title}", body, None, [recipient]
            )
        )
    return decision


def _record(decision: ReviewDecision, report: OutcomeReport, request) -> None:
    audit.record(
        AuditAction.REVIEW_DECIDED,
        request=request,
        user=decision.decided_by,
        target=report,
        decision=decision.decision,
        decision_id=decision.pk,
        reopen_until=decision.reopen_until,
    )
