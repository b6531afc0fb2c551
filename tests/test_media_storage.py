"""Media storage is pluggable: the same photo tests on the file system and on S3.

The S3 backend runs against moto's S3-compatible HTTP server (`moto_server`, from the dev
dependencies), started once for the session on a free loopback port; Debian packages no MinIO.
What moto does and does not check, measured with moto 5.2:
- an unsigned GET of a private object is refused (403): the ACL is enforced;
- a presigned URL is served without checking its signature or its expiry (moto verifies only
  Authorization headers). So the tests check that the URL is a SigV4 presigned URL signed now
  with X-Amz-Expires=60, which any real S3 refuses after that minute.

Every test gets a fresh MEDIA_ROOT or a fresh key prefix in the bucket: nothing leaks between
tests.
"""

from __future__ import annotations

import importlib.util
import io
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from PIL import Image

from intl_reports.models import PortalImage
from intl_reports.photos import THUMBNAIL_SPEC
from tests import report_helpers
from tests.report_helpers import (
    image_bytes,
    post_tab,
    read_response,
    tab_data,
    upload_file,
    upload_url,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
BUCKET = "portal-media-test"
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "portal-test", "aws_secret_access_key": "portal-test-secret"}
PHOTO = image_bytes("JPEG", size=(320, 240), color=(20, 120, 200))


# ------------------------------------------------------------------ helpers


def settings_with_env(module: str, **variables) -> dict:
    """The globals of a settings module run afresh with these environment variables.

    base.py is run afresh too (production.py imports it), so the settings of this test run
    are never touched."""

    def execute(name):
        spec = importlib.util.find_spec(name)
        fresh = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fresh)
        return fresh

    saved_environ = dict(os.environ)
    saved_base = sys.modules["portal.settings.base"]
    os.environ.update(variables)
    try:
        sys.modules["portal.settings.base"] = execute("portal.settings.base")
        return vars(execute(module))
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        sys.modules["portal.settings.base"] = saved_base


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def upload(client, plan, content=PHOTO, name="photo.jpg") -> dict:
    response = client.post(upload_url(plan), {"file": upload_file(name, content)})
    assert response.status_code == 201, response.content.decode()
    return response.json()


def media_name(url: str) -> str:
    return url.removeprefix("/media/")


class Backend:
    """The storage under test, and a look at it from outside Django."""

    def __init__(self, kind: str, media_root: Path, endpoint: str = "", prefix: str = ""):
        self.kind = kind
        self.media_root = media_root
        self.endpoint = endpoint
        self.prefix = prefix

    @property
    def is_s3(self) -> bool:
        return self.kind == "s3"

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, **CREDENTIALS)

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def stored_names(self) -> set[str]:
        if self.is_s3:
            listing = self.client().list_objects_v2(Bucket=BUCKET, Prefix=f"{self.prefix}/")
            return {item["Key"][len(self.prefix) + 1 :] for item in listing.get("Contents", [])}
        root = self.media_root
        return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}

    def fetch(self, client, url: str) -> bytes:
        """The bytes a browser ends up with for a /media/ URL."""
        response = client.get(url)
        if not self.is_s3:
            assert response.status_code == 200
            return read_response(response)
        assert response.status_code == 302
        signed = httpx.get(response["Location"], timeout=10)
        assert signed.status_code == 200
        return signed.content


# ------------------------------------------------------------------ fixtures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server on loopback, with one bucket that blocks every public access."""
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start: {log.read_text()}") from None
                time.sleep(0.1)
        client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
        client.create_bucket(Bucket=BUCKET)
        client.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def _use_s3(request, settings, monkeypatch, media_root) -> Backend:
    endpoint = request.getfixturevalue("s3_endpoint")
    # The production code path: base.py builds the backend from the environment.
    probe = settings_with_env(
        "portal.settings.base",
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_S3_REGION_NAME=REGION,
    )
    storage = probe["STORAGES"]["default"]
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    storage["OPTIONS"]["location"] = prefix
    # The credentials reach the backend from the environment only, as in production.
    monkeypatch.setenv("AWS_S3_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_S3_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return Backend("s3", media_root, endpoint, prefix)


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, settings, monkeypatch, tmp_path):
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = str(media_root)
    if request.param == "s3":
        return _use_s3(request, settings, monkeypatch, media_root)
    return Backend("filesystem", media_root)


@pytest.fixture
def s3_backend(request, settings, monkeypatch, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return _use_s3(request, settings, monkeypatch, tmp_path / "media")


# ------------------------------------------------------------------ upload, renditions, serving


def test_an_uploaded_photo_and_its_renditions_are_in_the_storage(backend, school_client, own_plan):
    body = upload(school_client, own_plan)
    image = PortalImage.objects.get(pk=body["id"])
    renditions = {r.filter_spec: r for r in image.renditions.all()}
    assert THUMBNAIL_SPEC in renditions
    names = {image.file.name, *(r.file.name for r in renditions.values())}
    assert names <= backend.stored_names()
    if backend.is_s3:
        assert not backend.media_root.exists(), "S3: nothing written to the local disk"
    # The original is the re-encoded photo, read back through the storage API.
    stored = Image.open(io.BytesIO(stored_bytes(image.file.name)))
    assert (stored.format, stored.size) == ("JPEG", (320, 240))
    # Pages link the permission-checked view, never the bucket.
    assert body["thumbnail"] == f"/media/{renditions[THUMBNAIL_SPEC].file.name}"
    assert image.file.url == f"/media/{image.file.name}"


def test_the_owner_gets_the_bytes_others_get_nothing(
    backend, school_client, other_school_client, client, own_plan
):
    body = upload(school_client, own_plan)
    image = PortalImage.objects.get(pk=body["id"])
    for url in (image.file.url, body["thumbnail"]):
        assert backend.fetch(school_client, url) == stored_bytes(media_name(url))
        # Another school and anonymous visitors: not found, and no way to the bucket.
        for stranger in (other_school_client, client):
            refused = stranger.get(url)
            assert refused.status_code == 404
            assert "Location" not in refused


def test_a_private_photo_is_never_kept_by_a_cache(backend, school_client, own_plan):
    body = upload(school_client, own_plan)
    response = school_client.get(body["thumbnail"])
    assert response.status_code == (302 if backend.is_s3 else 200)
    assert response["Cache-Control"] == "private, no-store"
    assert response["Vary"] == "Cookie"
    read_response(response)


def test_files_and_objects_are_private(backend, school_client, own_plan):
    body = upload(school_client, own_plan)
    image = PortalImage.objects.get(pk=body["id"])
    for name in (image.file.name, media_name(body["thumbnail"])):
        if not backend.is_s3:
            assert (backend.media_root / name).stat().st_mode & 0o777 == 0o640
            continue
        client = backend.client()
        key = backend.key(name)
        grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert [(g["Grantee"]["Type"], g["Permission"]) for g in grants] == [
            ("CanonicalUser", "FULL_CONTROL")
        ], "the owner only: no AllUsers or AuthenticatedUsers grant"
        head = client.head_object(Bucket=BUCKET, Key=key)
        assert head["CacheControl"] == "private, no-store"
        assert head["ContentType"] == "image/jpeg"
        # Asking the bucket without a signature is refused (moto enforces the ACL).
        assert httpx.get(f"{backend.endpoint}/{BUCKET}/{key}", timeout=10).status_code == 403


def test_s3_answers_with_a_short_lived_signed_url(s3_backend, school_client, own_plan):
    body = upload(school_client, own_plan)
    image = PortalImage.objects.get(pk=body["id"])
    response = school_client.get(image.file.url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == s3_backend.endpoint
    assert location.path == f"/{BUCKET}/{s3_backend.key(image.file.name)}"
    query = parse_qs(location.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-SignedHeaders"] == ["host"]
    assert query["X-Amz-Signature"][0]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 120
    # Each answer is signed anew: a URL copied out of a browser dies within the minute.
    assert httpx.get(response["Location"], timeout=10).content == stored_bytes(image.file.name)


def test_behind_nginx_the_file_system_hands_off_with_x_accel_redirect(
    backend, settings, school_client, client, own_plan
):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    body = upload(school_client, own_plan)
    url = body["thumbnail"]
    assert client.get(url).status_code == 404  # the permission check still comes first
    response = school_client.get(url)
    if backend.is_s3:
        # The objects are not on nginx's disk: S3 always answers with a signed URL.
        assert response.status_code == 302
        assert "X-Accel-Redirect" not in response
        return
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{media_name(url)}"
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"


# ------------------------------------------------------------------ PDF and deletion


def test_the_pdf_embeds_photos_read_from_the_storage(backend, school_client, own_plan, tmp_path):
    body = upload(school_client, own_plan)
    data = tab_data(school_client, own_plan, "results")
    data.add_row("photos", {"image": str(body["id"]), "caption": "出訪合影", "consent": "on"})
    data["features"] = "辦理特色說明"
    assert post_tab(school_client, own_plan, "results", data).status_code == 302

    response = school_client.get(f"/service/reports/{own_plan.pk}/pdf/")
    assert response.status_code == 200
    path = tmp_path / "report.pdf"
    path.write_bytes(read_response(response))
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert len(listing) == 1, listing  # the photo, embedded
    # The cached PDF is kept in the same storage as the photos.
    assert any(name.startswith("pdf-cache/") for name in backend.stored_names())


def test_deleting_a_photo_removes_its_files(
    backend, school_client, own_plan, django_capture_on_commit_callbacks
):
    body = upload(school_client, own_plan)
    image = PortalImage.objects.get(pk=body["id"])
    names = {image.file.name, *(r.file.name for r in image.renditions.all())}
    assert len(names) > 1 and names <= backend.stored_names()
    # Wagtail deletes the files once the deletion is committed.
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert not names & backend.stored_names()
    assert school_client.get(body["thumbnail"]).status_code == 404


# ------------------------------------------------------------------ configuration


def test_s3_settings_come_from_the_environment():
    probe = settings_with_env(
        "portal.settings.base",
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="moe-portal-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.gov.tw",
        AWS_S3_REGION_NAME="ap-northeast-1",
    )
    storage = probe["STORAGES"]["default"]
    assert storage["BACKEND"] == "intl_reports.storage.PrivateMediaS3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "moe-portal-media"
    assert options["endpoint_url"] == "https://s3.example.gov.tw"
    assert options["region_name"] == "ap-northeast-1"
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 60
    assert options["file_overwrite"] is False
    assert options["signature_version"] == "s3v4"
    assert not {"access_key", "secret_key"} & set(options), "credentials only from the env"
    # Browsers follow /media/ to the bucket: the CSP lets images come from there.
    assert "https://s3.example.gov.tw" in probe["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_the_file_system_is_the_default():
    probe = settings_with_env("portal.settings.base", MEDIA_STORAGE="")
    assert probe["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert probe["MEDIA_ACCEL_REDIRECT_PREFIX"] == ""


@pytest.mark.parametrize(
    "variables",
    [{"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": ""}, {"MEDIA_STORAGE": "ftp"}],
)
def test_a_half_configured_storage_refuses_to_start(variables):
    with pytest.raises(ImproperlyConfigured):
        settings_with_env("portal.settings.base", **variables)


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": "sqlite:///unused.sqlite3",
    "DEFAULT_FROM_EMAIL": "noreply@example.gov.tw",
    "WAGTAILADMIN_BASE_URL": "https://127.0.0.1",
}


@pytest.mark.parametrize(
    ("redis_url", "expected"),
    [
        (
            "unix:///srv/portal/redis.sock",
            [f"unix:///srv/portal/redis.sock?db={n}" for n in range(3)],
        ),
        (
            "redis://:secret@10.0.0.5:6379/0",
            [f"redis://:secret@10.0.0.5:6379/{n}" for n in range(3)],
        ),
    ],
)
def test_production_shares_cache_and_sessions_through_redis(redis_url, expected):
    probe = settings_with_env("portal.settings.production", REDIS_URL=redis_url, **PRODUCTION_ENV)
    caches = probe["CACHES"]
    assert list(caches) == ["default", "pages", "sessions"]
    assert {c["BACKEND"] for c in caches.values()} == {
        "django.core.cache.backends.redis.RedisCache"
    }
    # A database each: the page purge (FLUSHDB) must not log everybody out.
    assert [c["LOCATION"] for c in caches.values()] == expected
    assert len({c["KEY_PREFIX"] for c in caches.values()}) == 3
    assert probe["SESSION_ENGINE"] == "django.contrib.sessions.backends.cache"
    assert probe["SESSION_CACHE_ALIAS"] == "sessions"


def test_production_without_redis_keeps_database_sessions_and_file_page_cache():
    probe = settings_with_env("portal.settings.production", REDIS_URL="", **PRODUCTION_ENV)
    assert probe["CACHES"]["pages"]["BACKEND"].endswith("FileBasedCache")
    assert "SESSION_ENGINE" not in probe  # Django's default: the database
