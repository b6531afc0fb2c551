"""The outcome reports in the Wagtail admin: a snippet viewset with revisions, history,
compare, locking, filters, search, sorting and CSV/XLSX export of the current filter."""

from django.urls import path, re_path, reverse
from django.utils.functional import cached_property
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import Button
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .audit import AuditedSpreadsheetExportMixin
from .exports import PLAN_BODY_FIELDS, REPORT_BODY_FIELDS, Chunked, neutralise_formula
from .filters import ReportFilterSet
from .forms.admin import ReportAdminForm
from .models import OutcomeReport
from .reporting import TAB_FIELDS


class ReportIndexView(AuditedSpreadsheetExportMixin, IndexView):
    """Exports open in Excel as UTF-8 (BOM) and never carry a formula."""

    def preprocess_field_value(self, field, value, export_format):
        return neutralise_formula(super().preprocess_field_value(field, value, export_format))

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(Chunked(queryset))

    def write_xlsx(self, queryset, output):
        super().write_xlsx(Chunked(queryset), output)

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .with_list_data()
            .defer(*REPORT_BODY_FIELDS, *PLAN_BODY_FIELDS)
        )

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        query = self.request.GET.urlencode()
        for label, file_format in (("匯出經費明細 CSV", "csv"), ("匯出經費明細 XLSX", "xlsx")):
            url = reverse("intl_reports_budget_lines_export", args=[file_format])
            buttons.append(
                Button(label, url=f"{url}?{query}" if query else url, icon_name="download")
            )
        return buttons


class ReportChooserViewSet(SnippetChooserViewSet):
    def get_urlpatterns(self):
        # Wagtail's chooser takes any string as the id; a typed-in "x" must be a 404, not a 500.
        return [
            path("chosen/<int:pk>/", self.chosen_view, name="chosen")
            if pattern.name == "chosen"
            else pattern
            for pattern in super().get_urlpatterns()
        ]


class OutcomeReportViewSet(SnippetViewSet):
    model = OutcomeReport
    chooser_viewset_class = ReportChooserViewSet
    icon = "doc-full-inverse"
    menu_label = "成果報告"
    menu_name = "outcome_reports"
    menu_order = 190
    add_to_admin_menu = True
    url_prefix = "intl-reports/reports"
    index_view_class = ReportIndexView
    filterset_class = ReportFilterSet
    search_fields = ["school_name", "school_code"]
    search_backend_name = None  # plain ORM look-ups: a code or a part of a name
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50

    def get_urlpatterns(self):
        # Wagtail's compare pattern takes any text as the id (`.+`): numeric ids only, so that a
        # guessed "x" ends at a 404 instead of a ValueError.
        return [
            re_path(
                r"history/(?P<pk>\d+)/revisions/compare/"
                r"(?P<revision_id_a>live|earliest|\d+)\.\.\.(?P<revision_id_b>live|latest|\d+)/$",
                self.revisions_compare_view,
                name="revisions_compare",
            )
            if pattern.name == "revisions_compare"
            else pattern
            for pattern in super().get_urlpatterns()
        ]

    ordering = ["-plan__programme__academic_year", "school_code"]
    list_display = [
        "school_name",  # a field name: Wagtail makes it the title column with the row buttons
        Column("school_code", label="學校代碼", sort_key="school_code"),
        Column("authority_name", label="主管機關", sort_key="plan__school__authority__name"),
        Column("programme", label="計畫類別", sort_key="plan__programme__academic_year"),
        Column("completeness", label="完成度(%)", sort_key="completeness"),
        Column("execution_rate", label="經費執行率(%)", sort_key="execution_rate"),
        Column("get_review_state_display", label="審閱狀態", sort_key="review_state"),
        Column("last_saved_at", label="最後存檔", sort_key="last_saved_at"),
    ]
    list_export = [
        "school_name",
        "school_code",
        "authority_name",
        "programme",
        "title",
        "approved_total",
        "approved_sum",
        "spent_sum",
        "execution_rate",
        "completeness",
        "exchange_types",
        "countries",
        "photo_count",
        "get_review_state_display",
        "last_saved_at",
    ]
    export_headings = {
        "authority_name": "主管機關",
        "programme": "計畫類別",
        "title": "標題",
        "get_review_state_display": "審閱狀態",
    }
    export_filename = "outcome-reports"

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("opened_row_version"),
                    *[FieldPanel(name) for name in TAB_FIELDS["school"]],
                ],
                heading="1.學校基本資料表",
            ),
            ObjectList([FieldPanel(n) for n in TAB_FIELDS["plan"]], heading="2.計畫基本資料表"),
            ObjectList([FieldPanel(n) for n in TAB_FIELDS["work"]], heading="3-1.工作進度"),
            ObjectList(
                [FieldPanel("approved_total"), *[FieldPanel(n) for n in TAB_FIELDS["budget"]]],
                heading="3-2.經費執行情形",
            ),
            ObjectList([FieldPanel(n) for n in TAB_FIELDS["outcomes"]], heading="4-1.成效評估"),
            ObjectList(
                [FieldPanel(n) for n in TAB_FIELDS["assessment"]], heading="4-2.學習評量成果分析"
            ),
            ObjectList([FieldPanel(n) for n in TAB_FIELDS["results"]], heading="4-3.執行成果"),
        ],
        base_form_class=ReportAdminForm,
    )
