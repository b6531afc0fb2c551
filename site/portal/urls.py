from django.conf import settings
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.documents import urls as wagtaildocs_urls

from home import views as home_views
from intl_reports import dashboard_urls
from intl_reports.views.media import media_url_prefix, serve_media

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("intl_reports.urls")),
    path("", include(dashboard_urls.public_urlpatterns)),
    # Media is never served as plain files: every image is checked against its owner.
    re_path(rf"^{media_url_prefix()}(?P<path>.+)$", serve_media, name="media"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# The public portal's own views (home): search, site map, feeds, sitemap.xml, robots.txt.
urlpatterns += [
    path("", include("home.urls")),
    path("sitemap.xml", wagtail_sitemap, name="sitemap"),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
]

if settings.BENCH_BASELINE_VIEW:
    from . import benchmark

    urlpatterns += [path("bench/write-one-row/", benchmark.write_one_row, name="bench_baseline")]

# Wagtail's page serving comes last: it answers every path not matched above.
urlpatterns += [path("", include(wagtail_urls))]

# A lost database connection answers 503 with a page that needs no database; the rest, 500.
handler500 = "portal.views.server_error"
