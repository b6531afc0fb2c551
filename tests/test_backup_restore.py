"""manage.py backup_site / restore_site: a backup of the demo data, restored into a brand-new,
empty instance (a new database on the same server, or a new SQLite file, and a new media
folder), is the same, byte for byte: every table's rows, every sequence, every media file, and
every report, revision, image and rendition read back through Django.

The restored instance is another process (`manage.py` with DATABASE_URL and MEDIA_ROOT pointing
at it), as it would be on a new server. The tests run on SQLite and, with DATABASE_URL set, on
PostgreSQL. They are transactional: pg_dump runs in another process and sees committed data only.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from intl_reports.models import OutcomeReport, Plan, PortalImage, PortalRendition
from tests.factories import PortalImageFactory
from tests.report_helpers import (
    DEMO_SERIAL,
    client_for,
    image_bytes,
    post_tab,
    read_response,
    tab_data,
    upload_file,
    upload_url,
)

# serialized_rollback: the flush after each test also empties what migrations created (the root
# collection and page); this puts it back for the next test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHECKOUT = Path(__file__).resolve().parents[1]
SNAPSHOT_MARK = "----SNAPSHOT----"


# ------------------------------------------------------------------ what an instance holds


def _plain(value):
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(file_field) -> bytes:
    with file_field.storage.open(file_field.name, "rb") as handle:
        return handle.read()


def instance_snapshot() -> dict:
    """Everything an instance holds, as plain JSON: run in this process on the source and in
    a `manage.py shell` of the restored instance."""
    from django.core.files.storage import default_storage
    from django.db import connection
    from wagtail.models import Revision

    from intl_reports.backup import _storage_files

    tables, sequences = {}, {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(tuple(_plain(v) for v in row)) for row in cursor.fetchall())
            tables[table] = [len(rows), _sha256("\n".join(rows).encode())]
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
        else:
            cursor.execute("SELECT name, seq FROM sqlite_sequence")
        sequences = {name: value for name, value in cursor.fetchall()}

    reports = {
        str(report.pk): {
            "plan": report.plan.serial,
            "school_name": report.school_name,
            "contact_email": report.contact_email,
            "photos": list(report.photos.raw_data),
            "assessments": list(report.assessments.raw_data),
            "budget_lines": list(report.budget_lines.raw_data),
            "execution_rate": str(report.execution_rate),
            "completeness": report.completeness,
            "tab_versions": report.tab_versions,
            "latest_revision": report.latest_revision_id,
            "last_saved_at": report.last_saved_at.isoformat() if report.last_saved_at else None,
        }
        for report in OutcomeReport.objects.select_related("plan").order_by("pk")
    }
    revisions = {
        str(revision.pk): [
            revision.base_content_type_id,
            revision.object_id,
            revision.user_id,
            revision.created_at.isoformat(),
            _sha256(json.dumps(revision.content, sort_keys=True).encode()),
        ]
        for revision in Revision.objects.order_by("pk")
    }
    images = {
        str(image.pk): [
            image.file.name,
            _sha256(_read(image.file)),
            image.width,
            image.height,
            image.school_id,
            image.guardian_consent,
            image.is_published,
        ]
        for image in PortalImage.objects.order_by("pk")
    }
    renditions = {
        str(rendition.pk): [
            rendition.image_id,
            rendition.filter_spec,
            rendition.file.name,
            _sha256(_read(rendition.file)),
        ]
        for rendition in PortalRendition.objects.order_by("pk")
    }
    media = {}
    for name in _storage_files(default_storage):
        with default_storage.open(name, "rb") as handle:
            media[name] = _sha256(handle.read())
    return {
        "tables": tables,
        "sequences": sequences,
        "reports": reports,
        "revisions": revisions,
        "images": images,
        "renditions": renditions,
        "media": media,
    }


# ------------------------------------------------------------------ a brand-new, empty instance


@dataclass
class Instance:
    database_url: str
    media_root: Path

    def env(self) -> dict:
        return {
            **os.environ,
            # dev settings read DATABASE_URL and MEDIA_ROOT from the environment.
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.media_root),
        }

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(CHECKOUT / "manage.py"), *args],
            cwd=CHECKOUT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def snapshot(self) -> dict:
        code = (
            "import json; from tests.test_backup_restore import instance_snapshot; "
            f"print({SNAPSHOT_MARK!r}); print(json.dumps(instance_snapshot()))"
        )
        result = self.manage("shell", "-c", code)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.split(SNAPSHOT_MARK, 1)[1])

    def table_count(self) -> int:
        """Tables in the instance's database, read without Django."""
        if self.database_url.startswith("sqlite:///"):
            path = Path(self.database_url.removeprefix("sqlite:///"))
            if not path.exists():
                return 0
            with closing(sqlite3.connect(path)) as database:
                return database.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        import psycopg

        with psycopg.connect(self.database_url) as database:
            query = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
            return database.execute(query).fetchone()[0]

    def media_files(self) -> list[Path]:
        if not self.media_root.exists():
            return []
        return [path for path in self.media_root.rglob("*") if path.is_file()]


def _postgres_url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD")
    credentials = f"{user}:{quote(password, safe='')}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{name}"


@pytest.fixture
def empty_instance(tmp_path):
    """A new empty database on the same server (or a new SQLite file) and a new media folder."""
    media_root = tmp_path / "restored-media"
    if connection.vendor != "postgresql":
        yield Instance(f"sqlite:///{tmp_path / 'restored.sqlite3'}", media_root)
        return
    import psycopg

    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore_{uuid.uuid4().hex[:10]}"
    params = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Instance(_postgres_url(settings_dict, name), media_root)
    finally:
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def source_media(settings, tmp_path):
    """The source instance's own, fresh media folder (not the suite's shared one)."""
    settings.MEDIA_ROOT = tmp_path / "source-media"
    return settings.MEDIA_ROOT


def _files_by_name(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def _rewrite(archive: Path, target: Path, change) -> None:
    """Copy an archive member by member; `change(name, data)` returns the new bytes."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


# ------------------------------------------------------------------ the round trip


def test_a_backup_of_the_demo_data_restores_byte_for_byte(
    source_media, empty_instance, tmp_path, django_user_model
):
    call_command("load_demo_data", stdout=io.StringIO())
    plan = Plan.objects.get(serial=DEMO_SERIAL)
    school = client_for(django_user_model.objects.get(username="school001"))
    # A new photo through the real upload view (original + renditions), saved on tab 4-3
    # (a revision), and the PDF (a cached file under pdf-cache/).
    upload = school.post(
        upload_url(plan),
        {"file": upload_file("trip.jpg", image_bytes(size=(320, 200))), "consent": "true"},
    )
    assert upload.status_code == 201, upload.content
    data = tab_data(school, plan, "results")
    data.add_row("photos", {"image": str(upload.json()["id"]), "caption": "返國分享會"})
    assert post_tab(school, plan, "results", data).status_code == 302
    pdf = school.get(f"/service/reports/{plan.pk}/pdf/")
    assert pdf.status_code == 200
    assert read_response(pdf).startswith(b"%PDF")

    archive = tmp_path / "site.tar.gz"
    output = io.StringIO()
    call_command("backup_site", str(archive), stdout=output)
    assert "備份完成" in output.getvalue()
    source = instance_snapshot()

    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"]["intl_reports"]
    assert manifest["django_version"] and manifest["wagtail_version"]
    assert set(names) == {"manifest.json", *manifest["files"]}
    assert {f"media/{name}" for name in source["media"]} <= set(manifest["files"])

    # What the source holds is worth the test: reports, revisions, photos, renditions, a PDF.
    assert len(source["reports"]) >= 1
    assert len(source["revisions"]) >= 2
    assert sum(1 for image in source["images"].values() if image[4]) >= 5
    assert len(source["renditions"]) >= 4
    assert any(name.startswith("pdf-cache/") for name in source["media"])

    result = empty_instance.manage("restore_site", str(archive))
    assert result.returncode == 0, result.stderr
    assert "還原完成" in result.stdout

    restored = empty_instance.snapshot()
    for part in ("tables", "sequences", "reports", "revisions", "images", "renditions", "media"):
        assert restored[part] == source[part], part
    # The files themselves, compared on disk.
    assert _files_by_name(empty_instance.media_root) == _files_by_name(Path(source_media))
    # No staging or partial file is left behind.
    assert not list(tmp_path.glob(".site.tar.gz.*"))
    assert not [p for p in empty_instance.media_files() if p.name.endswith(".partial")]


# ------------------------------------------------------------------ refusals


@pytest.fixture
def small_archive(source_media, tmp_path, school):
    """A backup of a school with one private photo and its rendition."""
    image = PortalImageFactory(school=school)
    image.get_rendition("max-20x20")
    archive = tmp_path / "small.tar.gz"
    call_command("backup_site", str(archive), stdout=io.StringIO())
    return archive


def test_backup_refuses_to_overwrite_a_file_or_to_write_into_the_media(source_media, tmp_path):
    existing = tmp_path / "old.tar.gz"
    existing.write_bytes(b"an earlier backup")
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup_site", str(existing), stdout=io.StringIO())
    assert existing.read_bytes() == b"an earlier backup"
    Path(source_media).mkdir()
    with pytest.raises(CommandError, match="不可放在媒體資料夾內"):
        call_command("backup_site", str(Path(source_media) / "b.tar.gz"), stdout=io.StringIO())
    assert list(Path(source_media).iterdir()) == []


def test_restore_refuses_a_database_that_holds_data(small_archive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    before = (PortalImage.objects.count(), PortalRendition.objects.count())
    with pytest.raises(CommandError, match="目標資料庫不是空的"):
        call_command("restore_site", str(small_archive), stdout=io.StringIO())
    assert (PortalImage.objects.count(), PortalRendition.objects.count()) == before
    assert not (tmp_path / "empty-media").exists()


def test_restore_refuses_a_media_folder_that_holds_files(small_archive, source_media):
    before = _files_by_name(Path(source_media))
    assert before
    with pytest.raises(CommandError, match="媒體儲存空間不是空的"):
        call_command("restore_site", str(small_archive), stdout=io.StringIO())
    assert _files_by_name(Path(source_media)) == before


def _truncated(archive: Path, target: Path) -> None:
    data = archive.read_bytes()
    target.write_bytes(data[: len(data) // 2])


def _tampered_photo(archive: Path, target: Path) -> None:
    def change(name, data):
        if name.startswith("media/original_images/"):
            return data[:-1] + bytes([data[-1] ^ 0xFF])  # same size, one byte flipped
        return data

    _rewrite(archive, target, change)


def _other_vendor(archive: Path, target: Path) -> None:
    def change(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            other = "sqlite" if manifest["database"]["vendor"] == "postgresql" else "postgresql"
            manifest["database"]["vendor"] = other
            return json.dumps(manifest).encode()
        return data

    _rewrite(archive, target, change)


def _smuggled_path(archive: Path, target: Path) -> None:
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            out.addfile(member, source.extractfile(member))
        evil = tarfile.TarInfo("media/../../evil.txt")
        evil.size = 4
        out.addfile(evil, io.BytesIO(b"evil"))


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_truncated, "備份檔已損毀"),
        (_tampered_photo, "校驗碼或大小不符"),
        (_other_vendor, "無法還原到"),
        (_smuggled_path, "不允許的項目"),
    ],
    ids=["truncated", "tampered-photo", "other-vendor", "path-traversal"],
)
def test_restore_refuses_a_bad_archive_and_touches_nothing(
    small_archive, empty_instance, tmp_path, spoil, message
):
    bad = tmp_path / "bad.tar.gz"
    spoil(small_archive, bad)
    result = empty_instance.manage("restore_site", str(bad))
    assert result.returncode != 0
    assert message in result.stderr
    assert "未還原任何資料" in result.stderr
    assert empty_instance.media_files() == []
    assert not (tmp_path / "evil.txt").exists()
    assert empty_instance.table_count() == 0
