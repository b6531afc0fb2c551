from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from intl_reports.models import Membership

from .emails import send_account_link
from .forms import AccountLinkForm, ActivationForm, LoginForm

LINK_SENT = "若帳號資料正確，連結已寄至該帳號登記的聯絡人Email，請於{hours}小時內使用。"


@method_decorator([sensitive_post_parameters("password"), csrf_protect, never_cache], "dispatch")
class LoginView(FormView):
    """登入: 欲前往 (學校 / 主管機關), 帳號, 密碼."""

    template_name = "intl_reports/accounts/login.html"
    form_class = LoginForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        login(self.request, form.user)
        return redirect(self.get_success_url())

    def get_success_url(self):
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return reverse_lazy("intl_reports:menu")

    def get_context_data(self, **kwargs):
        next_url = self.request.POST.get("next") or self.request.GET.get("next", "")
        return super().get_context_data(next=next_url, **kwargs)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("intl_reports:login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "您已登出。")
        return response


def _membership_for(username: str, destination: str, *, active: bool) -> Membership | None:
    user = (
        get_user_model()
        ._default_manager.filter(username=username, is_active=active)
        .select_related("membership__school", "membership__authority")
        .first()
    )
    membership = getattr(user, "membership", None) if user else None
    if membership is None or membership.role != destination or not membership.contact_email:
        return None
    return membership


@method_decorator(never_cache, "dispatch")
class FirstLoginView(FormView):
    """第一次登入: a ministry-created account gets an activation link at its contact e-mail."""

    template_name = "intl_reports/accounts/first_login.html"
    form_class = AccountLinkForm
    link_kind = "activate"
    account_is_active = False

    def form_valid(self, form):
        membership = _membership_for(
            form.cleaned_data["username"],
            form.cleaned_data["destination"],
            active=self.account_is_active,
        )
        if membership is not None:
            send_account_link(
                self.request, membership.user, self.link_kind, membership.contact_email
            )
        # The same answer whether or not the account exists.
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        messages.success(self.request, LINK_SENT.format(hours=hours))
        return redirect("intl_reports:login")


class ForgotPasswordView(FirstLoginView):
    """忘記密碼?: an active account gets a reset link at its contact e-mail."""

    template_name = "intl_reports/accounts/forgot_password.html"
    link_kind = "reset"
    account_is_active = True


class ActivateView(auth_views.PasswordResetConfirmView):
    template_name = "intl_reports/accounts/set_password.html"
    form_class = ActivationForm
    success_url = reverse_lazy("intl_reports:login")
    extra_context = {"heading": "第一次登入：設定密碼"}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "帳號已啟用，請以新密碼登入。")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "intl_reports/accounts/set_password.html"
    success_url = reverse_lazy("intl_reports:login")
    extra_context = {"heading": "重設密碼"}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密碼已重設，請以新密碼登入。")
        return response


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers once an account is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "intl_reports/accounts/locked_out.html",
        {"minutes": minutes, "form": LoginForm(request)},
        status=429,
    )
