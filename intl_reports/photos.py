"""Report photos: checked, re-encoded and stored privately in the school's own collection.

Every upload is decoded by Pillow and written anew, so what is stored is always a plain
JPEG or PNG: EXIF (GPS included) is gone, the EXIF orientation is applied, fakes, bombs and
non-images are refused before anything touches storage.
"""

from __future__ import annotations

import io
import logging
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import OperationalError, transaction
from PIL import Image, ImageOps, UnidentifiedImageError
from wagtail.images.models import Filter

from .models import PortalImage, School

try:  # HEIC/HEIF from phones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

# WeasyPrint (the PDF) switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is first
# imported, which would let a truncated upload through as a grey-filled picture, here and in
# the editors' image library. Import it first, then switch the flag back: every photo the PDF
# embeds has been decoded whole here, so it needs no leniency.
import weasyprint.images  # noqa: F401
from PIL import ImageFile as PillowImageFile

PillowImageFile.LOAD_TRUNCATED_IMAGES = False

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", 40_000_000)
MAX_STORED_SIDE = 4000  # larger photos are downscaled: print needs far less
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF", "MPO", "BMP", "TIFF"}
JPEG_QUALITY = 88
THUMBNAIL_SPEC = "max-320x240|format-jpeg|jpegquality-80"

logger = logging.getLogger(__name__)


class PhotoRejected(ValueError):
    """A clear, Chinese reason why an upload is refused."""


class PhotoNotStored(Exception):
    """The media storage refused a write: nothing of the upload was kept."""


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    extension: str
    width: int
    height: int


def check_size(size: int) -> None:
    """Refuse an upload by its size alone, so that a huge one is never read into memory."""
    if size > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            f"檔案超過 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB 上限，請縮小後再上傳。"
        )


def clean_photo(data: bytes) -> CleanPhoto:
    """Decode, check and re-encode an uploaded photo, or raise PhotoRejected."""
    check_size(len(data))
    if not data:
        raise PhotoRejected("檔案是空的，請重新選擇圖片。")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ACCEPTED_FORMATS:
                    raise PhotoRejected("不支援此圖片格式，請上傳 JPEG、PNG、HEIC 或 WebP 圖片。")
                if width * height > MAX_PIXELS:
                    raise PhotoRejected("圖片尺寸過大（像素過多），請縮小後再上傳。")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation
                image.load()
                image = ImageOps.exif_transpose(image)
                return _reencode(image)
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoRejected("圖片尺寸過大（像素過多），請縮小後再上傳。") from error
        except (UnidentifiedImageError, SyntaxError, OSError, ValueError, EOFError) as error:
            raise PhotoRejected("這個檔案不是可讀取的圖片，或檔案已損毀，請重新選擇。") from error


def _reencode(image: Image.Image) -> CleanPhoto:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits rather than clip.
        image = image.point(lambda value: value / 256).convert("L")
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS)
    # Pillow writes some of the decoded metadata back by itself (a JPEG's COM comment, a PNG's
    # ICC profile): nothing the client sent may survive the re-encoding.
    image.info.clear()
    buffer = io.BytesIO()
    if has_alpha:
        image.save(buffer, format="PNG", optimize=True)
        extension = "png"
    else:
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        extension = "jpg"
    return CleanPhoto(buffer.getvalue(), extension, image.width, image.height)


def school_collection(school: School):
    """The school's private collection in the image library, created on first use."""
    from wagtail.models import Collection

    root = Collection.get_first_root_node()
    parent = root.get_children().filter(name="學校成果報告照片").first()
    if parent is None:
        parent = root.add_child(name="學校成果報告照片")
    name = f"{school.code} {school.name}"[:255]
    collection = parent.get_children().filter(name=name).first()
    return collection or parent.add_child(name=name)


def store_photo(school: School, data: bytes, *, title: str, consent: bool, user=None):
    """Clean and store an upload as a private PortalImage of `school`."""
    image, _renditions = store_photo_with_renditions(
        school, data, title=title, consent=consent, user=user
    )
    return image


def store_photo_with_renditions(
    school: School, data: bytes, *, title: str, consent: bool, user=None, specs=()
):
    """Clean and store an upload with its renditions `specs`; return (image, {spec: rendition}).

    All or nothing: a database or storage failure rolls the rows back and removes every file
    this upload wrote. Raises PhotoRejected for a bad upload, PhotoNotStored when the storage
    refuses a write.
    """
    clean = clean_photo(data)
    # The stored name reveals nothing: no user-supplied file name, no school code.
    name = f"{uuid.uuid4().hex}.{clean.extension}"
    files = []  # every file this upload may have written, removed if it fails
    renditions = {}
    try:
        with transaction.atomic():
            image = PortalImage(
                title=(title or "活動照片")[:255],
                collection=school_collection(school),
                school=school,
                guardian_consent=consent,
                uploaded_by_user=user,
                file=ImageFile(io.BytesIO(clean.content), name=name),
            )
            files.append(image.file)
            image.save()
            _raise_if_marked_for_rollback()
            # One by one rather than Wagtail's get_renditions(): its bulk creation writes every
            # file before its INSERT and keeps no trace of them when either fails.
            for spec in specs:
                rendition = image.generate_rendition_instance(
                    Filter(spec), io.BytesIO(clean.content)
                )
                files.append(rendition.file)
                rendition.save()
                renditions[spec] = rendition
            _raise_if_marked_for_rollback()
    except BaseException as error:
        for file in files:
            _remove_written(file)
        if isinstance(error, _storage_errors()):
            raise PhotoNotStored("照片暫時無法儲存，這次上傳未被保留，請稍後再試一次。") from error
        raise
    return image, renditions


def _raise_if_marked_for_rollback() -> None:
    """Wagtail indexes the image in tasks that run inside this transaction and hide their
    errors; a database error there marks the transaction for rollback, which would then undo
    the rows silently and keep their files. Fail loudly instead."""
    if transaction.get_rollback():
        raise OperationalError("a database error inside the photo upload was hidden by a task")


def _remove_written(file) -> None:
    """Delete a file the failed upload wrote (a FieldFile is committed once it is in storage)."""
    if not (file and file._committed):
        return
    try:
        file.delete(save=False)
    except Exception:
        logger.exception("Could not remove %s after a failed photo upload", file.name)


def _storage_errors() -> tuple[type[BaseException], ...]:
    """What a storage refusing a write raises: the file system's OSError, S3's boto errors."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, Boto3Error, BotoCoreError, ClientError)
