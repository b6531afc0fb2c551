from django import forms

from intl_reports.models import School
from intl_reports.models.reference import BASIC_DATA_FIELDS


class SchoolProfileForm(forms.ModelForm):
    """基本資料維護: name and code are the ministry's; the school keeps the rest current."""

    class Meta:
        model = School
        fields = BASIC_DATA_FIELDS
        widgets = {"stage": forms.RadioSelect}
