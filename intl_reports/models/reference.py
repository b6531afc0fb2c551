"""Reference data of the reports system: authorities, schools, programmes and plans."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from wagtail.search import index

from intl_reports import blocks
from intl_reports.academic_year import academic_year_label

from .fields import StreamField

school_code_validator = RegexValidator(
    r"^[A-Za-z0-9_\-]+$", "學校代碼只能包含英文字母、數字、底線與連字號。"
)


class Authority(index.Indexed, models.Model):
    """主管機關: the competent authority that follows its schools' reports."""

    name = models.CharField("主管機關名稱", max_length=100, unique=True)
    code = models.CharField(
        "主管機關代碼", max_length=40, unique=True, validators=[school_code_validator]
    )
    email = models.EmailField("聯絡Email", blank=True)
    phone = models.CharField("聯絡電話", max_length=40, blank=True)

    search_fields = [index.SearchField("name"), index.FilterField("code")]

    class Meta:
        verbose_name = "主管機關"
        verbose_name_plural = "主管機關"
        ordering = ["name"]

    def __str__(self):
        return self.name


class SchoolStage(models.TextChoices):
    ELEMENTARY = "elementary", "國民小學"
    JUNIOR_HIGH = "junior_high", "國民中學"
    GENERAL_HIGH = "general_high", "普通型高中"
    TECHNICAL_HIGH = "technical_high", "技術型高中"
    COMPREHENSIVE_HIGH = "comprehensive_high", "綜合型高中"
    SPECIALIZED_HIGH = "specialized_high", "單科型高中"


CLASS_COUNT_HELP = (
    "若學校包含多個教育階段或類型，需詳細列出各類型班級數之資訊，例如：國中部00班、高中部00班。"
)
STUDENT_COUNT_HELP = (
    "若學校包含多個教育階段或類型，需詳細列出各類型學生人數之資訊，例如：國中部00人、高中部00人"
)


class SchoolBasicData(models.Model):
    """The fields of tab 1 (學校基本資料表) that a school keeps current and a report copies."""

    address = models.CharField("學校地址", max_length=200, blank=True)
    stage = models.CharField(
        "學習階段與類型", max_length=30, choices=SchoolStage.choices, blank=True
    )
    class_count = models.CharField("班級數", max_length=200, blank=True, help_text=CLASS_COUNT_HELP)
    student_count = models.CharField(
        "學生數", max_length=200, blank=True, help_text=STUDENT_COUNT_HELP
    )
    teacher_count = models.CharField("教師數", max_length=200, blank=True)
    contact_name = models.CharField("聯絡人姓名", max_length=50, blank=True)
    contact_phone = models.CharField("聯絡人電話", max_length=40, blank=True)
    contact_mobile = models.CharField("聯絡人行動電話", max_length=40, blank=True)
    contact_email = models.EmailField("聯絡人Email", blank=True)
    principal_name = models.CharField("校長姓名", max_length=50, blank=True)
    principal_phone = models.CharField("校長電話", max_length=40, blank=True)
    principal_mobile = models.CharField("校長行動電話", max_length=40, blank=True)

    class Meta:
        abstract = True


class School(index.Indexed, SchoolBasicData):
    """A school, with every field of tab 1 (學校基本資料表) that comes from its basic data."""

    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="schools", verbose_name="主管機關"
    )
    name = models.CharField("學校名稱", max_length=100)
    code = models.CharField(
        "學校代碼", max_length=40, unique=True, validators=[school_code_validator]
    )

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("code"),
        index.FilterField("authority"),
        index.FilterField("stage"),
    ]

    class Meta:
        verbose_name = "學校"
        verbose_name_plural = "學校"
        ordering = ["code"]
        # An authority's schools in code order: its report list, dashboard and admin filter.
        indexes = [models.Index(fields=["authority", "code"], name="school_authority_code_idx")]

    def __str__(self):
        return f"{self.name} ({self.code})"


BASIC_DATA_FIELDS = [f.name for f in SchoolBasicData._meta.local_fields]


class Programme(models.Model):
    """A subsidy programme of one 學年度, e.g. 112學年度 國際交流, with its report deadline."""

    class Kind(models.TextChoices):
        EXCHANGE = "exchange", "國際交流"
        CURRICULUM = "curriculum", "課程"

    kind = models.CharField("類別", max_length=20, choices=Kind.choices)
    academic_year = models.PositiveSmallIntegerField("學年度")
    report_deadline = models.DateTimeField("成果報告繳交期限")

    class Meta:
        verbose_name = "計畫類別"
        verbose_name_plural = "計畫類別"
        ordering = ["-academic_year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "academic_year"], name="unique_programme_year")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.academic_year}"

    @property
    def report_title(self) -> str:
        """e.g. 112學年度國際教育精進計畫 - 國際交流計畫實施成果報告"""
        return (
            f"{academic_year_label(self.academic_year)}國際教育精進計畫 - "
            f"{self.get_kind_display()}計畫實施成果報告"
        )

    def is_open(self, now=None) -> bool:
        return (now or timezone.now()) <= self.report_deadline


class ReviewResult(models.TextChoices):
    PASSED = "passed", "通過"
    REJECTED = "rejected", "不通過"
    REVIEWING = "reviewing", "審查中"


class PlanQuerySet(models.QuerySet):
    def passed(self):
        return self.filter(review_result=ReviewResult.PASSED)


class Plan(models.Model):
    """計畫書: what a school applied with. Its content is what the outcome report is filled from."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="plans", verbose_name="計畫類別"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="plans", verbose_name="學校"
    )
    title = models.CharField("計畫名稱", max_length=200)
    serial = models.CharField("計畫編號", max_length=40, unique=True)
    review_result = models.CharField(
        "計畫書審查結果",
        max_length=20,
        choices=ReviewResult.choices,
        default=ReviewResult.REVIEWING,
        db_index=True,
    )
    approved_total = models.PositiveBigIntegerField("核定計畫總額", default=0)
    exchanges = StreamField(blocks.EXCHANGE_STREAM, blank=True, verbose_name="交流類型")
    partners = StreamField(blocks.PARTNER_STREAM, blank=True, verbose_name="交流對象")
    schedule = StreamField(blocks.WORK_STREAM, blank=True, verbose_name="計畫期程")
    budget = StreamField(blocks.BUDGET_STREAM, blank=True, verbose_name="經費需求")
    outcomes = StreamField(blocks.OUTCOME_STREAM, blank=True, verbose_name="預期成效")

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "計畫書"
        verbose_name_plural = "計畫書"
        ordering = ["-programme__academic_year", "school__code"]
        # Passed plans per programme: every dashboard and report list starts there.
        indexes = [
            models.Index(fields=["programme", "review_result"], name="plan_programme_result_idx"),
            # The passed plans of every programme with their school, read from the index alone
            # by the dashboards' groupings and overdue counts.
            models.Index(
                fields=["review_result", "programme", "school", "id"],
                name="plan_passed_school_idx",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.serial})"

    @property
    def report_or_none(self):
        """The outcome report if it was opened already (no query when prefetched)."""
        try:
            return self.report
        except ObjectDoesNotExist:
            return None
