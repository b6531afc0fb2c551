"""Filters of the editors' report list (and of its exports, which follow the filter)."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from wagtail.admin.filters import WagtailFilterSet

from .models import Authority, DeadlineExtension, OutcomeReport, Programme, ReviewState, School
from .models.reference import SchoolStage


def academic_year_choices():
    years = Programme.objects.order_by("-academic_year").values_list("academic_year", flat=True)
    return [(year, f"{year}學年度") for year in dict.fromkeys(years)]


def past_deadline_q(now=None) -> Q:
    """Reports whose effective deadline (programme, extension, reopening) has passed."""
    now = now or timezone.now()
    open_extension = DeadlineExtension.objects.filter(
        programme_id=OuterRef("plan__programme_id"),
        school_id=OuterRef("plan__school_id"),
        deadline__gte=now,
    )
    reopened = Q(review_state=ReviewState.RETURNED, reopened_until__gte=now)
    return Q(plan__programme__report_deadline__lt=now) & ~Exists(open_extension) & ~reopened


class ReportFilterSet(WagtailFilterSet):
    programme = django_filters.ModelChoiceFilter(
        field_name="plan__programme", queryset=Programme.objects.all(), label="計畫類別"
    )
    academic_year = django_filters.ChoiceFilter(
        field_name="plan__programme__academic_year", choices=academic_year_choices, label="學年度"
    )
    authority = django_filters.ModelChoiceFilter(
        field_name="plan__school__authority", queryset=Authority.objects.all(), label="主管機關"
    )
    school = django_filters.ModelChoiceFilter(
        field_name="plan__school", queryset=School.objects.only("pk", "name", "code"), label="學校"
    )
    stage = django_filters.ChoiceFilter(choices=SchoolStage.choices, label="學習階段與類型")
    review_state = django_filters.ChoiceFilter(choices=ReviewState.choices, label="審閱狀態")
    completeness_state = django_filters.ChoiceFilter(
        method="filter_completeness",
        label="填報完成度",
        choices=[("complete", "已完成"), ("incomplete", "未完成"), ("not_saved", "尚未存檔")],
    )
    deadline_state = django_filters.ChoiceFilter(
        method="filter_deadline",
        label="繳交期限",
        choices=[("open", "期限內"), ("past", "已逾期")],
    )

    class Meta:
        model = OutcomeReport
        fields = []

    def filter_completeness(self, queryset, name, value):
        if value == "complete":
            return queryset.filter(completeness=100)
        if value == "incomplete":
            return queryset.filter(completeness__lt=100)
        if value == "not_saved":
            return queryset.filter(last_saved_at__isnull=True)
        return queryset

    def filter_deadline(self, queryset, name, value):
        if value == "past":
            return queryset.filter(past_deadline_q())
        if value == "open":
            return queryset.exclude(past_deadline_q())
        return queryset
