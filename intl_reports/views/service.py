"""The plan service (計畫服務網) for school and authority accounts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy
from django.views.generic import ListView, TemplateView, UpdateView

from intl_reports import permissions
from intl_reports.forms import SchoolProfileForm
from intl_reports.reminders import effective_deadlines

from .mixins import ServiceMixin


class MenuView(ServiceMixin, TemplateView):
    """功能選單: where a school or authority lands after login, with the reports' deadlines."""

    template_name = "intl_reports/service/menu.html"
    max_deadlines = 10

    def get_context_data(self, **kwargs):
        plans = list(
            permissions.plans_visible_to(self.request.user)
            .passed()
            .select_related("programme", "school", "report")
            .order_by("-programme__report_deadline", "school__code")[: self.max_deadlines]
        )
        deadlines = effective_deadlines(plans)
        upcoming = [
            {"plan": plan, "report": plan.report_or_none, "deadline": deadlines[plan.pk]}
            for plan in plans
        ]
        return super().get_context_data(upcoming=upcoming, **kwargs)


class SchoolProfileView(ServiceMixin, UpdateView):
    """基本資料維護: the school's own basic data, which tab 1 of every report is filled from."""

    template_name = "intl_reports/service/school_profile.html"
    form_class = SchoolProfileForm
    success_url = reverse_lazy("intl_reports:school_profile")

    def get_object(self, queryset=None):
        school = permissions.school_of(self.request.user)
        if school is None or not permissions.can_edit_school_profile(self.request.user, school):
            raise PermissionDenied("只有學校帳號可以維護學校基本資料。")
        return school

    def form_valid(self, form):
        messages.success(self.request, "學校基本資料已存檔。")
        return super().form_valid(form)

    def form_invalid(self, form):
        messages.error(self.request, "資料有誤，尚未存檔，請依欄位說明修正後再存檔。")
        return super().form_invalid(form)


class PlanListView(ServiceMixin, ListView):
    """課程/國際交流 補助申請: the plans and their review results."""

    template_name = "intl_reports/service/plan_list.html"
    paginate_by = 20
    context_object_name = "plans"

    def get_queryset(self):
        return (
            permissions.plans_visible_to(self.request.user)
            .select_related("programme", "school__authority")
            .order_by("-programme__academic_year", "programme__kind", "school__code", "serial")
        )
