"""Every file under MEDIA_URL goes through here: image originals and renditions, each shown
only to those allowed to see its image (permissions.can_view_image).

Once the permission check has passed, the bytes leave by the cheapest way the storage allows:
- file system behind nginx (MEDIA_ACCEL_REDIRECT_PREFIX set): an empty answer whose
  X-Accel-Redirect names nginx's internal location, and nginx sends the file;
- S3-compatible storage: a redirect to a presigned URL that expires within a minute;
- otherwise Django streams the file itself.
"""

import mimetypes
import posixpath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.utils.encoding import filepath_to_uri
from django.views.decorators.http import require_safe

from intl_reports import permissions
from intl_reports.models import PortalImage, PortalRendition

SERVED_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"}


@require_safe
def serve_media(request, path):
    path = posixpath.normpath(path).lstrip("/")
    if path.startswith("..") or "\x00" in path:
        raise Http404
    image = _image_owning(path)
    # Unknown files and images the user may not see get the same answer: nothing to see here.
    if image is None or not permissions.can_view_image(request.user, image):
        raise Http404
    content_type, _encoding = mimetypes.guess_type(path)
    if content_type not in SERVED_TYPES:
        raise Http404
    response = _hand_off(path, content_type)
    if isinstance(response, HttpResponseRedirect):
        # The signed URL is a key to the object for a minute: no cache may keep it.
        patch_cache_control(response, private=True, no_store=True)
        response["Vary"] = "Cookie"
        return response
    response["X-Content-Type-Options"] = "nosniff"
    if image.is_public:
        patch_cache_control(response, public=True, max_age=60 * 60 * 24)
    else:
        # A school's photos: never stored by a shared cache, nor kept by the browser.
        patch_cache_control(response, private=True, no_store=True)
        response["Vary"] = "Cookie"
    return response


def _hand_off(path: str, content_type: str):
    signed_url = getattr(default_storage, "signed_url", None)
    if signed_url is not None:
        return HttpResponseRedirect(signed_url(path))
    if settings.MEDIA_ACCEL_REDIRECT_PREFIX and isinstance(default_storage, FileSystemStorage):
        # nginx answers 404 itself if the file is gone.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT_PREFIX + filepath_to_uri(path)
        return response
    try:
        handle = default_storage.open(path, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    return FileResponse(handle, content_type=content_type)


def _image_owning(path: str):
    rendition = PortalRendition.objects.select_related("image").filter(file=path).first()
    if rendition is not None:
        return rendition.image
    return PortalImage.objects.filter(file=path).first()


def media_url_prefix() -> str:
    return settings.MEDIA_URL.lstrip("/")
