"""Wagtail admin screens of the reports system that are not model listings."""

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView

from . import permissions
from .importing import IMPORTERS, ImportFileError, read_table

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="匯入資料類別",
        choices=[(key, importer.label) for key, importer in IMPORTERS.items()],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label="檔案（.csv 或 .xlsx）")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("檔案超過 5 MB，請分批匯入。")
        return uploaded


class BulkImportView(FormView):
    template_name = "intl_reports/admin/bulk_import.html"
    form_class = ImportForm

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_bulk_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        importer = IMPORTERS[form.cleaned_data["kind"]]
        try:
            table = read_table(form.cleaned_data["file"])
        except ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        result = importer.run(table)
        if not result.ok:
            messages.error(self.request, f"檔案有 {len(result.errors)} 項錯誤，未匯入任何資料。")
            return self.render_to_response(self.get_context_data(form=form, errors=result.errors))
        messages.success(
            self.request,
            f"{importer.label}匯入完成：新增 {result.created} 筆，更新 {result.updated} 筆。",
        )
        return redirect("intl_reports_bulk_import")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            importers=IMPORTERS, page_title="批次匯入學校與計畫書", **kwargs
        )


def import_template(request, kind):
    """A CSV with the header row of an importer, for editors to fill in."""
    if not permissions.can_bulk_import(request.user) or kind not in IMPORTERS:
        raise PermissionDenied
    importer = IMPORTERS[kind]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{kind}.csv"'
    response.write("\ufeff")  # BOM, so Excel opens the file as UTF-8
    csv.writer(response).writerow(importer.columns.keys())
    return response
