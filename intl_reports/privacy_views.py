"""Admin screens for one school's personal data: export it as a ZIP, or erase it.

Both are reached from the school's row and inspect page in the 學校 admin, and both ask
`permissions.can_manage_personal_data`. Erasing is a POST of a form on which the editor typed
the school's name, so a stray click or a forged link cannot erase anything.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe
from django.views.generic import FormView

from . import audit, permissions, privacy
from .models import AuditAction, OutcomeReport, PortalImage, School


def _school_for(request, pk) -> School:
    if not permissions.can_manage_personal_data(request.user):
        raise PermissionDenied
    return get_object_or_404(School.objects.select_related("authority"), pk=pk)


@require_safe
def export_school_data(request, pk):
    school = _school_for(request, pk)
    archive = privacy.export_school(school)
    audit.record(
        AuditAction.PERSONAL_DATA_EXPORTED,
        request=request,
        target=school,
        school=school,
        photos=PortalImage.objects.filter(school=school).count(),
        users=school.memberships.count(),
    )
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=privacy.export_filename(school),
        content_type="application/zip",
    )
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


class EraseForm(forms.Form):
    confirm_name = forms.CharField(
        label="請輸入學校名稱以確認",
        max_length=200,
        help_text="請完整輸入上方的學校名稱，確認要刪除這所學校的個人資料。",
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"].strip()
        if typed != self.school.name:
            raise forms.ValidationError("輸入的學校名稱不符，未刪除任何資料。")
        return typed


class SchoolDataEraseView(FormView):
    template_name = "intl_reports/privacy/erase_confirm.html"
    form_class = EraseForm
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        self.school = _school_for(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "school": self.school}

    def form_valid(self, form):
        with transaction.atomic():
            result = privacy.erase_school(self.school, user=self.request.user)
            audit.record(
                AuditAction.PERSONAL_DATA_ERASED,
                request=self.request,
                target=self.school,
                school=self.school,
                users=len(result.users),
                photos=result.photos,
                renditions=result.renditions,
                reports=result.reports,
            )
        messages.success(
            self.request,
            f"已刪除「{self.school.name}」的個人資料：停用並匿名化 {len(result.users)} 個帳號，"
            f"刪除 {result.photos} 張照片，清除學校與成果報告的聯絡資料；"
            "成果報告的經費、進度與成效資料均已保留。",
        )
        return redirect("intl_reports_school_modeladmin_inspect", instance_pk=self.school.pk)

    def form_invalid(self, form):
        messages.error(self.request, "未刪除任何資料：請確認輸入的學校名稱。")
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        school = self.school
        return super().get_context_data(
            school=school,
            page_title=f"刪除個人資料：{school.name}",
            users=school.memberships.select_related("user").order_by("user__username"),
            photo_count=PortalImage.objects.filter(school=school).count(),
            report_count=OutcomeReport.objects.filter(plan__school=school).count(),
            **kwargs,
        )
