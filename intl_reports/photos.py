"""Report photos: checked, re-encoded and stored privately in the school's own collection.

Every upload is decoded by Pillow and written anew, so what is stored is always a plain
JPEG or PNG: EXIF (GPS included) is gone, the EXIF orientation is applied, fakes, bombs and
non-images are refused before anything touches storage.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import PortalImage, School

try:  # HEIC/HEIF from phones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", 40_000_000)
MAX_STORED_SIDE = 4000  # larger photos are downscaled: print needs far less
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF", "MPO", "BMP", "TIFF"}
JPEG_QUALITY = 88
THUMBNAIL_SPEC = "max-320x240|format-jpeg|jpegquality-80"


class PhotoRejected(ValueError):
    """A clear, Chinese reason why an upload is refused."""


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    extension: str
    width: int
    height: int


def clean_photo(data: bytes) -> CleanPhoto:
    """Decode, check and re-encode an uploaded photo, or raise PhotoRejected."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            f"檔案超過 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB 上限，請縮小後再上傳。"
        )
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
    clean = clean_photo(data)
    # The stored name reveals nothing: no user-supplied file name, no school code.
    name = f"{uuid.uuid4().hex}.{clean.extension}"
    with transaction.atomic():
        image = PortalImage(
            title=(title or "活動照片")[:255],
            collection=school_collection(school),
            school=school,
            guardian_consent=consent,
            uploaded_by_user=user,
            file=ImageFile(io.BytesIO(clean.content), name=name),
        )
        try:
            image.save()
        except Exception:
            if image.file.name:
                image.file.delete(save=False)  # no orphan file when the row cannot be written
            raise
    return image
