"""URLs of the plan service. Every one of them is private and never cached."""

from django.urls import path

from . import dashboard_urls
from .accounts import views as accounts
from .views import pdf, reports, service, signoff

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
    *dashboard_urls.service_urlpatterns,
    path("service/reports/", reports.ReportListView.as_view(), name="report_list"),
    path("service/reports/<int:plan_id>/", reports.ReportHomeView.as_view(), name="report"),
    path(
        "service/reports/<int:plan_id>/photos/",
        reports.PhotoUploadView.as_view(),
        name="photo_upload",
    ),
    path(
        "service/reports/<int:plan_id>/signoff/<slug:role>/",
        signoff.SignOffRequestView.as_view(),
        name="signoff_request",
    ),
    path("service/reports/<int:plan_id>/pdf/", pdf.ReportPdfView.as_view(), name="report_pdf"),
    # Last of the report URLs: its <slug:tab> would also match "photos".
    path(
        "service/reports/<int:plan_id>/<slug:tab>/",
        reports.ReportTabView.as_view(),
        name="report_tab",
    ),
    path("signoff/<str:token>/", signoff.SignOffConfirmView.as_view(), name="signoff_confirm"),
]
