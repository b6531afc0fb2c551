from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from intl_reports.backup import BackupError, describe, restore_backup


class Command(BaseCommand):
    help = (
        "把 backup_site 產生的備份檔還原到全新、空白的網站：資料庫必須沒有任何資料表，媒體儲存"
        "空間必須沒有任何檔案。每個檔案先核對 SHA-256，有任何不符即不還原任何資料。"
    )
    # The target is empty by design: nothing to check against before the data is back.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", help="backup_site 產生的 .tar.gz 備份檔")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="要還原到的資料庫別名（預設 default）"
        )

    def handle(self, *args, **options):
        try:
            summary = restore_backup(options["archive"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"還原完成：{options['archive']}"))
        self.stdout.write(describe(summary))
        for note in summary.notes:
            self.stdout.write(self.style.WARNING(note))
