"""The outcome report (成果報告) of a passed plan: seven tabs, each saved on its own."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from wagtail.models import LockableMixin, RevisionMixin

from intl_reports import blocks
from intl_reports.academic_year import academic_year_label

from .fields import StreamField
from .reference import BASIC_DATA_FIELDS, Plan, Programme, School, SchoolBasicData
from .review import ReviewState


class Tab(models.TextChoices):
    """The seven tabs, in the manual's order. The value is the tab's URL slug."""

    SCHOOL = "school", "1.學校基本資料表"
    PLAN = "plan", "2.計畫基本資料表"
    WORK = "work", "3-1.工作進度"
    BUDGET = "budget", "3-2.經費執行情形"
    OUTCOMES = "outcomes", "4-1.成效評估"
    ASSESSMENT = "assessment", "4-2.學習評量成果分析"
    RESULTS = "results", "4-3.執行成果"


def latest_deadline(programme_deadline, extension=None, report=None):
    """The effective deadline: the programme's, the school's extension, or the reopening after
    退回補正, whichever is latest. The one rule the report, the menu and reminders share."""
    candidates = [programme_deadline, extension]
    if report is not None and report.review_state == ReviewState.RETURNED:
        candidates.append(report.reopened_until)
    return max(moment for moment in candidates if moment is not None)


class DeadlineExtension(models.Model):
    """A later report deadline for one school in one programme."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="extensions", verbose_name="計畫類別"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="deadline_extensions", verbose_name="學校"
    )
    deadline = models.DateTimeField("延長至")
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "繳交期限延長"
        verbose_name_plural = "繳交期限延長"
        constraints = [
            models.UniqueConstraint(fields=["programme", "school"], name="one_extension_per_school")
        ]

    def __str__(self):
        return f"{self.school.name}：{self.programme}"


class OutcomeReportQuerySet(models.QuerySet):
    def with_list_data(self):
        return self.select_related("plan__programme", "plan__school__authority", "last_saved_by")

    def with_deadline(self):
        """Annotate the school's deadline extension, so effective_deadline() needs no query."""
        extension = DeadlineExtension.objects.filter(
            programme_id=OuterRef("plan__programme_id"), school_id=OuterRef("plan__school_id")
        ).values("deadline")[:1]
        return self.annotate(extension_deadline=Subquery(extension))


class OutcomeReport(LockableMixin, RevisionMixin, SchoolBasicData):
    """One per passed plan. Created from the plan the first time it is opened ("brought in")."""

    plan = models.OneToOneField(
        Plan, on_delete=models.PROTECT, related_name="report", verbose_name="計畫書"
    )

    # 1.學校基本資料表: a copy of the school's basic data, plus who signs off.
    school_name = models.CharField("學校名稱", max_length=100)
    school_code = models.CharField("學校代碼", max_length=40)
    unit_head_name = models.CharField("承辦單位主任姓名", max_length=50, blank=True)
    unit_head_email = models.EmailField("承辦單位主任Email", blank=True)
    principal_email = models.EmailField("校長Email", blank=True)
    unit_head_confirmed_at = models.DateTimeField("承辦單位主任核章時間", null=True, blank=True)
    principal_confirmed_at = models.DateTimeField("校長核章時間", null=True, blank=True)

    # 2.計畫基本資料表
    exchanges = StreamField(blocks.EXCHANGE_STREAM, blank=True, verbose_name="交流類型")
    partners = StreamField(blocks.PARTNER_STREAM, blank=True, verbose_name="交流對象")
    # 3-1.工作進度
    work_items = StreamField(blocks.WORK_STREAM, blank=True, verbose_name="工作進度")
    # 3-2.經費執行情形
    approved_total = models.PositiveBigIntegerField("核定計畫總額", default=0)
    budget_lines = StreamField(blocks.BUDGET_STREAM, blank=True, verbose_name="經費執行情形")
    # 4-1.成效評估
    outcome_checks = StreamField(blocks.OUTCOME_STREAM, blank=True, verbose_name="成效評估")
    # 4-2.學習評量成果分析
    assessments = StreamField(blocks.ASSESSMENT_STREAM, blank=True, verbose_name="學習評量成果分析")
    # 4-3.執行成果
    features = models.TextField("辦理特色", blank=True, max_length=50_000)
    photos = StreamField(blocks.PHOTO_STREAM, blank=True, verbose_name="活動照片")

    # Figures recomputed at every save, so lists, filters and dashboards never parse JSON.
    approved_sum = models.PositiveBigIntegerField("核定金額合計", default=0)
    spent_sum = models.PositiveBigIntegerField("實支金額合計", default=0)
    # Spent may exceed approved by far (a typing slip is still saved, then corrected): room for
    # every rate the amounts allow (MAX_AMOUNT per line over an approved total of 1).
    execution_rate = models.DecimalField(
        "經費執行率", max_digits=18, decimal_places=2, null=True, blank=True
    )
    exchange_types = models.CharField("交流類型（彙整）", max_length=200, blank=True)
    countries = models.CharField("交流國家（彙整）", max_length=1000, blank=True)
    photo_count = models.PositiveSmallIntegerField("照片數", default=0)
    tab_status = models.JSONField("分頁完成狀態", default=dict, blank=True)
    completeness = models.PositiveSmallIntegerField("完成度(%)", default=0, db_index=True)

    # Optimistic concurrency: one version per tab, compared in the UPDATE that saves it.
    tab_versions = models.JSONField("分頁版本", default=dict, blank=True)
    # Bumped by every save of any tab: the compare-and-set that makes a save atomic.
    row_version = models.PositiveIntegerField(default=0, editable=False)

    # Review by editors (see models/review.py for the decisions themselves).
    review_state = models.CharField(
        "審閱狀態",
        max_length=20,
        choices=ReviewState.choices,
        default=ReviewState.PENDING,
        db_index=True,
    )
    reopened_until = models.DateTimeField("退回補正開放修改至", null=True, blank=True)

    created_at = models.DateTimeField("建立時間", auto_now_add=True)
    last_saved_at = models.DateTimeField("最後存檔時間", null=True, blank=True)
    last_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最後存檔者",
    )
    last_saved_tab = models.CharField("最後存檔分頁", max_length=20, blank=True)

    # Not in the search index: the admin finds reports by plain look-ups on indexed columns,
    # and an index entry per save would cost every save (and serialise concurrent ones).
    objects = OutcomeReportQuerySet.as_manager()
    # Out of Wagtail's reference index too: it walked every field at every save, a fifth of a
    # tab save's time, for an image usage count that only editors' public images need.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "成果報告"
        verbose_name_plural = "成果報告"
        ordering = ["-plan__programme__academic_year", "school_code"]
        indexes = [
            # The editors' list: sorted by school code, filtered by review state and completeness.
            models.Index(fields=["school_code"], name="report_school_code_idx"),
            models.Index(
                fields=["review_state", "completeness"], name="report_review_complete_idx"
            ),
            # The open data's generation stamp (count, Σ row_version and max last_saved_at of
            # the accepted reports) and the dashboards' counts, read from this index alone
            # without reading the wide rows (intl_reports.opendata, intl_reports.dashboards).
            models.Index(
                fields=[
                    "review_state",
                    "last_saved_at",
                    "row_version",
                    "plan",
                    "completeness",
                    "execution_rate",
                    "reopened_until",
                ],
                name="report_state_figures_idx",
            ),
        ]

    def __str__(self):
        return f"{self.school_name}：{self.title}"

    @property
    def title(self) -> str:
        return self.plan.programme.report_title

    @property
    def school(self) -> School:
        return self.plan.school

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.plan.programme.academic_year)

    def get_admin_display_title(self):
        return str(self)

    @property
    def authority_name(self) -> str:
        return self.plan.school.authority.name

    @property
    def programme(self) -> Programme:
        return self.plan.programme

    # -- bringing in -----------------------------------------------------------------------

    @classmethod
    def for_plan(cls, plan: Plan) -> OutcomeReport:
        """The plan's report, created from the plan and the school data on first use."""
        existing = cls.objects.filter(plan=plan).first()
        if existing is not None:
            return existing
        report = cls.brought_in_from(plan)
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # opened twice at once: the other request created it
            return cls.objects.get(plan=plan)
        return report

    @classmethod
    def brought_in_from(cls, plan: Plan) -> OutcomeReport:
        from intl_reports.reporting import recompute

        school = plan.school
        report = cls(
            plan=plan,
            school_name=school.name,
            school_code=school.code,
            approved_total=plan.approved_total,
            exchanges=plan.exchanges.raw_data,
            partners=plan.partners.raw_data,
            work_items=plan.schedule.raw_data,
            budget_lines=plan.budget.raw_data,
            outcome_checks=plan.outcomes.raw_data,
            assessments=[],
            photos=[],
            **{name: getattr(school, name) for name in BASIC_DATA_FIELDS},
        )
        recompute(report)
        return report

    # -- versions --------------------------------------------------------------------------

    def version_of(self, tab: str) -> int:
        return int((self.tab_versions or {}).get(tab, 0))

    def confirmation_is_stale(self, confirmed_at) -> bool:
        """A sign-off that predates a later save of the report."""
        return bool(confirmed_at and self.last_saved_at and self.last_saved_at > confirmed_at)

    @property
    def unit_head_confirmation_stale(self) -> bool:
        return self.confirmation_is_stale(self.unit_head_confirmed_at)

    @property
    def principal_confirmation_stale(self) -> bool:
        return self.confirmation_is_stale(self.principal_confirmed_at)

    def effective_deadline(self):
        if hasattr(self, "extension_deadline"):  # fetched with_deadline()
            extension = self.extension_deadline
        else:
            extension = (
                DeadlineExtension.objects.filter(
                    programme_id=self.plan.programme_id, school_id=self.plan.school_id
                )
                .values_list("deadline", flat=True)
                .first()
            )
        return latest_deadline(self.plan.programme.report_deadline, extension, self)

    def is_past_deadline(self, now=None) -> bool:
        return (now or timezone.now()) > self.effective_deadline()
