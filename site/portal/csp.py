"""The Content Security Policy: one strict policy for the site, a relaxed one for Wagtail's admin.

django-csp applies one policy everywhere; its documented extension point is
`get_policy_parts`. Under the admin, the directives of `PORTAL_ADMIN_CSP_REPLACE` replace the
site's (see settings.base for why the admin needs them).
"""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        # A view's own @csp_replace decorator wins over the admin default.
        if not report_only and parts.replace is None and self.is_admin(request):
            parts.replace = settings.PORTAL_ADMIN_CSP_REPLACE
        return parts

    @staticmethod
    def is_admin(request):
        return request.path_info.startswith(reverse("wagtailadmin_home"))
