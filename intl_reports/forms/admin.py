from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from intl_reports.models import OutcomeReport, Tab
from intl_reports.reporting import recompute


class ReportAdminForm(WagtailAdminModelForm):
    """An editor's correction of a report in the admin.

    It refuses to overwrite a school's save made after the form was opened, recomputes the
    figures, and bumps every tab's version so a school tab opened before it gets a conflict
    rather than silently overwriting the correction.
    """

    opened_row_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_row_version"].initial = self.instance.row_version

    def clean(self):
        cleaned = super().clean()
        opened = cleaned.get("opened_row_version")
        if self.instance.pk and opened is not None:
            current = (
                OutcomeReport.objects.filter(pk=self.instance.pk)
                .values_list("row_version", flat=True)
                .first()
            )
            if current != opened:
                raise forms.ValidationError(
                    "學校在您開啟此頁後已存檔了成果報告。為避免覆蓋學校的內容，"
                    "請重新載入頁面後再修改（建議先鎖定報告）。"
                )
        return cleaned

    def save(self, commit=True):
        report = super().save(commit=False)
        recompute(report)
        report.tab_versions = {tab: report.version_of(tab) + 1 for tab in Tab.values}
        report.row_version += 1
        if commit:
            report.save()
        return report
