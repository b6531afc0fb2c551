"""Account e-mails: activation (第一次登入) and password reset (忘記密碼)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

SUBJECTS = {
    "activate": "【教育部中小學國際教育全球資訊網】帳號啟用連結",
    "reset": "【教育部中小學國際教育全球資訊網】重設密碼連結",
}
URL_NAMES = {"activate": "intl_reports:activate", "reset": "intl_reports:password_reset_confirm"}


def send_account_link(request, user, kind: str, recipient: str) -> None:
    """Mail a single-use, expiring link (Django's token generator) to `recipient`."""
    path = reverse(
        URL_NAMES[kind],
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "link": request.build_absolute_uri(path),
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    body = render_to_string(f"intl_reports/accounts/email_{kind}.txt", context)
    send_mail(SUBJECTS[kind], body, None, [recipient])
