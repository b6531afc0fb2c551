"""稽核紀錄 in the Wagtail admin: a read-only listing (filters, search, export) and inspect view.

There are no create, edit or delete views at all: their URLs are not even registered, and the
permission policy refuses every action but "view", which `permissions.can_view_audit_log` decides.
"""

import json

import django_filters
from django.contrib.auth.models import Permission
from django.urls import path
from django.utils.html import format_html
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from . import permissions
from .audit import AuditedSpreadsheetExportMixin
from .exports import neutralise_formula
from .models import AuditAction, AuditEvent, School


class AuditLogPermissionPolicy(BasePermissionPolicy):
    """Reading is for editors (`can_view_audit_log`); adding, changing, deleting for nobody."""

    def user_has_permission(self, user, action):
        return action == "view" and permissions.can_view_audit_log(user)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and permissions.can_view_audit_log(user)


# Registered before the viewset, so Wagtail never creates its model-permission fallback.
register_permission_policy(AuditEvent, AuditLogPermissionPolicy(AuditEvent))


class AuditEventFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(
        label="動作", choices=AuditAction.choices, empty_label="全部"
    )
    time = django_filters.DateFromToRangeFilter(label="日期", widget=DateRangePickerWidget)
    # A typed account name rather than a list: there are thousands of school accounts.
    account = django_filters.CharFilter(
        label="帳號", method="filter_account", help_text="完整帳號名稱，不分大小寫。"
    )
    school = django_filters.ModelChoiceFilter(
        label="學校", queryset=School.objects.only("pk", "name", "code")
    )

    class Meta:
        model = AuditEvent
        fields = []

    def filter_account(self, queryset, name, value):
        return queryset.filter(username__iexact=value.strip())


class AuditIndexView(AuditedSpreadsheetExportMixin, IndexView):
    audit_export_label = "稽核紀錄"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("school")

    # Usernames and browser strings are typed by anyone: never let a spreadsheet run them.
    def preprocess_field_value(self, field, value, export_format):
        return neutralise_formula(super().preprocess_field_value(field, value, export_format))

    def stream_csv(self, queryset):
        yield "\ufeff"  # Excel reads the CSV as UTF-8
        yield from super().stream_csv(queryset)


class AuditInspectView(InspectView):
    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value

    def get_details_display_value(self):
        text = json.dumps(self.object.details, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    def get_time_display_value(self):
        return self.object.time_display


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    name = "audit_log"
    url_prefix = "intl-reports/audit-log"
    icon = "clipboard-list"
    menu_label = "稽核紀錄"
    # Next to Wagtail's own 網站歷史 (site history), in the 報表 (reports) menu.
    menu_hook = "register_reports_menu_item"
    menu_order = 1100
    index_view_class = AuditIndexView
    inspect_view_class = AuditInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    # Each event would otherwise add rows to Wagtail's reference index at every insert.
    add_to_reference_index = False
    filterset_class = AuditEventFilterSet
    search_fields = ["username", "ip_address"]
    search_backend_name = None  # plain ORM look-ups
    ordering = ["-time", "-pk"]
    list_per_page = 50
    list_display = [
        "action",  # the title column: links to the inspect view
        Column("time_display", label="時間", sort_key="time"),
        Column("username", label="帳號", sort_key="username"),
        Column("ip_address", label="IP位址"),
        Column("school", label="學校"),
        Column("target_repr", label="對象"),
    ]
    list_export = [
        "time_display",
        "get_action_display",
        "username",
        "ip_address",
        "user_agent",
        "school",
        "target_repr",
        "details_text",
    ]
    export_headings = {
        "time_display": "時間",
        "get_action_display": "動作",
        "username": "帳號",
        "ip_address": "IP位址",
        "user_agent": "瀏覽器",
        "school": "學校",
        "target_repr": "對象",
        "details_text": "細節",
    }
    export_filename = "audit-log"
    inspect_view_fields = [
        "time",
        "action",
        "user",
        "username",
        "ip_address",
        "user_agent",
        "school",
        "target_content_type",
        "target_object_id",
        "target_repr",
        "details",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # No view may link to pages that do not exist.
        return {
            **super().get_common_view_kwargs(**kwargs),
            "add_url_name": None,
            "edit_url_name": None,
            "delete_url_name": None,
            "history_url_name": None,
            "usage_url_name": None,
        }

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.none()  # access follows the editor role, not group rights
