from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from intl_reports import audit, permissions, signoff
from intl_reports.models import AuditAction

from .reports import ReportMixin


class SignOffRequestView(ReportMixin, View):
    """The button on tab 1: mail the unit head or the principal a confirmation link."""

    def post(self, request, plan_id, role):
        report = self.get_report()
        sign_role = signoff.ROLES.get(role)
        if sign_role is None:
            raise Http404
        if not permissions.can_request_signoff(request.user, report):
            messages.error(request, "您無法為此成果報告寄送核章確認信。")
        else:
            try:
                recipient = signoff.send_request(request, report, sign_role)
            except signoff.SignOffError as error:
                messages.error(request, str(error))
            else:
                audit.record(
                    AuditAction.SIGNOFF_REQUESTED, request=request, target=report, role=role
                )
                messages.success(request, f"已寄送「{sign_role.label}」確認信至 {recipient}。")
        return redirect("intl_reports:report_tab", plan_id=plan_id, tab="school")


@method_decorator(never_cache, "dispatch")
class SignOffConfirmView(View):
    """Opened from the e-mail by someone who may have no account: GET shows what is being
    confirmed, POST (the button) records it, so a mail scanner following links confirms
    nothing."""

    template_name = "intl_reports/report/signoff_confirm.html"

    def get(self, request, token):
        try:
            report, role = signoff.read_token(token)
        except signoff.SignOffError as error:
            return render(request, self.template_name, {"error": str(error)}, status=400)
        return render(request, self.template_name, {"report": report, "role": role})

    def post(self, request, token):
        try:
            report, role = signoff.confirm(token)
        except signoff.SignOffError as error:
            return render(request, self.template_name, {"error": str(error)}, status=400)
        audit.record(AuditAction.SIGNOFF_CONFIRMED, request=request, target=report, role=role.key)
        return render(
            request,
            self.template_name,
            {
                "report": report,
                "role": role,
                "confirmed": True,
                "confirmed_at": getattr(report, role.confirmed_field),
            },
        )
