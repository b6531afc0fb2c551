import warnings

from django import forms
from django.core.exceptions import ValidationError
from PIL import Image
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

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


class CheckedImageField(WagtailImageField):
    """Wagtail's image field, made safe against hostile files in the editors' image library.

    - The declared size is read from the header and checked first: Willow's get_size() decodes
      the whole image, so a bomb under Pillow's own limit was decoded before being refused.
    - A file whose header or data Pillow cannot decode (truncated, corrupt) is a form error:
      Wagtail lets those through to a server error (wagtail/wagtail#1354).
    - Its messages are in Traditional Chinese, which Wagtail's catalogue lacks for some.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages.update(
            {
                "empty": "檔案是空的，請重新選擇圖片。",
                "invalid_image": "這個檔案不是可讀取的圖片，或檔案已損毀，請重新選擇。",
                "invalid_image_extension": (
                    f"不支援此圖片格式，請上傳 {self.supported_formats_text} 圖片。"
                ),
                "file_too_large": (
                    "檔案過大（%(file_size)s），上限為 %(max_filesize)s，請縮小後再上傳。"
                ),
                "invalid_image_known_format": (
                    "副檔名「.%(extension)s」與檔案內容（%(image_format)s）不符，"
                    "請確認檔案後再上傳。"
                ),
                "file_too_many_pixels": (
                    "圖片像素過多（上限 %(max_pixels_count)s 像素），請縮小後再上傳。"
                ),
            }
        )

    def to_python(self, data):
        try:
            return super().to_python(data)
        except ValidationError:
            raise
        except Exception as error:  # Pillow raises many kinds on a broken file
            raise ValidationError(
                self.error_messages["invalid_image"], code="invalid_image"
            ) from error

    def check_image_pixel_size(self, f):
        if self.max_image_pixels is not None and f.image.format_name != "svg":
            too_many = ValidationError(
                self.error_messages["file_too_many_pixels"]
                % {"max_pixels_count": self.max_image_pixels},
                code="file_too_many_pixels",
            )
            source = f.image.f
            source.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                try:
                    with Image.open(source) as probe:  # reads the header only
                        width, height = probe.size
                except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                    raise too_many from None
            source.seek(0)
            if width * height > self.max_image_pixels:
                raise too_many
        super().check_image_pixel_size(f)


class PortalImageForm(BaseImageForm):
    """The editors' image form (WAGTAILIMAGES_IMAGE_FORM_BASE): Wagtail's, with the checked
    file field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            field = self.fields["file"]
            self.fields["file"] = CheckedImageField(
                label=field.label, required=field.required, widget=field.widget
            )
