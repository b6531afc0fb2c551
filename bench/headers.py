"""Print the response headers of the home page and of a report tab under production settings.

    .venv/bin/python bench/headers.py

It loads `portal.settings.production` itself, with the required variables set to throw-away
values (a random secret key, a host, a SQLite database in a temporary folder), migrates that
database, loads the demo content into it and asks, over HTTPS, with Django's test client:
the home page anonymously, and tab 3-1 of the demo report as the demo school. For the closing
note of issue 7: the headers are what a browser receives, minus what nginx adds.

The one departure from production: static files are served by the plain storage, because the
manifest storage needs a `collectstatic` first; no header depends on it.
"""

import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "portal.example.gov.tw"


def production_environment(folder: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "DEFAULT_FROM_EMAIL": "教育部中小學國際教育全球資訊網 <noreply@example.gov.tw>",
            "WAGTAILADMIN_BASE_URL": f"https://{HOST}",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "MEDIA_ROOT": str(folder / "media"),
            "STATIC_ROOT": str(folder / "static"),
            "PAGE_CACHE_DIR": str(folder / "cache"),
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("REDIS_URL", "MEDIA_STORAGE"):
        os.environ.pop(name, None)


def show(title, response):
    print(f"== {title}: HTTP {response.status_code}")
    for name, value in response.headers.items():
        print(f"{name}: {value}")
    print()


def main() -> None:
    sys.path.insert(0, str(ROOT / "site"))
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="portal-headers-") as folder:
        production_environment(Path(folder))
        (Path(folder) / "static").mkdir()  # WhiteNoise warns about a missing STATIC_ROOT
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client, override_settings

        from home.demo import load_portal_demo
        from intl_reports.demo import load_reports_demo
        from intl_reports.models import Plan

        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=storages):
            call_command("migrate", verbosity=0)
            load_reports_demo()
            load_portal_demo(image_size=(320, 180))
            plan = Plan.objects.get(serial="20230403-196")

            module = os.environ["DJANGO_SETTINGS_MODULE"]
            print(f"settings: {module}; requests over HTTPS to {HOST}\n")
            visitor = Client(HTTP_HOST=HOST)
            show("GET / (anonymous)", visitor.get("/", secure=True))
            school = Client(HTTP_HOST=HOST)
            school.force_login(get_user_model().objects.get(username="school001"))
            url = f"/service/reports/{plan.pk}/work/"
            show(f"GET {url} (school001, tab 3-1.工作進度)", school.get(url, secure=True))


if __name__ == "__main__":
    main()
