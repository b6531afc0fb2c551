"""The open dataset (開放資料) as last built, kept in the database between builds."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OpenDataSnapshot(models.Model):
    """One row per published dataset: its records and the generation stamp of the accepted
    reports they were built from (see intl_reports.opendata.generation_stamp). A request whose
    stamp matches serves the records as they are; any other rebuilds them and stores them here.
    """

    name = models.CharField("資料集", max_length=50, unique=True)
    stamp = models.CharField("資料版本戳記", max_length=255)
    records = models.JSONField("統計資料", default=list, encoder=DjangoJSONEncoder)
    generated_at = models.DateTimeField("彙整時間")

    class Meta:
        verbose_name = "開放資料快照"
        verbose_name_plural = "開放資料快照"

    def __str__(self):
        return f"{self.name}（{self.generated_at:%Y-%m-%d %H:%M}）"
