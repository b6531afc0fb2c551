"""Who a login belongs to: one school, one authority, or (through Wagtail) the editors."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    SCHOOL = "school", "學校"
    AUTHORITY = "authority", "主管機關"


class Membership(models.Model):
    """Ties a Django user to exactly one school or one authority.

    Several teachers may share a school: each has their own user and membership.
    Editors have no membership; they are users with access to the Wagtail admin.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name="帳號",
    )
    role = models.CharField("身分", max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        "intl_reports.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="學校",
    )
    authority = models.ForeignKey(
        "intl_reports.Authority",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="主管機關",
    )

    class Meta:
        verbose_name = "帳號身分"
        verbose_name_plural = "帳號身分"
        constraints = [
            models.CheckConstraint(
                name="membership_matches_role",
                condition=(
                    models.Q(role="school", school__isnull=False, authority__isnull=True)
                    | models.Q(role="authority", authority__isnull=False, school__isnull=True)
                ),
            )
        ]

    def __str__(self):
        return f"{self.user.get_username()} — {self.organisation}"

    @property
    def organisation(self):
        return self.school if self.role == Role.SCHOOL else self.authority

    @property
    def contact_email(self) -> str:
        """Where activation and reset links go: the organisation's contact on file."""
        if self.role == Role.SCHOOL:
            return self.school.contact_email or self.user.email
        return self.authority.email or self.user.email
