"""The forms of the seven report tabs.

Each tab form validates everything the browser sent, row by row, whatever the browser did,
and turns it into the values of the columns that tab owns. Rows become StreamField data in
its raw form (with image ids), which is then checked once more by the blocks themselves.
"""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory

from intl_reports import blocks
from intl_reports.budget import execution_rate
from intl_reports.exchange import EXCHANGE_TYPES, REGION_CHOICES
from intl_reports.models import OutcomeReport, PortalImage, SchoolStage, Tab
from intl_reports.photos import THUMBNAIL_SPEC
from intl_reports.reporting import TAB_FIELDS

MAX_ROWS = 300
MAX_DB_ID = 2**63 - 1  # a larger id overflows the database's integer

AMOUNT_ERRORS = {
    "required": "請填寫金額。",
    "invalid": "金額必須是整數（新臺幣元），不可有小數、逗號以外的符號或文字。",
    "min_value": "金額不可為負數。",
    "max_value": "金額過大，請確認是否輸入錯誤。",
}
HEADCOUNT_ERRORS = {
    "invalid": "人數必須是整數。",
    "min_value": "人數不可為負數。",
    "max_value": "人數過大，請確認是否輸入錯誤。",
}
PERCENT_ERRORS = {
    "invalid": "執行進度必須是 0 到 100 的整數。",
    "min_value": "執行進度必須是 0 到 100 的整數。",
    "max_value": "執行進度必須是 0 到 100 的整數。",
}


class AmountField(forms.IntegerField):
    """Whole New Taiwan dollars; accepts "217,500" as people type it, refuses "12.5"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", blocks.MAX_AMOUNT)
        kwargs.setdefault("error_messages", AMOUNT_ERRORS)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "class": "amount"})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").strip()
            if value and not value.lstrip("-").isdigit():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class RowForm(forms.Form):
    """One row of a repeatable table. `id` is the row's block id, kept across saves."""

    id = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def raw_value(self) -> dict[str, Any]:
        raise NotImplementedError


class RowFormSet(BaseFormSet):
    """Rows added and deleted in the browser: every posted row is new to the formset, so a
    deleted row is simply absent and an empty row is skipped, never an error."""

    def initial_form_count(self):
        return 0 if self.is_bound else super().initial_form_count()

    def clean(self):
        if self.management_form.cleaned_data.get("TOTAL_FORMS", 0) < 0:
            # A negative count would read as "no rows" and empty the table.
            raise ValidationError(self.error_messages["missing_management_form"], code="invalid")
        # Django's validate_max counts TOTAL_FORMS, which rows deleted in the browser never
        # lower; what counts is the rows actually sent. absolute_max still caps forged counts.
        super().clean()
        if len(self.filled_forms()) > self.max_num:
            raise ValidationError(
                self.error_messages["too_many_forms"] % {"num": self.max_num},
                code="too_many_forms",
            )

    def filled_forms(self):
        return [form for form in self.forms if form.has_changed() and form.cleaned_data]


def row_formset(form_class, max_num=MAX_ROWS, too_many="每個表格最多 %(num)d 列。"):
    formset_class = formset_factory(
        form_class,
        formset=RowFormSet,
        extra=0,
        max_num=max_num,
        validate_max=False,
        absolute_max=max(max_num, MAX_ROWS),
    )
    formset_class.default_error_messages = {
        **BaseFormSet.default_error_messages,
        "too_many_forms": too_many,
        "missing_management_form": "表單資料不完整，請重新整理頁面後再試一次。",
    }
    return formset_class


class PartnerRowForm(RowForm):
    region = forms.ChoiceField(label="交流地區", choices=[("", "請選擇"), *REGION_CHOICES])
    country = forms.CharField(label="交流國家", max_length=100, required=False)
    school = forms.CharField(label="交流學校名稱", max_length=200, required=False)

    def raw_value(self):
        data = self.cleaned_data
        return {"region": data["region"], "country": data["country"], "school": data["school"]}


class WorkRowForm(RowForm):
    item = forms.CharField(label="工作項目", max_length=500)
    planned_date = forms.DateField(
        label="預定完成日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "請輸入正確的日期（年/月/日）。"},
    )
    progress = forms.IntegerField(
        label="執行進度(%)",
        required=False,
        min_value=0,
        max_value=100,
        error_messages=PERCENT_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "class": "percent"}),
    )
    delay_reason = forms.CharField(
        label="進度落後之因素及彌補作法(選填)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def raw_value(self):
        data = self.cleaned_data
        planned = data["planned_date"]
        return {
            "item": data["item"],
            "planned_date": planned.isoformat() if planned else None,
            "progress": data["progress"],
            "delay_reason": data["delay_reason"],
        }


class BudgetRowForm(RowForm):
    item = forms.CharField(label="補(捐)助項目", max_length=200)
    secondary_use = forms.CharField(label="項目二級用途", max_length=200, required=False)
    approved = AmountField(label="核定金額")
    spent = AmountField(label="實支金額", required=False)
    notes = forms.CharField(
        label="執行說明", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def raw_value(self):
        data = self.cleaned_data
        return {
            "item": data["item"],
            "secondary_use": data["secondary_use"],
            "approved": data["approved"],
            "spent": data["spent"],
            "notes": data["notes"],
        }

    def rate(self):
        """The row's 執行情形(%) as shown on the page: from what was typed, or what is stored."""
        source = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else None
        if source is None:
            source = self.initial
        try:
            return execution_rate(int(source.get("spent") or 0), int(source.get("approved") or 0))
        except (TypeError, ValueError):
            return None


class OutcomeRowForm(RowForm):
    category = forms.CharField(label="類別", max_length=50, required=False)
    expected = forms.CharField(
        label="預期成效", max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    achieved = forms.BooleanField(label="檢核勾選", required=False)
    note = forms.CharField(
        label="質性說明", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def raw_value(self):
        data = self.cleaned_data
        return {
            "category": data["category"],
            "expected": data["expected"],
            "achieved": data["achieved"],
            "note": data["note"],
        }


class ImageIdField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_DB_ID)
        kwargs["error_messages"] = {
            "invalid": "圖片資料有誤，請重新上傳。",
            "min_value": "圖片資料有誤，請重新上傳。",
            "max_value": "圖片資料有誤，請重新上傳。",
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)


class AssessmentRowForm(RowForm):
    text = forms.CharField(
        label="文字說明", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    image = ImageIdField(label="圖片上傳", required=False)

    def raw_value(self):
        return {"text": self.cleaned_data["text"], "image": self.cleaned_data["image"]}


class PhotoRowForm(RowForm):
    image = ImageIdField(label="圖片", error_messages={"required": "請先上傳照片。"})
    caption = forms.CharField(label="說明", max_length=200, required=False)
    consent = forms.BooleanField(label="已取得家長/監護人同意", required=False)

    def raw_value(self):
        return {"image": self.cleaned_data["image"], "caption": self.cleaned_data["caption"]}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)


class SchoolTabForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = SchoolStage.choices  # no "---------" radio

    class Meta:
        model = OutcomeReport
        fields = TAB_FIELDS[Tab.SCHOOL]
        widgets = {"stage": forms.RadioSelect(choices=SchoolStage.choices)}


class ExchangeMatrixForm(forms.Form):
    """The matrix of tab 2: each exchange type with its items, theme and scale."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for exchange_type in EXCHANGE_TYPES:
            key = exchange_type.key
            self.fields[f"{key}_selected"] = forms.BooleanField(
                label=exchange_type.label, required=False
            )
            self.fields[f"{key}_items"] = forms.MultipleChoiceField(
                label="交流項目",
                required=False,
                choices=exchange_type.items,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": "所選交流項目不屬於此交流類型。"},
            )
            self.fields[f"{key}_theme"] = forms.CharField(
                label="交流方案主題", required=False, max_length=200
            )
            self.fields[f"{key}_students"] = forms.IntegerField(
                label="學生數",
                required=False,
                min_value=0,
                max_value=blocks.MAX_HEADCOUNT,
                error_messages=HEADCOUNT_ERRORS,
            )
            if exchange_type.counts_teachers:
                self.fields[f"{key}_teachers"] = forms.IntegerField(
                    label="教師數",
                    required=False,
                    min_value=0,
                    max_value=blocks.MAX_HEADCOUNT,
                    error_messages=HEADCOUNT_ERRORS,
                )

    @staticmethod
    def initial_from(stream_raw: list[dict]) -> dict[str, Any]:
        initial = {}
        for child in stream_raw:
            value = child.get("value") or {}
            key = value.get("kind")
            initial[f"{key}_selected"] = True
            initial[f"{key}_items"] = value.get("items") or []
            initial[f"{key}_theme"] = value.get("theme") or ""
            initial[f"{key}_students"] = value.get("students")
            initial[f"{key}_teachers"] = value.get("teachers")
        return initial

    def clean(self):
        cleaned = super().clean()
        for exchange_type in EXCHANGE_TYPES:
            key = exchange_type.key
            selected = cleaned.get(f"{key}_selected")
            items = cleaned.get(f"{key}_items") or []
            if selected and not items:
                self.add_error(f"{key}_items", "已勾選此交流類型，請至少勾選一項交流項目。")
            if not selected and items:
                self.add_error(f"{key}_selected", "已勾選交流項目，請一併勾選此交流類型。")
        return cleaned

    def rows(self):
        """The matrix laid out for the template: one entry per exchange type."""
        rows = []
        for exchange_type in EXCHANGE_TYPES:
            key = exchange_type.key
            rows.append(
                {
                    "type": exchange_type,
                    "selected": self[f"{key}_selected"],
                    "items": self[f"{key}_items"],
                    "theme": self[f"{key}_theme"],
                    "students": self[f"{key}_students"],
                    "teachers": self[f"{key}_teachers"] if exchange_type.counts_teachers else None,
                }
            )
        return rows

    def raw_stream(self, existing: list[dict]) -> list[dict]:
        ids = {(c.get("value") or {}).get("kind"): c.get("id") for c in existing}
        stream = []
        for exchange_type in EXCHANGE_TYPES:
            key = exchange_type.key
            if not self.cleaned_data.get(f"{key}_selected"):
                continue
            stream.append(
                {
                    "type": "exchange",
                    "id": ids.get(key) or str(uuid.uuid4()),
                    "value": {
                        "kind": key,
                        "items": self.cleaned_data[f"{key}_items"],
                        "theme": self.cleaned_data[f"{key}_theme"],
                        "students": self.cleaned_data[f"{key}_students"],
                        "teachers": self.cleaned_data.get(f"{key}_teachers"),
                    },
                }
            )
        return stream


class TabForm:
    """Everything one tab posts: its plain fields, its row tables and the version it edits."""

    tab: ClassVar[str]
    # formset prefix -> (row form, model field, block type, max rows)
    too_many: ClassVar[str] = "每個表格最多 %(num)d 列。"
    tables: ClassVar[dict[str, tuple[type[RowForm], str, str, int]]] = {}
    template_name: ClassVar[str]

    def __init__(self, report: OutcomeReport, data=None):
        self.report = report
        self.is_bound = data is not None
        self.version_form = VersionForm(data, initial={"version": report.version_of(self.tab)})
        self.main = self.build_main(data)
        self.formsets = {
            prefix: row_formset(form_class, max_num, self.too_many)(
                data, prefix=prefix, initial=None if data is not None else self.initial_rows(field)
            )
            for prefix, (form_class, field, _block, max_num) in self.tables.items()
        }
        self.extra_errors: list[str] = []
        self.image_consents: dict[int, bool] = {}
        self._changes: dict[str, Any] = {}

    # -- building ---------------------------------------------------------------------------

    def build_main(self, data):
        return None

    def initial_rows(self, field: str) -> list[dict]:
        rows = []
        for child in getattr(self.report, field).raw_data:
            rows.append({"id": child.get("id") or "", **(child.get("value") or {})})
        return rows

    @property
    def version(self) -> int:
        if self.version_form.is_bound and self.version_form.is_valid():
            return self.version_form.cleaned_data["version"]
        return self.report.version_of(self.tab)

    # -- validation -------------------------------------------------------------------------

    def is_valid(self) -> bool:
        if not self.is_bound:
            return False
        valid = self.version_form.is_valid()
        if self.main is not None:
            valid = self.main.is_valid() and valid
        for formset in self.formsets.values():
            valid = formset.is_valid() and valid
        if not valid:
            return False
        self._changes = {}
        self.clean()
        if self.extra_errors:  # a rule across rows refused the data: nothing to build
            return False
        for prefix, (_form, field, block_type, _max) in self.tables.items():
            raw = self.raw_rows(prefix, field, block_type)
            self._changes[field] = self.validated_stream(field, raw)
        if self.main is not None:
            self._changes.update(self.main_changes())
        return not self.extra_errors

    def clean(self):
        """Rules across rows or fields; add messages to self.extra_errors."""

    def raw_rows(self, prefix: str, field: str, block_type: str) -> list[dict]:
        known_ids = {c.get("id") for c in getattr(self.report, field).raw_data}
        rows, used = [], set()
        for form in self.formsets[prefix].filled_forms():
            row_id = form.cleaned_data.get("id") or ""
            if row_id not in known_ids or row_id in used:  # forged, new or repeated id
                row_id = str(uuid.uuid4())
            used.add(row_id)
            rows.append({"type": block_type, "id": row_id, "value": form.raw_value()})
        return rows

    def validated_stream(self, field: str, raw: list[dict]):
        """Run the blocks' own validation on the rows: the last line of defence."""
        stream_block = OutcomeReport._meta.get_field(field).stream_block
        try:
            return stream_block.clean(stream_block.to_python(raw))
        except ValidationError:
            self.extra_errors.append("資料格式有誤，請重新整理頁面後再試一次。")
            return None

    def check_images(self, prefix: str):
        """Every image must exist and belong to this report's school."""
        forms_with_images = [
            form for form in self.formsets[prefix].filled_forms() if form.cleaned_data.get("image")
        ]
        ids = {form.cleaned_data["image"] for form in forms_with_images}
        owned = set(
            PortalImage.objects.filter(
                pk__in=ids, school_id=self.report.plan.school_id
            ).values_list("pk", flat=True)
        )
        for form in forms_with_images:
            if form.cleaned_data["image"] not in owned:
                form.add_error("image", "圖片不存在或不屬於本校，請重新上傳。")
                self.extra_errors.append("有圖片不存在或不屬於本校，請重新上傳。")

    def changes(self) -> dict[str, Any]:
        """Column -> new value, for the columns this tab owns (after is_valid())."""
        return dict(self._changes)

    def main_changes(self) -> dict[str, Any]:
        return {}

    # -- presentation -----------------------------------------------------------------------

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the summary at the top of the tab."""
        summary = [("", message) for message in dict.fromkeys(self.extra_errors)]
        if self.main is not None:
            for message in self.main.non_field_errors():
                summary.append(("", message))
            for name, errors in self.main.errors.items():
                if name == "__all__":
                    continue
                field = self.main[name]
                for message in errors:
                    summary.append((field.auto_id, f"{field.label}：{message}"))
        for formset in self.formsets.values():
            for message in formset.non_form_errors():
                summary.append(("", message))
            for index, form in enumerate(formset.forms, start=1):
                for name, errors in form.errors.items():
                    if name == "__all__":
                        anchor, label = "", ""
                    else:
                        anchor, label = form[name].auto_id, f"「{form[name].label}」"
                    for message in errors:
                        summary.append((anchor, f"第 {index} 列{label}：{message}"))
        return summary

    @cached_property
    def images(self) -> dict[int, PortalImage]:
        """The school's images the rows show, fetched at once with their thumbnails."""
        ids = set()
        for formset in self.formsets.values():
            for form in formset.forms:
                value = form["image"].value() if "image" in form.fields else None
                if str(value or "").isdigit() and 0 < int(value) <= MAX_DB_ID:
                    ids.add(int(value))
        if not ids:
            return {}
        images = PortalImage.objects.filter(
            pk__in=ids, school_id=self.report.plan.school_id
        ).prefetch_renditions(THUMBNAIL_SPEC)
        return {image.pk: image for image in images}

    @property
    def has_errors(self) -> bool:
        return self.is_bound and bool(self.error_summary())


class SchoolTab(TabForm):
    tab = Tab.SCHOOL
    template_name = "intl_reports/report/tabs/school.html"

    def build_main(self, data):
        return SchoolTabForm(data, instance=self.report)

    def main_changes(self):
        return {name: self.main.cleaned_data[name] for name in TAB_FIELDS[Tab.SCHOOL]}


class PlanTab(TabForm):
    tab = Tab.PLAN
    template_name = "intl_reports/report/tabs/plan.html"
    tables = {"partners": (PartnerRowForm, "partners", "partner", MAX_ROWS)}

    def build_main(self, data):
        return ExchangeMatrixForm(
            data,
            prefix="matrix",
            initial=ExchangeMatrixForm.initial_from(self.report.exchanges.raw_data),
        )

    def main_changes(self):
        raw = self.main.raw_stream(self.report.exchanges.raw_data)
        return {"exchanges": self.validated_stream("exchanges", raw)}


class WorkTab(TabForm):
    tab = Tab.WORK
    template_name = "intl_reports/report/tabs/work.html"
    tables = {"work": (WorkRowForm, "work_items", "work_item", MAX_ROWS)}


class BudgetTab(TabForm):
    tab = Tab.BUDGET
    template_name = "intl_reports/report/tabs/budget.html"
    tables = {"budget": (BudgetRowForm, "budget_lines", "budget_line", MAX_ROWS)}

    def clean(self):
        approved_sum = sum(
            form.cleaned_data["approved"] for form in self.formsets["budget"].filled_forms()
        )
        total = self.report.approved_total
        if approved_sum != total:
            self.extra_errors.append(
                f"核定金額總額（{approved_sum:,} 元）與核定計畫總額（{total:,} 元）不相同。"
                "請依據複審主計意見調整核定金額，使兩者相同後再存檔。"
            )


class OutcomesTab(TabForm):
    tab = Tab.OUTCOMES
    template_name = "intl_reports/report/tabs/outcomes.html"
    tables = {"outcomes": (OutcomeRowForm, "outcome_checks", "outcome", MAX_ROWS)}


class AssessmentTab(TabForm):
    tab = Tab.ASSESSMENT
    template_name = "intl_reports/report/tabs/assessment.html"
    tables = {"assessment": (AssessmentRowForm, "assessments", "assessment", 50)}
    default_rows = 3

    def initial_rows(self, field):
        rows = super().initial_rows(field)
        return rows + [{}] * max(0, self.default_rows - len(rows))

    def clean(self):
        self.check_images("assessment")


class PhotosForm(forms.Form):
    features = forms.CharField(
        label="辦理特色",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ResultsTab(TabForm):
    tab = Tab.RESULTS
    template_name = "intl_reports/report/tabs/results.html"
    tables = {"photos": (PhotoRowForm, "photos", "photo", blocks.MAX_PHOTOS)}
    too_many = "活動照片以%(num)d張為限，請刪除多餘的照片。"

    def build_main(self, data):
        return PhotosForm(data, initial={"features": self.report.features})

    def initial_rows(self, field):
        rows = super().initial_rows(field)
        consents = dict(
            PortalImage.objects.filter(
                pk__in=[row.get("image") for row in rows if row.get("image")]
            ).values_list("pk", "guardian_consent")
        )
        for row in rows:
            row["consent"] = consents.get(row.get("image"), False)
        return rows

    def clean(self):
        formset = self.formsets["photos"]
        filled = formset.filled_forms()
        self.check_images("photos")
        self.image_consents = {
            form.cleaned_data["image"]: form.cleaned_data["consent"]
            for form in filled
            if form.cleaned_data.get("image")
        }

    def main_changes(self):
        return {"features": self.main.cleaned_data["features"]}


TAB_FORMS: dict[str, type[TabForm]] = {
    form.tab: form
    for form in (SchoolTab, PlanTab, WorkTab, BudgetTab, OutcomesTab, AssessmentTab, ResultsTab)
}
