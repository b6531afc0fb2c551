from django.core.management.base import BaseCommand
from django.utils import timezone

from intl_reports.privacy import purge_expired_photos


class Command(BaseCommand):
    help = (
        "刪除超過保存期限（REPORT_PHOTO_RETENTION_DAYS 天，自成果報告繳交期限起算）的成果報告照片："
        "原圖、衍生圖與檔案，並自報告移除照片與說明、清除快取的 PDF。已取得家長/監護人同意並"
        "公開展示中的照片保留。建議每日執行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="只列出將刪除的數量，不刪除任何資料"
        )
        parser.add_argument(
            "--days", type=int, default=None, help="保存天數（預設為 REPORT_PHOTO_RETENTION_DAYS）"
        )

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        result = purge_expired_photos(days=options["days"], dry_run=dry_run)
        if result.cutoff is None:
            self.stdout.write("照片保存期限設為 0（永久保存），未刪除任何照片。")
            return
        verb = "將刪除" if dry_run else "已刪除"
        self.stdout.write(
            f"保存期限：繳交期限早於 {timezone.localtime(result.cutoff):%Y-%m-%d} 的成果報告。"
            f"{verb}照片 {result.photos} 張、衍生圖 {result.renditions} 個，"
            f"涉及成果報告 {result.reports} 份；"
            f"公開展示且已取得同意而保留的照片 {result.kept_published} 張。"
        )
        if dry_run:
            self.stdout.write("（試執行：未刪除任何資料）")
