"""填報進度統計: progress dashboards for editors (admin) and authorities (plan service).

Both ask `permissions` for the reports and plans the viewer may see, and draw the same
figures (intl_reports.dashboards) as SVG charts with data tables (intl_reports.charts).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from intl_reports import charts, dashboards, permissions

from .mixins import ServiceMixin

MAX_COUNTRY_BARS = 20


def selected_year(request, years: list[int]) -> int | None:
    """?year=112 when it is one of the years on offer; otherwise every year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return None
    return year if year in years else None


def dashboard_charts(figures: dashboards.Dashboard, *, per_authority: bool = True) -> dict:
    """The charts of a dashboard, each with the data its table shows."""
    progress_series = [
        ("started", "已開始填報"),
        ("complete", "已完成填報"),
        ("accepted", "已審閱"),
    ]

    def progress_chart(chart_id, title, rows, header):
        return charts.grouped_bar_chart(
            chart_id,
            title,
            f"各{header}的成果報告已開始填報（至少存檔一次）、已完成填報（完成度100%）"
            "與已審閱件數。",
            [row.label for row in rows],
            [
                charts.Series(label, [getattr(row, name) for row in rows])
                for name, label in progress_series
            ],
            category_header=header,
            extra_columns=[charts.Series("通過計畫數", [row.plans for row in rows])],
        )

    exchanges = figures.exchanges
    histogram = figures.histogram
    result = {
        "by_programme": progress_chart(
            "progress-programme", "各計畫類別填報進度", figures.by_programme, "計畫類別"
        ),
        "histogram": charts.histogram(
            "execution-rate",
            "經費執行率分布",
            "成果報告依經費執行率（實支金額÷核定計畫總額）分組的件數，"
            "區間含下限、不含上限，100%歸入90–100。",
            [(f"{label}%", count) for label, count in histogram.bins],
            category_header="經費執行率區間",
            note=f"尚無經費執行率（未填核定金額）的報告：{histogram.unrated} 件。",
        ),
        "by_country": charts.bar_chart(
            "exchange-country",
            "各交流國家的交流件數",
            "列有該國交流對象的成果報告件數；一份報告可有多個國家。",
            exchanges.by_country,
            category_header="交流國家",
            max_bars=MAX_COUNTRY_BARS,
        ),
        "by_region": charts.bar_chart(
            "exchange-region",
            "各交流地區的交流件數",
            "列有該地區交流對象的成果報告件數；一份報告可有多個地區。",
            exchanges.by_region,
            category_header="交流地區",
        ),
        "by_type": charts.bar_chart(
            "exchange-type",
            "各交流類型的件數",
            "勾選該交流類型的成果報告件數；一份報告可有多種類型。",
            exchanges.by_type,
            category_header="交流類型",
        ),
    }
    if per_authority:
        result["by_authority"] = progress_chart(
            "progress-authority", "各主管機關填報進度", figures.by_authority, "主管機關"
        )
    return result


class DashboardContextMixin:
    """Figures for the reports and plans `permissions` lets the user see, in one year or all."""

    per_authority = True

    def dashboard_context(self) -> dict:
        user = self.request.user
        reports = permissions.reports_visible_to(user)
        plans = permissions.plans_visible_to(user)
        years = dashboards.academic_years(plans)
        year = selected_year(self.request, years)
        reports, plans = dashboards.restrict_to_year(reports, plans, year)
        figures = dashboards.build(reports, plans)
        chart_map = dashboard_charts(figures, per_authority=self.per_authority)
        order = ["by_programme", "by_authority", "histogram", "by_type", "by_region", "by_country"]
        return {
            "figures": figures,
            "charts": [chart_map[name] for name in order if name in chart_map],
            "years": years,
            "year": year,
            "reports_qs": reports,
            "plans_qs": plans,
        }


class AuthorityDashboardView(DashboardContextMixin, ServiceMixin, TemplateView):
    """/service/dashboard/: an authority's schools only, plus their reports and PDFs."""

    template_name = "intl_reports/dashboards/authority_dashboard.html"
    per_authority = False
    school_plans_per_page = 50

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (
            user.is_authenticated
            and permissions.may_use_service(user)
            and permissions.authority_of(user) is None
        ):
            raise PermissionDenied("填報進度統計僅供主管機關帳號使用。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = self.dashboard_context()
        plans = (
            context["plans_qs"]
            .passed()
            .select_related("programme", "school", "report")
            .order_by("-programme__academic_year", "programme__kind", "school__code", "serial")
        )
        # Ten years of a big authority are a thousand rows: a page at a time.
        page = Paginator(plans, self.school_plans_per_page).get_page(self.request.GET.get("page"))
        context.update(
            authority=permissions.authority_of(self.request.user),
            school_plans=page,
            paginator=page.paginator,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            form_action=reverse("intl_reports:authority_dashboard"),
        )
        return super().get_context_data(**context, **kwargs)


@method_decorator(never_cache, "dispatch")
class EditorDashboardView(DashboardContextMixin, WagtailAdminTemplateMixin, TemplateView):
    """/admin/intl-reports/dashboard/: every authority, for editors only."""

    template_name = "intl_reports/dashboards/editor_dashboard.html"
    page_title = "填報進度統計"
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_editor(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = self.dashboard_context()
        context["form_action"] = reverse("intl_reports_dashboard")
        return super().get_context_data(**context, **kwargs)
