"""Deadline reminders: what was sent, so a reminder is never sent twice, and each run."""

from django.db import models
from django.utils import timezone


class ReminderRun(models.Model):
    started_at = models.DateTimeField("開始時間", default=timezone.now)
    finished_at = models.DateTimeField("結束時間", null=True, blank=True)
    sent = models.PositiveIntegerField("寄出", default=0)
    skipped = models.PositiveIntegerField("已寄過而略過", default=0)
    failed = models.PositiveIntegerField("寄送失敗", default=0)

    class Meta:
        verbose_name = "提醒信執行紀錄"
        verbose_name_plural = "提醒信執行紀錄"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}：寄出 {self.sent}"


class ReminderLog(models.Model):
    plan = models.ForeignKey(
        "intl_reports.Plan", on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField("截止前天數")
    deadline = models.DateField("截止日")
    recipient = models.EmailField("收件者")
    run = models.ForeignKey(ReminderRun, on_delete=models.SET_NULL, null=True, related_name="logs")
    sent_at = models.DateTimeField("寄出時間", default=timezone.now)

    class Meta:
        verbose_name = "提醒信"
        verbose_name_plural = "提醒信"
        constraints = [
            # The database itself guarantees a reminder is sent once per plan, day and deadline.
            models.UniqueConstraint(
                fields=["plan", "days_before", "deadline"], name="one_reminder_per_day"
            )
        ]

    def __str__(self):
        return f"{self.plan}：截止前 {self.days_before} 天（{self.recipient}）"
