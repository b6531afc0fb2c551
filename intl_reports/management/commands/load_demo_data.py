from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from intl_reports.demo import DEMO_ACCOUNTS, load_reports_demo


class Command(BaseCommand):
    help = "Load the manual's demo data (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("Demo data (with known passwords) is refused by these settings.")
        load_reports_demo()
        try:
            from home.demo import load_portal_demo
        except ImportError:
            pass
        else:
            load_portal_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is loaded. Demo accounts:"))
        for role, username, password, who in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<6} {username:<16} {password:<22} {who}")
