"""Backing up and restoring the whole site: the database and every file of the media storage.

The archive is a gzipped tar holding
- the database, copied by the database's own tools so the copy is exact: `pg_dump
  --format=custom` for PostgreSQL, SQLite's online backup API for SQLite;
- every file of the default storage under `media/` (photo originals, renditions, cached PDFs),
  streamed in chunks, never read whole;
- `manifest.json`, written last because it carries the SHA-256 and size of every other member
  (computed while streaming), plus the format version, time, versions and applied migrations.

A restore only goes into an empty instance (no table in the database, no file in the media
storage), and only after every member of the archive was extracted to a private staging folder
and checked against the manifest: a refused restore touches nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import django
import wagtail
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "portal-site-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media/"
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
VENDOR_LABELS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


class BackupError(Exception):
    """A clear, Chinese reason why a backup or a restore did not happen."""


@dataclass
class Summary:
    manifest: dict
    media_files: int = 0
    media_bytes: int = 0
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ helpers


class _HashingReader:
    """Wraps a file: hashes and counts what tarfile reads through it, chunk by chunk."""

    def __init__(self, handle):
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _storage_files(storage: Storage, folder: str = ""):
    """Every file name in the storage, depth first, in a stable order."""
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for name in sorted(dirs):
        yield from _storage_files(storage, posixpath.join(folder, name) if folder else name)


def _vendor_label(vendor: str) -> str:
    return VENDOR_LABELS.get(vendor, vendor)


def _pg_command(program: str, connection, *options: str) -> tuple[list[str], dict]:
    """A pg_dump/pg_restore command line for the connection, and its environment.

    Django's own client builds the libpq environment (PGPASSWORD, PGSERVICE, SSL files), so the
    password never appears on a command line, where `ps` would show it.
    """
    settings_dict = connection.settings_dict
    _args, extra_env = connection.client.settings_to_cmd_args_env(settings_dict, [])
    args = [program, "--no-password", *options]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{flag}={settings_dict[key]}")
    dbname = settings_dict.get("NAME") or ""
    service = (settings_dict.get("OPTIONS") or {}).get("service")
    if not dbname and service:
        dbname = f"service={service}"
    args.append(f"--dbname={dbname}")
    return args, {**os.environ, **(extra_env or {})}


def _run(args: list[str], env: dict, what: str) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(
            f"找不到 {args[0]} 指令，請先安裝 PostgreSQL 用戶端工具"
            "（Debian 套件 postgresql-client）。"
        ) from error
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what}失敗（{args[0]} 結束代碼 {result.returncode}）：{detail}")


def _latest_migrations(connection) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------ backup


def dump_database(connection, target: Path) -> None:
    """Copy the database into `target` with the database's own tools."""
    if connection.vendor == "postgresql":
        args, env = _pg_command("pg_dump", connection, "--format=custom", f"--file={target}")
        _run(args, env, "備份資料庫")
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # The online backup API: a consistent copy even while the site writes.
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        raise BackupError(f"不支援備份 {connection.vendor} 資料庫，僅支援 PostgreSQL 與 SQLite。")


def create_backup(
    archive: str | os.PathLike,
    *,
    using: str = DEFAULT_DB_ALIAS,
    storage: Storage | None = None,
) -> Summary:
    """Write the database and every media file into a new archive at `archive`."""
    storage = storage or default_storage
    connection = connections[using]
    archive = Path(archive).absolute()
    if archive.exists():
        raise BackupError(f"備份檔 {archive} 已存在，請指定新的檔名，以免覆蓋先前的備份。")
    if not archive.parent.is_dir():
        raise BackupError(f"備份檔所在的資料夾 {archive.parent} 不存在。")
    if isinstance(storage, FileSystemStorage) and archive.resolve().is_relative_to(
        Path(storage.location).resolve()
    ):
        # It would be backed up into itself.
        raise BackupError("備份檔不可放在媒體資料夾內，請改存到其他位置。")
    dump_name = DUMP_NAMES.get(connection.vendor)
    if dump_name is None:
        raise BackupError(f"不支援備份 {connection.vendor} 資料庫，僅支援 PostgreSQL 與 SQLite。")

    created_at = timezone.now()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.isoformat(),
        "django_version": django.get_version(),
        "wagtail_version": wagtail.__version__,
        "database": {"vendor": connection.vendor, "file": dump_name},
        "migrations": _latest_migrations(connection),
        "files": {},
    }
    summary = Summary(manifest)
    mtime = int(created_at.timestamp())

    def member(name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, mtime, 0o600
        return info

    # Written next to its final name and renamed at the end: a half-written archive never
    # carries the name of a backup.
    handle = tempfile.NamedTemporaryFile(
        dir=archive.parent, prefix=f".{archive.name}.", suffix=".partial", delete=False
    )
    try:
        with handle, tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
            with tarfile.open(
                fileobj=handle, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6
            ) as tar:
                # The database first: files added meanwhile are at worst unreferenced extras.
                dump = Path(work) / dump_name
                dump_database(connection, dump)
                with open(dump, "rb") as source:
                    reader = _HashingReader(source)
                    tar.addfile(member(dump_name, dump.stat().st_size), reader)
                manifest["files"][dump_name] = {
                    "sha256": reader.sha256.hexdigest(),
                    "size": reader.size,
                }
                dump.unlink()

                for name in _storage_files(storage):
                    try:
                        size = storage.size(name)
                        source = storage.open(name, "rb")
                    except FileNotFoundError:
                        summary.notes.append(f"備份期間已刪除，略過：{name}")
                        continue
                    with source:
                        reader = _HashingReader(source)
                        tar.addfile(member(MEDIA_DIR + name, size), reader)
                    manifest["files"][MEDIA_DIR + name] = {
                        "sha256": reader.sha256.hexdigest(),
                        "size": reader.size,
                    }
                    summary.media_files += 1
                    summary.media_bytes += reader.size

                body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                tar.addfile(member(MANIFEST, len(body)), io.BytesIO(body))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, archive)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return summary


# ------------------------------------------------------------------ reading an archive


@dataclass
class StagedArchive:
    """An archive extracted to a private folder and checked against its manifest."""

    folder: Path
    manifest: dict
    paths: dict[str, Path]

    @property
    def vendor(self) -> str:
        return self.manifest["database"]["vendor"]

    @property
    def dump(self) -> Path:
        return self.paths[self.manifest["database"]["file"]]

    def media(self) -> list[tuple[str, Path]]:
        return sorted(
            (name[len(MEDIA_DIR) :], path)
            for name, path in self.paths.items()
            if name.startswith(MEDIA_DIR)
        )


def _safe_member_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return False
    if posixpath.normpath(name) != name:
        return False
    return not any(part in ("", ".", "..") for part in name.split("/"))


def _corrupt(detail: str = "") -> BackupError:
    message = "備份檔已損毀或不是本系統的備份檔，未還原任何資料。"
    return BackupError(f"{message}（{detail}）" if detail else message)


def stage_archive(archive: str | os.PathLike, folder: Path) -> StagedArchive:
    """Extract every member into `folder` (under numbered names, never the member's own
    path) and check each one against the manifest. Raises BackupError on any doubt."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到備份檔 {archive}。")
    found: dict[str, tuple[Path, str, int]] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for index, item in enumerate(tar):
                if not item.isreg() or not _safe_member_name(item.name):
                    raise _corrupt(f"不允許的項目 {item.name!r}")
                if item.name in found:
                    raise _corrupt(f"項目重複 {item.name}")
                if item.name == MANIFEST and item.size > MAX_MANIFEST_BYTES:
                    raise _corrupt("清單檔過大")
                target = folder / f"{index:08d}"
                digest, size = hashlib.sha256(), 0
                source = tar.extractfile(item)
                with source, open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[item.name] = (target, digest.hexdigest(), size)
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise _corrupt(str(error) or type(error).__name__) from error

    if MANIFEST not in found:
        raise _corrupt("缺少 manifest.json")
    try:
        manifest = json.loads(found.pop(MANIFEST)[0].read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        raise _corrupt("manifest.json 無法解讀") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt("manifest.json 格式不符")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"備份檔格式版本 {manifest.get('format_version')} 不受此版本程式支援"
            f"（支援版本 {FORMAT_VERSION}），未還原任何資料。"
        )
    listed = manifest.get("files")
    database = manifest.get("database")
    if (
        not isinstance(listed, dict)
        or not isinstance(database, dict)
        or database.get("file") not in listed
    ):
        raise _corrupt("manifest.json 內容不完整")

    missing = sorted(set(listed) - set(found))
    extra = sorted(set(found) - set(listed))
    if missing:
        raise _corrupt(f"缺少 {len(missing)} 個檔案，例如 {missing[0]}")
    if extra:
        raise _corrupt(f"有清單未記載的檔案，例如 {extra[0]}")
    for name, (_path, sha256, size) in found.items():
        expected = listed[name]
        if not isinstance(expected, dict) or (expected.get("sha256"), expected.get("size")) != (
            sha256,
            size,
        ):
            raise BackupError(
                f"備份檔內的「{name}」與清單記載的校驗碼或大小不符，"
                "檔案可能已損毀或遭竄改，未還原任何資料。"
            )
    return StagedArchive(folder, manifest, {name: path for name, (path, _s, _z) in found.items()})


# ------------------------------------------------------------------ restore


def database_tables(connection) -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def check_empty_target(connection, storage: Storage) -> None:
    """Refuse a target that holds anything: a restore never merges into or overwrites data."""
    some_file = next(_storage_files(storage), None)
    if some_file is not None:
        raise BackupError(
            f"媒體儲存空間不是空的（例如已有 {some_file}），為避免覆蓋既有檔案，未還原任何資料。"
            "請改用全新、空白的媒體資料夾。"
        )
    tables = database_tables(connection)
    if tables:
        filled = next((table for table in tables if _table_has_rows(connection, table)), None)
        state = f"資料表 {filled} 已有資料" if filled else f"已有 {len(tables)} 個資料表"
        raise BackupError(
            f"目標資料庫不是空的（{state}），為避免覆蓋既有資料，未還原任何資料。"
            "請建立一個全新、空白的資料庫後再還原。"
        )


def _table_has_rows(connection, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
        return cursor.fetchone() is not None


def restore_database(connection, dump: Path) -> None:
    if connection.vendor == "postgresql":
        args, env = _pg_command(
            "pg_restore",
            connection,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing: a failed restore leaves the target empty
        )
        _run([*args, str(dump)], env, "還原資料庫")
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"不支援還原到 {connection.vendor} 資料庫。")


def _place_file(storage: Storage, name: str, staged: Path) -> None:
    """Write one restored file under its original name, atomically."""
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        if storage.directory_permissions_mode is not None:
            os.chmod(target.parent, storage.directory_permissions_mode)
        handle = tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial", delete=False
        )
        try:
            with handle, open(staged, "rb") as source:
                shutil.copyfileobj(source, handle, CHUNK)
                handle.flush()
                os.fsync(handle.fileno())
            if storage.file_permissions_mode is not None:
                os.chmod(handle.name, storage.file_permissions_mode)
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
    else:
        # Object storages write an object whole or not at all.
        with open(staged, "rb") as source:
            saved = storage.save(name, File(source, name=name))
        if saved != name:
            storage.delete(saved)
            raise BackupError(f"媒體檔案 {name} 無法以原檔名寫入儲存空間。")


def restore_backup(
    archive: str | os.PathLike,
    *,
    using: str = DEFAULT_DB_ALIAS,
    storage: Storage | None = None,
) -> Summary:
    """Restore an archive into an empty database and an empty media storage."""
    storage = storage or default_storage
    connection = connections[using]
    check_empty_target(connection, storage)
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as folder:
        staged = stage_archive(archive, Path(folder))
        if staged.vendor != connection.vendor:
            raise BackupError(
                f"備份來自 {_vendor_label(staged.vendor)} 資料庫，無法還原到 "
                f"{_vendor_label(connection.vendor)} 資料庫，未還原任何資料。"
            )
        # Checked again right before writing: nothing may have arrived while staging.
        check_empty_target(connection, storage)
        restore_database(connection, staged.dump)
        summary = Summary(staged.manifest)
        for name, path in staged.media():
            _place_file(storage, name, path)
            summary.media_files += 1
            summary.media_bytes += path.stat().st_size
    summary.notes.extend(_migration_notes(connection))
    return summary


def _migration_notes(connection) -> list[str]:
    """Tell the operator when the restored schema is older than the code."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return [f"此版本程式有 {len(plan)} 個資料庫遷移尚未套用，請執行 manage.py migrate。"]
    return []


def describe(summary: Summary) -> str:
    manifest = summary.manifest
    megabytes = summary.media_bytes / (1024 * 1024)
    return (
        f"資料庫：{_vendor_label(manifest['database']['vendor'])}；"
        f"媒體檔案：{summary.media_files} 個（{megabytes:.1f} MB）；"
        f"備份時間：{manifest['created_at']}；"
        f"Django {manifest['django_version']}、Wagtail {manifest['wagtail_version']}。"
    )
