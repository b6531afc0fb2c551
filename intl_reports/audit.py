"""The audit log: who did what, when and from where.

`record()` is the one way to write an event. Call it only after the action succeeded, inside the
action's transaction where there is one, so a rolled-back action leaves no event. Sign-ins,
lockouts and publishing are recorded by the signal receivers connected in
`IntlReportsConfig.ready()`. Never pass passwords, tokens or file contents as details.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

# Imported before our receivers are connected, so that axes' own user_login_failed receiver
# runs before ours (receivers run in connection order) and has flagged a lockout on the request.
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from wagtail import hooks
from wagtail.log_actions import get_active_log_context
from wagtail.signals import page_published, page_unpublished

from .models import AuditAction, AuditEvent, Membership, Role

USER_AGENT_MAX = AuditEvent._meta.get_field("user_agent").max_length
TARGET_REPR_MAX = AuditEvent._meta.get_field("target_repr").max_length
# Defence in depth: details with these words in their name are never stored.
SECRET_WORDS = ("password", "token", "secret", "passwd")
REQUEST_USER = object()  # record()'s default: whoever is signed in on the request


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry that the nearest of
    `AUDIT_TRUSTED_PROXY_COUNT` trusted proxies saw (0, the default, trusts no header: anyone
    can send one)."""
    meta = getattr(request, "META", {})
    remote = _valid_ip(meta.get("REMOTE_ADDR"))
    proxies = settings.AUDIT_TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if hops:
            # Each proxy appends the address it received from; entries further left than the
            # outermost trusted proxy's were written by the client and prove nothing.
            return _valid_ip(hops[max(len(hops) - proxies, 0)]) or remote
    return remote


def _school_of(target, user):
    if target is not None:
        if getattr(target, "school_id", None):
            return target.school_id
        plan = getattr(target, "plan", None)
        if plan is not None and getattr(plan, "school_id", None):
            return plan.school_id
    if user is not None:
        # A plain query: permissions.school_of() would cache the membership on a user object
        # that the caller may still be changing.
        memberships = Membership.objects.filter(user=user, role=Role.SCHOOL)
        return memberships.values_list("school_id", flat=True).first()
    return None


def _without_secrets(details: dict) -> dict:
    return {
        key: value
        for key, value in details.items()
        if not any(word in key.lower() for word in SECRET_WORDS)
    }


def record(
    action: str,
    *,
    request=None,
    user=REQUEST_USER,
    target=None,
    school=None,
    username: str | None = None,
    **details,
) -> AuditEvent:
    """Write one audit event. `user` defaults to the request's user; `school` to the target's
    (or the user's) school; `username` to the user's, and is the name as typed for sign-ins."""
    if user is REQUEST_USER:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if username is None:
        username = user.get_username() if user is not None else ""
    if school is None:
        school_id = _school_of(target, user)
    else:
        school_id = getattr(school, "pk", school)
    event = AuditEvent(
        action=action,
        user=user,
        username=username[:150],
        school_id=school_id,
        details=_without_secrets(details),
    )
    if request is not None:
        event.ip_address = client_ip(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    if target is not None:
        event.target_content_type = ContentType.objects.get_for_model(target)
        event.target_object_id = str(target.pk)
        event.target_repr = str(target)[:TARGET_REPR_MAX]
    event.save()
    return event


def record_export(request, what: str, file_format: str, rows: int | None, **details):
    """An export of `rows` rows (None: not known before streaming) of `what`, a Chinese label;
    the filter is the query string."""
    filters = {key: value for key, value in request.GET.lists() if key != "export"}
    return record(
        AuditAction.EXPORTED,
        request=request,
        export=what,
        format=file_format,
        rows=rows,
        filters=filters,
        **details,
    )


class AuditedSpreadsheetExportMixin:
    """For Wagtail index views: their CSV/XLSX export of the current filter is audited."""

    audit_export_label = ""

    def as_spreadsheet(self, queryset, spreadsheet_format):
        response = super().as_spreadsheet(queryset, spreadsheet_format)
        if response is not None:
            label = self.audit_export_label or str(self.model._meta.verbose_name_plural)
            record_export(self.request, label, spreadsheet_format, queryset.count())
        return response


# --- Sign-in -----------------------------------------------------------------------------------


def _account(username: str | None):
    """The account a sign-in attempt named, if it exists."""
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def _on_logged_in(sender, request, user, **kwargs):
    record(AuditAction.LOGIN, request=request, user=user, path=getattr(request, "path", ""))


def _on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditAction.LOGOUT, request=request, user=user)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "_audit_locked_out_recorded", False):
        return  # this attempt was recorded as a lockout already
    typed = credentials.get(get_user_model().USERNAME_FIELD) or ""
    record(
        AuditAction.LOGIN_FAILED,
        request=request,
        user=_account(typed),
        username=typed,
        path=getattr(request, "path", ""),
    )


def _on_locked_out(sender, request=None, username=None, **kwargs):
    """django-axes: the attempt that locks the account, and each attempt while it is locked."""
    record(
        AuditAction.LOCKED_OUT,
        request=request,
        user=_account(username),
        username=username or "",
        failures=getattr(request, "axes_failures_since_start", None),
    )
    if request is not None:
        request._audit_locked_out_recorded = True


# --- Publishing --------------------------------------------------------------------------------

# The admin request publishing a page, keyed by the page, so the signal receiver knows where the
# editor was; publishing without a request (scheduled, programmatic) is recorded without one.
_publishing: ContextVar[tuple[int, object] | None] = ContextVar("audit_publishing", default=None)


def _remember_request(request, page):
    _publishing.set((page.pk, request))


def _forget_request(request, page):
    _publishing.set(None)


def _request_publishing(page):
    current = _publishing.get()
    return current[1] if current and current[0] == page.pk else None


def _publisher(revision=None):
    return get_active_log_context().user or (revision.user if revision is not None else None)


def _on_page_published(sender, instance, revision=None, **kwargs):
    record(
        AuditAction.PAGE_PUBLISHED,
        request=_request_publishing(instance),
        user=_publisher(revision),
        target=instance,
        revision=revision.pk if revision is not None else None,
    )


def _on_page_unpublished(sender, instance, **kwargs):
    record(
        AuditAction.PAGE_UNPUBLISHED,
        request=_request_publishing(instance),
        user=_publisher(),
        target=instance,
    )


def connect_receivers():
    """Called once from IntlReportsConfig.ready()."""
    user_logged_in.connect(_on_logged_in, dispatch_uid="audit_logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="audit_logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="audit_locked_out")
    page_published.connect(_on_page_published, dispatch_uid="audit_page_published")
    page_unpublished.connect(_on_page_unpublished, dispatch_uid="audit_page_unpublished")
    for hook in ("before_publish_page", "before_unpublish_page"):
        hooks.register(hook, _remember_request)
    for hook in ("after_publish_page", "after_unpublish_page"):
        hooks.register(hook, _forget_request)
