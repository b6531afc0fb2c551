"""The one place that decides who may see or do what in the reports system.

Every view, download, photo and admin screen asks these functions; none decides on its own.
A user is exactly one of: a school account, an authority account, an editor, or nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .models import Membership, OutcomeReport, Plan, PortalImage, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

EDITOR = "editor"
_CACHE_ATTR = "_intl_reports_membership"
_USER_MEMBERSHIP = Membership._meta.get_field("user").remote_field  # user.membership


def membership_of(user: AbstractBaseUser) -> Membership | None:
    """The user's membership, fetched once per request-bound user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not hasattr(user, _CACHE_ATTR):
        if _USER_MEMBERSHIP.is_cached(user):  # loaded with the user (accounts/backends.py)
            membership = getattr(user, "membership", None)
        else:
            membership = (
                Membership.objects.select_related("school__authority", "authority")
                .filter(user=user)
                .first()
            )
        setattr(user, _CACHE_ATTR, membership)
    return getattr(user, _CACHE_ATTR)


def is_editor(user) -> bool:
    """Ministry staff: superusers, or users allowed into the Wagtail admin without a membership."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return membership_of(user) is None and user.has_perm("wagtailadmin.access_admin")


def role_of(user) -> str | None:
    membership = membership_of(user)
    if membership is not None:
        return membership.role
    return EDITOR if is_editor(user) else None


def school_of(user):
    membership = membership_of(user)
    return membership.school if membership and membership.role == Role.SCHOOL else None


def authority_of(user):
    membership = membership_of(user)
    return membership.authority if membership and membership.role == Role.AUTHORITY else None


def may_use_service(user) -> bool:
    """School and authority accounts use the plan service (功能選單); editors use the admin."""
    return membership_of(user) is not None


def _organisation_filter(user, school_path: str) -> Q | None:
    """A Q restricting rows to the user's school or authority; None for nobody, Q() for all."""
    if is_editor(user):
        return Q()
    membership = membership_of(user)
    if membership is None:
        return None
    if membership.role == Role.SCHOOL:
        return Q(**{school_path: membership.school_id})
    return Q(**{f"{school_path}__authority": membership.authority_id})


def plans_visible_to(user) -> QuerySet[Plan]:
    condition = _organisation_filter(user, "school")
    if condition is None:
        return Plan.objects.none()
    return Plan.objects.filter(condition)


def can_view_plan(user, plan: Plan) -> bool:
    if is_editor(user):
        return True
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.role == Role.SCHOOL:
        return plan.school_id == membership.school_id
    return plan.school.authority_id == membership.authority_id


def reports_visible_to(user) -> QuerySet[OutcomeReport]:
    condition = _organisation_filter(user, "plan__school")
    if condition is None:
        return OutcomeReport.objects.none()
    return OutcomeReport.objects.filter(condition)


def can_view_report(user, report: OutcomeReport) -> bool:
    """The owning school, its authority and editors; PDF and photos follow the same rule."""
    return can_view_plan(user, report.plan)


def can_edit_report(user, report: OutcomeReport, now=None) -> bool:
    """Only the owning school, and only until the (possibly extended) deadline."""
    school = school_of(user)
    if school is None or report.plan.school_id != school.pk:
        return False
    if report.locked:  # an editor is reviewing it in the admin
        return False
    return not report.is_past_deadline(now)


def can_view_all_reports(user) -> bool:
    """The editors' report list and its exports."""
    return is_editor(user) and user.has_perm("intl_reports.view_outcomereport")


def can_review_reports(user) -> bool:
    """已審閱 / 退回補正, and featuring outcomes: editors allowed to change reports."""
    return is_editor(user) and user.has_perm("intl_reports.change_outcomereport")


def can_request_signoff(user, report: OutcomeReport) -> bool:
    return can_edit_report(user, report)


def can_edit_school_profile(user, school) -> bool:
    """基本資料維護: a school edits its own basic data; editors edit any in the admin."""
    return is_editor(user) or (school_of(user) is not None and school_of(user).pk == school.pk)


def can_view_image(user, image: PortalImage) -> bool:
    """Public portal images and published photos are for everyone; a school's photos are not."""
    if image.is_public:
        return True
    if is_editor(user):
        return True
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.role == Role.SCHOOL:
        return image.school_id == membership.school_id
    return image.school.authority_id == membership.authority_id


def images_visible_to(user) -> QuerySet[PortalImage]:
    if is_editor(user):
        return PortalImage.objects.all()
    condition = _organisation_filter(user, "school")
    public = Q(school__isnull=True) | Q(is_published=True)
    if condition is None:
        return PortalImage.objects.filter(public)
    return PortalImage.objects.filter(public | condition)


def can_bulk_import(user) -> bool:
    """Bulk loading schools and plans: editors who may add and change both."""
    return is_editor(user) and user.has_perms(
        [
            "intl_reports.add_school",
            "intl_reports.change_school",
            "intl_reports.add_plan",
            "intl_reports.change_plan",
        ]
    )


def can_view_audit_log(user) -> bool:
    """稽核紀錄: editors and superusers read it; nobody can change it, not even they."""
    return is_editor(user)


def can_manage_personal_data(user) -> bool:
    """Exporting or erasing a school's personal data: editors who may change schools."""
    return is_editor(user) and user.has_perm("intl_reports.change_school")
