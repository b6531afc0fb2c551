"""課程/國際交流 成果報告: the report list and the report workspace."""

from django.views.generic import ListView

from intl_reports import permissions

from .mixins import ServiceMixin


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
            .order_by("-programme__academic_year", "programme__kind", "school__code", "serial")
        )
