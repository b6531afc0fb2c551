"""Bulk loading of schools and plans from CSV or XLSX, all or nothing.

Every row is validated first; a file with any error imports nothing, and each error names its
row (as the spreadsheet numbers it, header = row 1) and column in Chinese.
"""

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.db import transaction

from .models import Authority, Plan, Programme, ReviewResult, School, SchoolStage
from .models.reference import BASIC_DATA_FIELDS

MAX_ROWS = 10_000


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_table(uploaded) -> list[dict[str, str]]:
    """Rows of an uploaded .csv (UTF-8, with or without BOM, or Big5) or .xlsx as dicts."""
    name = (uploaded.name or "").lower()
    data = uploaded.read()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ImportFileError("只接受 CSV（.csv）或 Excel（.xlsx）檔案。")
    if not rows:
        raise ImportFileError("檔案是空的，至少需要標題列與一列資料。")
    header = [str(cell or "").strip() for cell in rows[0]]
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(f"一次最多匯入 {MAX_ROWS} 列。")
    table = []
    for values in rows[1:]:
        cells = [("" if cell is None else str(cell)).strip() for cell in values]
        if not any(cells):
            table.append({})  # keep numbering; blank rows are skipped later
            continue
        table.append(dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False)))
    return table


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "big5"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("無法辨識檔案的文字編碼，請另存為 UTF-8 的 CSV。")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
        raise ImportFileError(
            "無法讀取此 CSV 檔案：內容格式有誤或儲存格過長，請確認檔案內容後再匯入。"
        ) from error


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise ImportFileError("無法讀取此 Excel 檔案，請確認檔案未損毀且為 .xlsx 格式。") from error
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    # Excel gives whole numbers as int or float; keep "337500", not "337500.0".
    return [[int(c) if isinstance(c, float) and c.is_integer() else c for c in row] for row in rows]


class _ChineseChoiceField(forms.ChoiceField):
    """Accepts a choice by its Chinese label, as people type it in a spreadsheet."""

    def __init__(self, choices, **kwargs):
        self.by_label = {str(label): value for value, label in choices}
        super().__init__(choices=[(label, label) for label in self.by_label], **kwargs)

    def clean(self, value):
        label = super().clean(value)
        return self.by_label.get(label, "")


class SchoolRowForm(forms.ModelForm):
    authority_name = forms.CharField(label="主管機關")
    stage = _ChineseChoiceField(SchoolStage.choices, label="學習階段與類型", required=False)

    class Meta:
        model = School
        fields = ["name", "code", *BASIC_DATA_FIELDS]

    def clean_authority_name(self):
        name = self.cleaned_data["authority_name"]
        authority = Authority.objects.filter(name=name).first()
        if authority is None:
            raise forms.ValidationError(f"找不到主管機關「{name}」，請先在主管機關管理中建立。")
        self.instance.authority = authority
        return name


class PlanRowForm(forms.ModelForm):
    school_code = forms.CharField(label="學校代碼")
    kind = _ChineseChoiceField(Programme.Kind.choices, label="類別")
    academic_year = forms.IntegerField(label="學年度", min_value=80, max_value=300)
    review_result = _ChineseChoiceField(ReviewResult.choices, label="計畫書審查結果")

    class Meta:
        model = Plan
        fields = ["title", "serial", "review_result", "approved_total"]

    def clean_school_code(self):
        code = self.cleaned_data["school_code"]
        school = School.objects.filter(code=code).first()
        if school is None:
            raise forms.ValidationError(f"找不到學校代碼「{code}」。")
        self.instance.school = school
        return code

    def clean(self):
        cleaned = super().clean()
        kind, year = cleaned.get("kind"), cleaned.get("academic_year")
        if kind and year:
            programme = Programme.objects.filter(kind=kind, academic_year=year).first()
            if programme is None:
                label = Programme.Kind(kind).label
                raise forms.ValidationError(
                    f"找不到「{year}學年度 {label}」計畫類別，請先建立並設定成果報告繳交期限。"
                )
            self.instance.programme = programme
        return cleaned


@dataclass(frozen=True)
class Importer:
    label: str
    form_class: type[forms.ModelForm]
    # Spreadsheet column -> form field.
    columns: dict[str, str]
    key_column: str

    def run(self, table: list[dict[str, str]]) -> ImportResult:
        result = ImportResult()
        missing = [c for c in self.columns if table and c not in _all_columns(table)]
        if missing:
            result.errors.append("缺少欄位：" + "、".join(missing))
            return result
        forms_to_save, seen_keys = [], {}
        for index, row in enumerate(table, start=2):
            if not row:
                continue
            data = {field_name: row.get(column, "") for column, field_name in self.columns.items()}
            key = row.get(self.key_column, "")
            model = self.form_class._meta.model
            lookup_field = self.columns[self.key_column]
            instance = model.objects.filter(**{lookup_field: key}).first() if key else None
            form = self.form_class(data, instance=instance)
            if key in seen_keys:
                result.errors.append(
                    f"第 {index} 列：{self.key_column}「{key}」與第 {seen_keys[key]} 列重複。"
                )
            seen_keys.setdefault(key, index)
            if not form.is_valid():
                result.errors.extend(_describe(index, form, self.columns))
            forms_to_save.append(form)
        if not forms_to_save and not result.errors:
            result.errors.append("檔案中沒有資料列。")
        if result.errors:
            return result
        with transaction.atomic():
            for form in forms_to_save:
                if form.instance.pk:
                    result.updated += 1
                else:
                    result.created += 1
                form.save()
        return result


def _all_columns(table):
    return {column for row in table for column in row}


def _describe(index: int, form: forms.Form, columns: dict[str, str]) -> list[str]:
    label_of = {field_name: column for column, field_name in columns.items()}
    messages = []
    for field_name, errors in form.errors.items():
        where = label_of.get(field_name, "") if field_name != "__all__" else ""
        for error in errors:
            messages.append(f"第 {index} 列" + (f"「{where}」" if where else "") + f"：{error}")
    return messages


SCHOOL_IMPORTER = Importer(
    label="學校",
    form_class=SchoolRowForm,
    columns={
        "主管機關": "authority_name",
        "學校名稱": "name",
        "學校代碼": "code",
        "學校地址": "address",
        "學習階段與類型": "stage",
        "班級數": "class_count",
        "學生數": "student_count",
        "教師數": "teacher_count",
        "聯絡人姓名": "contact_name",
        "聯絡人電話": "contact_phone",
        "聯絡人行動電話": "contact_mobile",
        "聯絡人Email": "contact_email",
        "校長姓名": "principal_name",
        "校長電話": "principal_phone",
        "校長行動電話": "principal_mobile",
    },
    key_column="學校代碼",
)

PLAN_IMPORTER = Importer(
    label="計畫書",
    form_class=PlanRowForm,
    columns={
        "學校代碼": "school_code",
        "類別": "kind",
        "學年度": "academic_year",
        "計畫名稱": "title",
        "計畫編號": "serial",
        "計畫書審查結果": "review_result",
        "核定計畫總額": "approved_total",
    },
    key_column="計畫編號",
)

IMPORTERS = {"schools": SCHOOL_IMPORTER, "plans": PLAN_IMPORTER}
