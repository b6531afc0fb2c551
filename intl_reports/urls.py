"""URLs of the plan service. Every one of them is private and never cached."""

from django.urls import path

from .accounts import views as accounts
from .views import reports, service

app_name = "intl_reports"

urlpatterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("login/first/", accounts.FirstLoginView.as_view(), name="first_login"),
    path("login/forgot/", accounts.ForgotPasswordView.as_view(), name="forgot_password"),
    path("login/activate/<uidb64>/<token>/", accounts.ActivateView.as_view(), name="activate"),
    path(
        "login/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("service/", service.MenuView.as_view(), name="menu"),
    path("service/profile/", service.SchoolProfileView.as_view(), name="school_profile"),
    path("service/plans/", service.PlanListView.as_view(), name="plan_list"),
    path("service/reports/", reports.ReportListView.as_view(), name="report_list"),
]
