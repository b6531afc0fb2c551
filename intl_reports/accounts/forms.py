from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import SetPasswordForm

from intl_reports.models import Role

# One message for an unknown account and a wrong password, so the form never tells whether
# an account exists. Messages that need the right password first may say more.
INVALID_LOGIN = "帳號或密碼錯誤，請重新輸入。連續錯誤多次將暫時鎖定帳號。"
INACTIVE_LOGIN = "此帳號尚未啟用，請點選「第一次登入」取得啟用連結。"
WRONG_DESTINATION = "此帳號不是「{destination}」帳號，請確認「欲前往」的選項。"


class LoginForm(forms.Form):
    destination = forms.ChoiceField(
        label="欲前往", choices=Role.choices, initial=Role.SCHOOL, widget=forms.Select
    )
    username = forms.CharField(
        label="帳號",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label="密碼",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        destination = cleaned.get("destination")
        if not (username and password and destination):
            return cleaned
        # Axes' backend raises a lockout through authenticate(); its middleware answers it.
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            if self._is_inactive_with_right_password(username, password):
                raise forms.ValidationError(INACTIVE_LOGIN, code="inactive")
            raise forms.ValidationError(INVALID_LOGIN, code="invalid_login")
        membership = getattr(user, "membership", None)
        if membership is None or membership.role != destination:
            raise forms.ValidationError(
                WRONG_DESTINATION.format(destination=Role(destination).label),
                code="wrong_destination",
            )
        self.user = user
        return cleaned

    @staticmethod
    def _is_inactive_with_right_password(username, password) -> bool:
        user = get_user_model()._default_manager.filter(username=username).first()
        return bool(user and not user.is_active and user.check_password(password))


class AccountLinkForm(forms.Form):
    """第一次登入 and 忘記密碼? both ask which account, and mail a link to its contact."""

    destination = forms.ChoiceField(label="欲前往", choices=Role.choices, initial=Role.SCHOOL)
    username = forms.CharField(label="帳號", max_length=150)


class ActivationForm(SetPasswordForm):
    """Sets the first password and activates the account created by the ministry."""

    def save(self, commit=True):
        self.user.is_active = True
        return super().save(commit=commit)
