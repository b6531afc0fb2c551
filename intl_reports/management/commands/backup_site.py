from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from intl_reports.backup import BackupError, create_backup, describe


class Command(BaseCommand):
    help = (
        "備份整個網站：資料庫（PostgreSQL 以 pg_dump，SQLite 以其備份 API）與媒體儲存空間的"
        "所有檔案，連同記載每個檔案 SHA-256 的 manifest.json，寫入一個 .tar.gz 備份檔。"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="新備份檔的路徑，例如 /backups/portal-20250101.tar.gz")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="要備份的資料庫別名（預設 default）"
        )

    def handle(self, *args, **options):
        try:
            summary = create_backup(options["archive"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        for note in summary.notes:
            self.stderr.write(note)
        self.stdout.write(self.style.SUCCESS(f"備份完成：{options['archive']}"))
        self.stdout.write(describe(summary))
