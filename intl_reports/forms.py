from django import forms

from .models import School


class SchoolProfileForm(forms.ModelForm):
    """基本資料維護: name and code are the ministry's; the school keeps the rest current."""

    class Meta:
        model = School
        fields = [
            "address",
            "stage",
            "class_count",
            "student_count",
            "teacher_count",
            "contact_name",
            "contact_phone",
            "contact_mobile",
            "contact_email",
            "principal_name",
            "principal_phone",
            "principal_mobile",
        ]
        widgets = {"stage": forms.RadioSelect}
