"""The editors' admin of the reports system's reference data (wagtail-modeladmin)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail_modeladmin.helpers import AdminURLHelper, ButtonHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

from . import (
    admin_views,
    dashboard_hooks,  # noqa: F401  (registers the editors' dashboard)
    permissions,
    privacy_views,
)
from .models import (
    Authority,
    DeadlineExtension,
    OutcomeReport,
    Plan,
    Programme,
    ReviewState,
    School,
)
from .viewsets import OutcomeReportViewSet
from .viewsets_audit import AuditEventViewSet


class NumericIdURLHelper(AdminURLHelper):
    """Object URLs match numeric ids only: a guessed "x" is a 404, not a ValueError (500)."""

    def _get_object_specific_action_url_pattern(self, action):
        return rf"^{self.base_url_path}/{action}/(?P<instance_pk>\d+)/$"


class ReferenceDataAdmin(ModelAdmin):
    url_helper_class = NumericIdURLHelper


class AuthorityAdmin(ReferenceDataAdmin):
    model = Authority
    menu_label = "主管機關"
    menu_icon = "group"
    list_display = ("name", "code", "email", "phone")
    search_fields = ("name", "code")
    inspect_view_enabled = True


class SchoolButtonHelper(ButtonHelper):
    """A school's row and inspect page also offer its personal data: export and erase."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if not permissions.can_manage_personal_data(self.request.user):
            return buttons
        classnames = self.finalise_classname(classnames_add, classnames_exclude)
        return [
            *buttons,
            {
                "url": reverse("intl_reports_school_data_export", args=[obj.pk]),
                "label": "匯出個人資料",
                "classname": classnames,
                "title": f"下載{obj.name}的個人資料（ZIP）",
            },
            {
                "url": reverse("intl_reports_school_data_erase", args=[obj.pk]),
                "label": "刪除個人資料",
                "classname": self.finalise_classname(["no", *(classnames_add or [])]),
                "title": f"刪除{obj.name}的聯絡資料、帳號與照片",
            },
        ]


class SchoolAdmin(ReferenceDataAdmin):
    model = School
    menu_label = "學校"
    menu_icon = "home"
    button_helper_class = SchoolButtonHelper
    list_display = ("code", "name", "authority", "stage", "contact_name", "contact_email")
    list_filter = ("authority", "stage")
    search_fields = ("name", "code")
    inspect_view_enabled = True
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("authority"),
                FieldPanel("name"),
                FieldPanel("code"),
                FieldPanel("address"),
                FieldPanel("stage"),
            ],
            heading="學校",
        ),
        MultiFieldPanel(
            [FieldPanel("class_count"), FieldPanel("student_count"), FieldPanel("teacher_count")],
            heading="學校規模",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_email")]),
                FieldRowPanel([FieldPanel("contact_phone"), FieldPanel("contact_mobile")]),
            ],
            heading="聯絡人",
        ),
        MultiFieldPanel(
            [
                FieldPanel("principal_name"),
                FieldRowPanel([FieldPanel("principal_phone"), FieldPanel("principal_mobile")]),
            ],
            heading="校長",
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("authority")


class ProgrammeAdmin(ReferenceDataAdmin):
    model = Programme
    menu_label = "計畫類別與期限"
    menu_icon = "date"
    list_display = ("academic_year", "kind", "report_deadline")
    list_filter = ("kind", "academic_year")
    inspect_view_enabled = True


class DeadlineExtensionAdmin(ReferenceDataAdmin):
    model = DeadlineExtension
    menu_label = "繳交期限延長"
    menu_icon = "time"
    list_display = ("school", "programme", "deadline", "reason")
    list_filter = ("programme",)
    search_fields = ("school__name", "school__code")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school", "programme")


class PlanAdmin(ReferenceDataAdmin):
    model = Plan
    menu_label = "計畫書"
    menu_icon = "doc-full"
    list_display = ("serial", "title", "school", "programme", "review_result", "approved_total")
    list_filter = (
        "programme__academic_year",
        "programme__kind",
        "review_result",
        "school__authority",
    )
    search_fields = ("title", "serial", "school__name", "school__code")
    inspect_view_enabled = True
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("programme"),
                    FieldPanel("school"),
                    FieldPanel("title"),
                    FieldPanel("serial"),
                    FieldPanel("review_result"),
                    FieldPanel("approved_total"),
                ],
                heading="計畫書",
            ),
            ObjectList([FieldPanel("exchanges"), FieldPanel("partners")], heading="交流類型與對象"),
            ObjectList([FieldPanel("schedule")], heading="計畫期程"),
            ObjectList([FieldPanel("budget")], heading="經費需求"),
            ObjectList([FieldPanel("outcomes")], heading="預期成效"),
        ]
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school", "programme")


@modeladmin_register
class ReferenceDataGroup(ModelAdminGroup):
    menu_label = "成果報告系統"
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (AuthorityAdmin, SchoolAdmin, ProgrammeAdmin, DeadlineExtensionAdmin, PlanAdmin)


@hooks.register("register_admin_urls")
def register_personal_data_urls():
    return [
        path(
            "intl-reports/schools/<int:pk>/personal-data/export/",
            privacy_views.export_school_data,
            name="intl_reports_school_data_export",
        ),
        path(
            "intl-reports/schools/<int:pk>/personal-data/erase/",
            privacy_views.SchoolDataEraseView.as_view(),
            name="intl_reports_school_data_erase",
        ),
    ]


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path(
            "intl-reports/import/",
            admin_views.BulkImportView.as_view(),
            name="intl_reports_bulk_import",
        ),
        path(
            "intl-reports/review/<int:pk>/",
            admin_views.ReviewView.as_view(),
            name="intl_reports_review",
        ),
        path(
            "intl-reports/feature/<int:pk>/",
            admin_views.FeatureView.as_view(),
            name="intl_reports_feature",
        ),
        path(
            "intl-reports/budget-lines.<str:file_format>",
            admin_views.budget_lines_export,
            name="intl_reports_budget_lines_export",
        ),
        path(
            "intl-reports/import/template/<str:kind>.csv",
            admin_views.import_template,
            name="intl_reports_import_template",
        ),
    ]


class BulkImportMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_bulk_import(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return BulkImportMenuItem(
        "批次匯入", reverse("intl_reports_bulk_import"), icon_name="upload", order=210
    )


register_snippet(OutcomeReportViewSet)


@hooks.register("register_admin_viewset")
def register_audit_log_viewset():
    return AuditEventViewSet()


@hooks.register("register_snippet_listing_buttons")
def review_button(snippet, user, next_url=None):
    if isinstance(snippet, OutcomeReport) and permissions.can_review_reports(user):
        yield ListingButton(
            "審閱", reverse("intl_reports_review", args=[snippet.pk]), icon_name="tick", priority=5
        )
        if snippet.review_state == ReviewState.ACCEPTED:
            yield ListingButton(
                "展示成果",
                reverse("intl_reports_feature", args=[snippet.pk]),
                icon_name="image",
                priority=6,
            )
