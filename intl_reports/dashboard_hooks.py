"""Wagtail hooks of the editors' dashboard (填報進度統計).

Imported by intl_reports/wagtail_hooks.py (``from . import dashboard_hooks  # noqa: F401``).
"""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import permissions
from .views.dashboards import EditorDashboardView


@hooks.register("register_admin_urls")
def register_dashboard_urls():
    return [
        path(
            "intl-reports/dashboard/",
            EditorDashboardView.as_view(),
            name="intl_reports_dashboard",
        ),
    ]


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_editor(request.user)


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return DashboardMenuItem(
        "填報進度統計",
        reverse("intl_reports_dashboard"),
        name="intl-reports-dashboard",
        icon_name="table",
        order=205,
    )
