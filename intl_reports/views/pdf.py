"""PDF下載: the report as a PDF, for exactly those who may view the report."""

from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from intl_reports import audit, permissions
from intl_reports.models import AuditAction, OutcomeReport, Plan, ReviewResult
from intl_reports.pdf import cache
from intl_reports.pdf.render import pdf_filename


@method_decorator(never_cache, name="dispatch")
class ReportPdfView(View):
    """GET /service/reports/<plan_id>/pdf/: the owning school, its authority and editors.

    Not a ServiceMixin view: that mixin refuses editors, who may download every report.
    """

    http_method_names = ["get", "head"]

    def get(self, request, plan_id):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        plan = get_object_or_404(
            Plan.objects.select_related("programme", "school__authority"), pk=plan_id
        )
        if not permissions.can_view_plan(request.user, plan):
            raise Http404  # as for every report URL: guessing ids tells nothing
        if plan.review_result != ReviewResult.PASSED:
            raise Http404("此計畫書未通過審查，沒有成果報告。")
        report = OutcomeReport.for_plan(plan)
        report.plan = plan  # already loaded, with its programme and school
        name = cache.cached_pdf_name(report)
        response = FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=True,
            filename=pdf_filename(report),
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        audit.record(AuditAction.PDF_DOWNLOADED, request=request, target=report, school=plan.school)
        return response
