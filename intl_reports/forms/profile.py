from django import forms

from intl_reports.models import School, SchoolStage
from intl_reports.models.reference import BASIC_DATA_FIELDS


class SchoolProfileForm(forms.ModelForm):
    """基本資料維護: name and code are the ministry's; the school keeps the rest current."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = SchoolStage.choices  # no "---------" radio

    class Meta:
        model = School
        fields = BASIC_DATA_FIELDS
        widgets = {"stage": forms.RadioSelect}
