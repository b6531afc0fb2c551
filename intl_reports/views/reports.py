"""課程/國際交流 成果報告: the report list and the report workspace with its seven tabs."""

import logging

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.log import log_response
from django.views import View
from django.views.generic import ListView
from django.views.generic.base import ContextMixin

from intl_reports import audit, permissions
from intl_reports.forms.report_tabs import TAB_FORMS
from intl_reports.models import AuditAction, OutcomeReport, Plan, ReviewResult, Tab
from intl_reports.pdf.render import PRINT_SPECS
from intl_reports.photos import (
    THUMBNAIL_SPEC,
    PhotoNotStored,
    PhotoRejected,
    check_size,
    store_photo_with_renditions,
)
from intl_reports.saving import TabConflict, save_tab

from .mixins import ServiceMixin

logger = logging.getLogger(__name__)


class ReportListView(ServiceMixin, ListView):
    """The reports of passed plans the user may see, grouped by programme and 學年度."""

    template_name = "intl_reports/service/report_list.html"
    paginate_by = 20
    context_object_name = "plans"

    def get_queryset(self):
        return (
            permissions.plans_visible_to(self.request.user)
            .passed()
            .select_related("programme", "school__authority")
            .prefetch_related(
                Prefetch(
                    "report",
                    queryset=OutcomeReport.objects.only(
                        "id", "plan_id", "completeness", "last_saved_at"
                    ),
                )
            )
            .order_by("-programme__academic_year", "programme__kind", "school__code", "serial")
        )


class ReportMixin(ServiceMixin):
    """Finds the plan's report for a user allowed to see it; 404 for everyone else, so that
    guessing ids tells nothing."""

    def get_report(self, related=("plan__programme", "plan__school__authority")) -> OutcomeReport:
        try:  # one query: the report, its plan, programme, school, authority and deadline
            report = (
                OutcomeReport.objects.select_related(*related)
                .with_deadline()
                .get(plan_id=self.kwargs["plan_id"], plan__review_result=ReviewResult.PASSED)
            )
        except OutcomeReport.DoesNotExist:
            return self.bring_in_report()
        if not permissions.can_view_plan(self.request.user, report.plan):
            raise Http404
        return report

    def bring_in_report(self) -> OutcomeReport:
        """The plan's first opening: its report is created from it, once the user may see it."""
        plan = get_object_or_404(
            Plan.objects.select_related("programme", "school__authority"),
            pk=self.kwargs["plan_id"],
            review_result=ReviewResult.PASSED,
        )
        if not permissions.can_view_plan(self.request.user, plan):
            raise Http404
        report = OutcomeReport.for_plan(plan)
        report.plan = plan  # reuse the objects fetched above
        return report


class ReportTabView(ReportMixin, ContextMixin, View):
    """One tab of the report: GET shows it, POST saves it (存檔) and only it."""

    def dispatch(self, request, *args, **kwargs):
        if kwargs["tab"] not in TAB_FORMS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, plan_id, tab):
        report = self.get_report()
        return self.render(report, TAB_FORMS[tab](report))

    def post(self, request, plan_id, tab):
        # A save reads no more of the plan than its programme (deadline, title); the pages
        # shown after a refused save load the school if they need it.
        report = self.get_report(related=("plan__programme",))
        if not permissions.can_edit_report(request.user, report):
            messages.error(request, self.read_only_reason(report))
            return self.render(report, TAB_FORMS[tab](report, request.POST), status=403)
        form = TAB_FORMS[tab](report, request.POST)
        if not form.is_valid():
            messages.error(request, "資料有誤，尚未存檔。請依畫面上的說明修正後再按「存檔」。")
            return self.render(report, form, status=422)
        try:
            save_tab(report, form, request.user, request=request)
        except TabConflict as conflict:
            conflict.current.plan = report.plan
            return self.render_conflict(conflict.current, tab)
        messages.success(request, f"「{Tab(tab).label}」已存檔。")
        return redirect("intl_reports:report_tab", plan_id=plan_id, tab=tab)

    def render_conflict(self, current: OutcomeReport, tab: str):
        """Keep what this user typed, and say who saved in between."""
        who = current.last_saved_by.get_username() if current.last_saved_by else "其他使用者"
        when = timezone.localtime(current.last_saved_at).strftime("%Y-%m-%d %H:%M:%S")
        messages.warning(
            self.request,
            f"您開啟此分頁後，{who} 已於 {when} 存檔了「{Tab(tab).label}」，您的內容尚未存檔。"
            "畫面保留了您輸入的內容；請確認後再按「存檔」以您的內容取代，"
            "或重新整理頁面查看對方的內容。",
        )
        # The next save replaces the colleague's version: that is now a conscious choice.
        data = self.request.POST.copy()
        data["version"] = current.version_of(tab)
        form = TAB_FORMS[tab](current, data)
        form.is_valid()
        return self.render(current, form, status=409, conflict=True)

    def read_only_reason(self, report) -> str:
        if permissions.school_of(self.request.user) is None:
            return "主管機關帳號僅能檢視成果報告，無法修改。"
        if report.locked:
            return "教育部正在審閱此成果報告，暫時無法修改；審閱完成後即可繼續編輯。"
        return "已超過成果報告繳交期限，報告僅供檢視，無法修改。"

    def render(self, report, form, status=200, conflict=False):
        user = self.request.user
        editable = permissions.can_edit_report(user, report)
        context = self.get_context_data(
            report=report,
            plan=report.plan,
            form=form,
            tab=form.tab,
            tabs=[
                {
                    "key": key,
                    "label": label,
                    "url": reverse("intl_reports:report_tab", args=[report.plan_id, key]),
                    "complete": bool((report.tab_status or {}).get(key)),
                    "current": key == form.tab,
                    "has_errors": key == form.tab and form.has_errors and not conflict,
                    "conflict": key == form.tab and conflict,
                }
                for key, label in Tab.choices
            ],
            editable=editable,
            read_only_reason=None if editable else self.read_only_reason(report),
            deadline=report.effective_deadline(),
            decisions=report.review_decisions.select_related("decided_by")[:3],
            featured_pages=report.outcome_pages.live(),
            conflict=conflict,
            upload_url=reverse("intl_reports:photo_upload", args=[report.plan_id]),
        )
        return TemplateResponse(self.request, form.template_name, context, status=status)


class ReportHomeView(ReportMixin, View):
    def get(self, request, plan_id):
        self.get_report()  # 404 for anyone who may not see it
        return redirect("intl_reports:report_tab", plan_id=plan_id, tab=Tab.SCHOOL)


class PhotoUploadView(ReportMixin, View):
    """Receives one image (tab 4-2 or 4-3), stores it privately, answers JSON for the page."""

    def post(self, request, plan_id):
        report = self.get_report()
        if not permissions.can_edit_report(request.user, report):
            return JsonResponse({"error": "您無法修改此成果報告。"}, status=403)
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"error": "請選擇要上傳的圖片。"}, status=400)
        try:
            check_size(upload.size)  # counted by the upload handler: a huge file is never read
            # The thumbnail for the page and the print sizes for the PDF, made now with the
            # image (all or nothing), so the first PDF download does not wait for them.
            image, renditions = store_photo_with_renditions(
                report.plan.school,
                upload.read(),
                title=request.POST.get("caption", "")[:200] or "成果報告照片",
                consent=request.POST.get("consent") == "true",
                user=request.user,
                specs=(THUMBNAIL_SPEC, *PRINT_SPECS),
            )
        except PhotoRejected as error:
            return JsonResponse({"error": str(error)}, status=400)
        except PhotoNotStored as error:
            response = JsonResponse({"error": str(error)}, status=503)
            response["Retry-After"] = "30"
            # Logged once, with the storage's error (Django then skips its own line).
            log_response(
                "Photo upload for plan %s: the media storage refused a write",
                plan_id,
                response=response,
                request=request,
                logger=logger,
                exception=error,
            )
            return response
        audit.record(AuditAction.PHOTO_UPLOADED, request=request, target=image, report=report.pk)
        thumbnail = renditions[THUMBNAIL_SPEC]
        return JsonResponse(
            {
                "id": image.pk,
                "thumbnail": thumbnail.url,
                "width": image.width,
                "height": image.height,
            },
            status=201,
        )
