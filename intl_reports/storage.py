"""Media in S3-compatible object storage, kept private and served only through /media/.

`MEDIA_STORAGE=s3` selects this backend (settings: base.py). Objects are written without an
ACL, so they are as private as the bucket (no public-read); nobody gets a bucket URL from a
page. `url()` is what templates, renditions and the admin print: the same /media/<name> as the
file system, i.e. the permission-checked view in intl_reports.views.media. Only that view,
after its check, hands out `signed_url()`: a presigned GET that expires after
`querystring_expire` seconds. A signed URL baked into a page would outlive its permission
check and break in the anonymous page cache once expired.
"""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateMediaS3Storage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return f"{settings.MEDIA_URL}{filepath_to_uri(name)}"

    def signed_url(self, name: str, expire: int | None = None) -> str:
        """A short-lived presigned GET of the object: only for a user who may see it."""
        return super().url(name, expire=expire)
