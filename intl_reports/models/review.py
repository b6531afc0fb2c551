"""Editors' review of a report: 已審閱 (accepted) or 退回補正 (returned for correction)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReviewState(models.TextChoices):
    PENDING = "pending", "待審閱"
    ACCEPTED = "accepted", "已審閱"
    RETURNED = "returned", "退回補正"


class ReviewDecision(models.Model):
    """One decision, kept for ever: who decided what, when, and why."""

    report = models.ForeignKey(
        "intl_reports.OutcomeReport",
        on_delete=models.CASCADE,
        related_name="review_decisions",
        verbose_name="成果報告",
    )
    decision = models.CharField(
        "審閱結果",
        max_length=20,
        choices=[(ReviewState.ACCEPTED, "已審閱"), (ReviewState.RETURNED, "退回補正")],
    )
    note = models.TextField("審閱意見", blank=True, max_length=5000)
    reopen_until = models.DateTimeField("開放修改至", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="審閱者",
    )
    decided_at = models.DateTimeField("審閱時間", default=timezone.now)

    class Meta:
        verbose_name = "審閱紀錄"
        verbose_name_plural = "審閱紀錄"
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"{self.get_decision_display()}（{self.decided_at:%Y-%m-%d %H:%M}）"
