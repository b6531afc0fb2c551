"""URLs of the dashboards and open data, for the lead to include.

- `service_urlpatterns`: in intl_reports/urls.py (namespace intl_reports), private, never cached:
  ``*dashboard_urls.service_urlpatterns,`` inside ``urlpatterns``.
- `public_urlpatterns`: in site/portal/urls.py, before Wagtail's page serving:
  ``path("", include(dashboard_urls.public_urlpatterns)),``.
The editors' dashboard is registered in the admin by intl_reports/dashboard_hooks.py.
"""

from django.urls import path

from .views import dashboards, opendata

service_urlpatterns = [
    path(
        "service/dashboard/",
        dashboards.AuthorityDashboardView.as_view(),
        name="authority_dashboard",
    ),
]

public_urlpatterns = [
    path("open-data/", opendata.OpenDataPageView.as_view(), name="open_data"),
    path("open-data/outcomes.csv", opendata.outcomes_csv, name="open_data_csv"),
    path("open-data/outcomes.json", opendata.outcomes_json, name="open_data_json"),
]
