"""Wagtail admin screens of the reports system that are not model listings."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import FormView

from . import audit, featuring, permissions, review
from .budget import execution_rate
from .exports import (
    EXPORT_CHUNK_SIZE,
    PLAN_BODY_FIELDS,
    REPORT_BODY_FIELDS,
    csv_response,
    xlsx_response,
)
from .filters import ReportFilterSet
from .importing import IMPORTERS, ImportFileError, read_table
from .models import AuditAction, OutcomeIndexPage, OutcomeReport, ReviewState

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="匯入資料類別",
        choices=[(key, importer.label) for key, importer in IMPORTERS.items()],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label="檔案（.csv 或 .xlsx）")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("檔案超過 5 MB，請分批匯入。")
        return uploaded


class BulkImportView(FormView):
    template_name = "intl_reports/admin/bulk_import.html"
    form_class = ImportForm

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_bulk_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        importer = IMPORTERS[form.cleaned_data["kind"]]
        try:
            table = read_table(form.cleaned_data["file"])
        except ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        result = importer.run(table)
        if not result.ok:
            messages.error(self.request, f"檔案有 {len(result.errors)} 項錯誤，未匯入任何資料。")
            return self.render_to_response(self.get_context_data(form=form, errors=result.errors))
        audit.record(
            AuditAction.IMPORTED,
            request=self.request,
            kind=form.cleaned_data["kind"],
            created=result.created,
            updated=result.updated,
        )
        messages.success(
            self.request,
            f"{importer.label}匯入完成：新增 {result.created} 筆，更新 {result.updated} 筆。",
        )
        return redirect("intl_reports_bulk_import")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            importers=IMPORTERS, page_title="批次匯入學校與計畫書", **kwargs
        )


def import_template(request, kind):
    """A CSV with the header row of an importer, for editors to fill in."""
    if not permissions.can_bulk_import(request.user) or kind not in IMPORTERS:
        raise PermissionDenied
    return csv_response(list(IMPORTERS[kind].columns), [], f"import-{kind}", stream=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="審閱結果",
        choices=[(ReviewState.ACCEPTED, "已審閱"), (ReviewState.RETURNED, "退回補正")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="審閱意見",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="退回補正時必填，並會以Email寄給學校聯絡人。",
    )
    reopen_until = forms.DateTimeField(
        label="開放修改至",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="退回補正時必填：學校可修改到這個時間，即使已過繳交期限。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_reopen = timezone.localtime() + datetime.timedelta(days=14)
        self.fields["reopen_until"].initial = default_reopen.replace(
            hour=23, minute=59, second=0, microsecond=0
        )


class ReviewView(FormView):
    """已審閱 or 退回補正, recorded with the editor and the time, shown to the school."""

    template_name = "intl_reports/admin/review.html"
    form_class = ReviewForm

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_review_reports(request.user):
            raise PermissionDenied
        self.report = get_object_or_404(OutcomeReport.objects.with_list_data(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["decision"] == ReviewState.ACCEPTED:
                review.accept(self.report, self.request.user, data["note"], request=self.request)
                messages.success(self.request, f"已將「{self.report}」標示為已審閱。")
            else:
                review.return_for_correction(
                    self.report,
                    self.request.user,
                    data["note"],
                    data["reopen_until"],
                    request=self.request,
                )
                messages.success(
                    self.request,
                    f"已退回補正「{self.report}」，並以Email通知學校聯絡人。",
                )
        except review.ReviewError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        return redirect("intl_reports_review", pk=self.report.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            report=self.report,
            decisions=self.report.review_decisions.select_related("decided_by"),
            page_title=f"審閱成果報告：{self.report.school_name}",
            **kwargs,
        )


BUDGET_HEADERS = [
    "學年度",
    "計畫類別",
    "主管機關",
    "學校名稱",
    "學校代碼",
    "#",
    "補(捐)助項目",
    "項目二級用途",
    "核定金額",
    "實支金額",
    "執行情形(%)",
    "執行說明",
]


def budget_lines_export(request, file_format):
    """One row per budget line of the reports in the editor's current filter."""
    if not permissions.can_view_all_reports(request.user) or file_format not in ("csv", "xlsx"):
        raise PermissionDenied
    reports = ReportFilterSet(request.GET, queryset=OutcomeReport.objects.with_list_data()).qs
    if query := request.GET.get("q", "").strip():
        reports = reports.filter(Q(school_name__icontains=query) | Q(school_code__icontains=query))

    def rows():
        for report in (
            reports.order_by("-plan__programme__academic_year", "school_code")
            .defer(*(f for f in REPORT_BODY_FIELDS if f != "budget_lines"), *PLAN_BODY_FIELDS)
            .iterator(chunk_size=EXPORT_CHUNK_SIZE)
        ):
            programme = report.plan.programme
            for number, child in enumerate(report.budget_lines.raw_data, start=1):
                line = child.get("value") or {}
                rate = execution_rate(line.get("spent"), line.get("approved"))
                yield [
                    programme.academic_year,
                    programme.get_kind_display(),
                    report.authority_name,
                    report.school_name,
                    report.school_code,
                    number,
                    line.get("item", ""),
                    line.get("secondary_use", ""),
                    line.get("approved"),
                    line.get("spent"),
                    rate,
                    line.get("notes", ""),
                ]

    respond = csv_response if file_format == "csv" else xlsx_response
    audit.record_export(request, "經費明細", file_format, rows=None, reports=reports.count())
    return respond(BUDGET_HEADERS, rows(), "budget-lines")


class FeatureForm(forms.Form):
    parent = forms.ModelChoiceField(
        label="放在交流成果列表頁", queryset=OutcomeIndexPage.objects.all(), empty_label=None
    )
    title = forms.CharField(label="標題", max_length=255)
    summary = forms.CharField(
        label="摘要", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = forms.TypedMultipleChoiceField(
        label="要公開的照片",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "只能選擇已取得家長/監護人同意的照片。"},
    )

    def __init__(self, *args, photos, **kwargs):
        super().__init__(*args, **kwargs)
        # Only photos with recorded consent can be picked at all.
        self.fields["photos"].choices = [
            (image.pk, caption or image.title)
            for image, caption in photos
            if image.guardian_consent
        ]


class FeatureView(FormView):
    """展示成果: a draft OutcomePage pre-filled from an accepted report, for the editor to finish
    and publish in the page editor."""

    template_name = "intl_reports/admin/feature.html"
    form_class = FeatureForm

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_review_reports(request.user):
            raise PermissionDenied
        self.report = get_object_or_404(OutcomeReport.objects.with_list_data(), pk=kwargs["pk"])
        self.photos = featuring.report_photos(self.report)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "photos": self.photos}

    def get_initial(self):
        programme = self.report.plan.programme
        return {
            "parent": OutcomeIndexPage.objects.first(),
            "title": f"{self.report.school_name} {programme.academic_year}學年度國際交流成果",
            "summary": self.report.features[:200],
            "photos": [image.pk for image, _caption in self.photos if image.guardian_consent],
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            page = featuring.create_outcome_page(
                self.report,
                data["parent"],
                title=data["title"],
                summary=data["summary"],
                photo_ids=data["photos"],
                user=self.request.user,
                request=self.request,
            )
        except featuring.FeatureError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request, "已建立展示成果草稿；請確認內容後按「發布」，所選照片才會公開。"
        )
        return redirect("wagtailadmin_pages:edit", page.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            report=self.report,
            photos=self.photos,
            pages=self.report.outcome_pages.all(),
            page_title=f"展示成果：{self.report.school_name}",
            **kwargs,
        )
