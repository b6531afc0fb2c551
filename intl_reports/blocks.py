"""StreamField blocks of plans and outcome reports: one block per kind of row.

The plan (計畫書) and the report share these blocks, so "bringing in" the plan's data is a copy
of its stream data, and the report's rows validate by the same rules.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock

from .exchange import (
    EXCHANGE_ITEM_CHOICES,
    EXCHANGE_TYPE_BY_KEY,
    EXCHANGE_TYPE_CHOICES,
    REGION_CHOICES,
)

# Whole New Taiwan dollars; anything above ten billion in a school subsidy is a typing error.
MAX_AMOUNT = 10_000_000_000
MAX_HEADCOUNT = 100_000


class ReportImageBlock(ImageChooserBlock):
    """An image chooser whose clean() trusts the instance its bulk to_python() already fetched,
    instead of looking every image up again (one query per row). Ownership is checked by the
    tab forms, for all rows in one query."""

    def clean(self, value):
        if isinstance(value, self.model_class):
            return value
        return super().clean(value)


class ExchangeTypeBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=EXCHANGE_TYPE_CHOICES, label="交流類型")
    items = blocks.MultipleChoiceBlock(
        choices=EXCHANGE_ITEM_CHOICES, required=False, label="交流項目"
    )
    theme = blocks.CharBlock(required=False, max_length=200, label="交流方案主題")
    students = blocks.IntegerBlock(
        required=False, min_value=0, max_value=MAX_HEADCOUNT, label="學生數"
    )
    teachers = blocks.IntegerBlock(
        required=False, min_value=0, max_value=MAX_HEADCOUNT, label="教師數"
    )

    class Meta:
        icon = "globe"
        label = "交流類型"
        template = "intl_reports/blocks/exchange_type.html"

    def clean(self, value):
        value = super().clean(value)
        exchange_type = EXCHANGE_TYPE_BY_KEY[value["kind"]]
        allowed = {key for key, _label in exchange_type.items}
        errors = {}
        if any(item not in allowed for item in value["items"]):
            errors["items"] = ValidationError("所選交流項目不屬於此交流類型。")
        if not exchange_type.counts_teachers and value["teachers"]:
            errors["teachers"] = ValidationError("此交流類型只填學生數。")
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class PartnerBlock(blocks.StructBlock):
    region = blocks.ChoiceBlock(choices=REGION_CHOICES, label="交流地區")
    country = blocks.CharBlock(required=False, max_length=100, label="交流國家")
    school = blocks.CharBlock(required=False, max_length=200, label="交流學校名稱")

    class Meta:
        icon = "site"
        label = "交流對象"
        template = "intl_reports/blocks/partner.html"


class WorkItemBlock(blocks.StructBlock):
    item = blocks.CharBlock(max_length=500, label="工作項目")
    planned_date = blocks.DateBlock(required=False, label="預定完成日期")
    progress = blocks.IntegerBlock(required=False, min_value=0, max_value=100, label="執行進度(%)")
    delay_reason = blocks.TextBlock(
        required=False, max_length=5000, label="進度落後之因素及彌補作法(選填)"
    )

    class Meta:
        icon = "date"
        label = "工作項目"
        template = "intl_reports/blocks/work_item.html"


class BudgetLineBlock(blocks.StructBlock):
    item = blocks.CharBlock(max_length=200, label="補(捐)助項目")
    secondary_use = blocks.CharBlock(required=False, max_length=200, label="項目二級用途")
    approved = blocks.IntegerBlock(
        min_value=0, validators=[MaxValueValidator(MAX_AMOUNT)], label="核定金額"
    )
    spent = blocks.IntegerBlock(
        required=False, min_value=0, validators=[MaxValueValidator(MAX_AMOUNT)], label="實支金額"
    )
    notes = blocks.TextBlock(required=False, max_length=5000, label="執行說明")

    class Meta:
        icon = "doc-full"
        label = "經費項目"
        template = "intl_reports/blocks/budget_line.html"


class OutcomeCheckBlock(blocks.StructBlock):
    category = blocks.CharBlock(required=False, max_length=50, label="類別")
    expected = blocks.TextBlock(max_length=5000, label="預期成效")
    achieved = blocks.BooleanBlock(required=False, label="檢核勾選")
    note = blocks.TextBlock(required=False, max_length=10000, label="質性說明")

    class Meta:
        icon = "tick"
        label = "預期成效"
        template = "intl_reports/blocks/outcome_check.html"


class AssessmentEntryBlock(blocks.StructBlock):
    text = blocks.TextBlock(required=False, max_length=20000, label="文字說明")
    image = ReportImageBlock(required=False, label="圖片上傳")

    class Meta:
        icon = "image"
        label = "學習評量"
        template = "intl_reports/blocks/assessment_entry.html"


class PhotoBlock(blocks.StructBlock):
    image = ReportImageBlock(label="圖片")
    caption = blocks.CharBlock(required=False, max_length=200, label="說明")

    class Meta:
        icon = "image"
        label = "活動照片"
        template = "intl_reports/blocks/photo.html"


# Stream definitions, used by both the plan and the report.
EXCHANGE_STREAM = [("exchange", ExchangeTypeBlock())]
PARTNER_STREAM = [("partner", PartnerBlock())]
WORK_STREAM = [("work_item", WorkItemBlock())]
BUDGET_STREAM = [("budget_line", BudgetLineBlock())]
OUTCOME_STREAM = [("outcome", OutcomeCheckBlock())]
ASSESSMENT_STREAM = [("assessment", AssessmentEntryBlock())]
PHOTO_STREAM = [("photo", PhotoBlock())]
MAX_PHOTOS = 6
