from django.core.management.base import BaseCommand

from intl_reports.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail schools whose outcome reports are incomplete, N days before the deadline "
        "(settings.REPORT_REMINDER_DAYS) and on the day. Safe to run any number of times a day."
    )

    def handle(self, *args, **options):
        run = send_reminders()
        self.stdout.write(
            f"Reminders sent: {run.sent}, already sent: {run.skipped}, failed: {run.failed}"
        )
