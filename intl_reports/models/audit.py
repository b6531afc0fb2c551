"""Append-only audit log: who did what, when and from where.

Rows are only ever inserted. The model, its queryset and (on PostgreSQL) a database trigger all
refuse updates and deletes, so not even an editor or a buggy bulk operation can rewrite history.
"""

import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(PermissionDenied):
    """Raised on any attempt to change or remove an audit event (a 403 if it reaches a view)."""


APPEND_ONLY_MESSAGE = "稽核紀錄只能新增，不能修改或刪除。"


class AuditAction(models.TextChoices):
    LOGIN = "login", "登入成功"
    LOGIN_FAILED = "login_failed", "登入失敗"
    LOCKED_OUT = "locked_out", "帳號鎖定"
    LOGOUT = "logout", "登出"
    REPORT_SAVED = "report_saved", "成果報告存檔"
    PHOTO_UPLOADED = "photo_uploaded", "上傳照片"
    SIGNOFF_REQUESTED = "signoff_requested", "寄送確認信"
    SIGNOFF_CONFIRMED = "signoff_confirmed", "確認簽核"
    REVIEW_DECIDED = "review_decided", "審查決定"
    PAGE_PUBLISHED = "page_published", "發布頁面"
    PAGE_UNPUBLISHED = "page_unpublished", "取消發布頁面"
    FEATURED = "featured", "精選成果"
    EXPORTED = "exported", "匯出"
    PDF_DOWNLOADED = "pdf_downloaded", "下載PDF"
    IMPORTED = "imported", "批次匯入"
    PERSONAL_DATA_EXPORTED = "personal_data_exported", "匯出個人資料"
    PERSONAL_DATA_ERASED = "personal_data_erased", "刪除個人資料"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly(APPEND_ONLY_MESSAGE)

    # Refused before it opens its transaction, so a caller's transaction stays usable.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly(APPEND_ONLY_MESSAGE)

    def delete(self):
        raise AuditLogIsAppendOnly(APPEND_ONLY_MESSAGE)


class AuditEventManager(models.Manager.from_queryset(AuditEventQuerySet)):
    pass


class AuditEvent(models.Model):
    action = models.CharField("動作", max_length=32, choices=AuditAction.choices)
    time = models.DateTimeField("時間", default=timezone.now, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="使用者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # As typed at sign-in, so failed attempts on unknown accounts are still traceable.
    username = models.CharField("帳號", max_length=150, blank=True)
    ip_address = models.GenericIPAddressField("IP位址", null=True, blank=True)
    user_agent = models.CharField("瀏覽器", max_length=255, blank=True)
    target_content_type = models.ForeignKey(
        ContentType,
        verbose_name="對象類型",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_object_id = models.CharField("對象編號", max_length=64, blank=True)
    # A text snapshot of the target so the event still reads well after the target is deleted.
    target_repr = models.CharField("對象", max_length=255, blank=True)
    school = models.ForeignKey(
        "intl_reports.School",
        verbose_name="學校",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.JSONField("細節", default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEventManager()

    class Meta:
        verbose_name = "稽核紀錄"
        verbose_name_plural = "稽核紀錄"
        ordering = ["-time", "-pk"]
        # Nothing to grant: reading follows the editor role, and nobody may change a row.
        default_permissions = ()
        indexes = [
            models.Index(fields=["-time"], name="audit_time_idx"),
            models.Index(fields=["action", "-time"], name="audit_action_idx"),
            models.Index(fields=["school", "-time"], name="audit_school_idx"),
        ]

    def __str__(self):
        who = self.username or "（匿名）"
        return f"{self.time_display} {who} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly(APPEND_ONLY_MESSAGE)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly(APPEND_ONLY_MESSAGE)

    @property
    def time_display(self) -> str:
        return timezone.localtime(self.time).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def details_text(self) -> str:
        return json.dumps(self.details, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)
