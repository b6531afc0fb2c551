"""核章 by e-mail: a signed, expiring, single-use link confirms a sign-off.

The token carries the report, the role and the confirmation it replaces; once a confirmation
is recorded the same token no longer matches, so it cannot be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import OutcomeReport

SALT = "intl_reports.signoff"
MAX_AGE = 7 * 24 * 3600  # a week to open the mail


@dataclass(frozen=True)
class SignOffRole:
    key: str
    label: str
    name_field: str | None
    email_field: str
    confirmed_field: str


ROLES = {
    "unit_head": SignOffRole(
        "unit_head",
        "承辦單位主任核章",
        "unit_head_name",
        "unit_head_email",
        "unit_head_confirmed_at",
    ),
    "principal": SignOffRole(
        "principal", "校長核章", "principal_name", "principal_email", "principal_confirmed_at"
    ),
}


class SignOffError(Exception):
    """A Chinese message for the person who opened the link."""


def _state(report: OutcomeReport, role: SignOffRole) -> str:
    confirmed = getattr(report, role.confirmed_field)
    return confirmed.isoformat() if confirmed else "-"


def make_token(report: OutcomeReport, role: SignOffRole) -> str:
    return signing.dumps(
        {"r": report.pk, "k": role.key, "s": _state(report, role)}, salt=SALT, compress=True
    )


def read_token(token: str) -> tuple[OutcomeReport, SignOffRole]:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise SignOffError("此確認連結已過期，請學校重新寄送確認信。") from error
    except signing.BadSignature as error:
        raise SignOffError("此確認連結無效，請確認連結是否完整。") from error
    role = ROLES.get(data.get("k"))
    report = (
        OutcomeReport.objects.select_related("plan__programme").filter(pk=data.get("r")).first()
    )
    if role is None or report is None:
        raise SignOffError("此確認連結無效，請確認連結是否完整。")
    if _state(report, role) != data.get("s"):
        raise SignOffError("此確認連結已使用過；如需重新確認，請學校重新寄送確認信。")
    return report, role


def send_request(request, report: OutcomeReport, role: SignOffRole) -> str:
    recipient = getattr(report, role.email_field)
    if not recipient:
        raise SignOffError(f"請先在「1.學校基本資料表」填寫{role.label[:-2]}的Email並存檔。")
    link = request.build_absolute_uri(
        reverse("intl_reports:signoff_confirm", args=[make_token(report, role)])
    )
    body = render_to_string(
        "intl_reports/report/email_signoff.txt",
        {"report": report, "role": role, "link": link, "days": MAX_AGE // 86400},
    )
    send_mail(f"【成果報告核章確認】{report.school_name} {report.title}", body, None, [recipient])
    return recipient


def confirm(token: str) -> tuple[OutcomeReport, SignOffRole]:
    report, role = read_token(token)
    now = timezone.now()  # shown to the second; kept exact to compare with later saves
    # Compare-and-set on the previous state: two clicks at once record one confirmation.
    previous = getattr(report, role.confirmed_field)
    updated = OutcomeReport.objects.filter(pk=report.pk, **{role.confirmed_field: previous}).update(
        **{role.confirmed_field: now}
    )
    if not updated:
        raise SignOffError("此確認連結已使用過；如需重新確認，請學校重新寄送確認信。")
    setattr(report, role.confirmed_field, now)
    return report, role
