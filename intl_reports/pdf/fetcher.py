"""The only way the PDF renderer may load anything: the report's own images, from storage.

WeasyPrint asks its URL fetcher for every stylesheet, image and font it finds in the HTML.
The report template links nothing but the images it registered here, under the private
`report-image:` scheme; every other URL (file://, http(s)://, data:, ftp:, relative paths…)
is refused, so text that somehow became markup could still not read the server's files or
reach the network.
"""

from __future__ import annotations

import logging
import mimetypes

from django.core.files.storage import Storage, default_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

SCHEME = "report-image"


class RefusedURL(ValueError):
    """A URL the PDF renderer must not load."""


class StorageImageFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher serving registered storage files and nothing else."""

    def __init__(self, storage: Storage | None = None):
        # fetch() below never hands a URL to urllib, so no handler ever opens a connection.
        super().__init__(timeout=1, allowed_protocols=(SCHEME,), allow_redirects=False)
        self.storage = storage or default_storage
        self.files: dict[str, str] = {}  # URL -> storage name
        self.refused: list[str] = []

    def register(self, name: str) -> str:
        """The URL under which the storage file `name` may be embedded."""
        url = f"{SCHEME}:{len(self.files) + 1}"
        self.files[url] = name
        return url

    def fetch(self, url, headers=None):
        name = self.files.get(url)
        if name is None:
            self.refused.append(url)
            logger.warning("PDF renderer refused to fetch %.200s", url)
            raise RefusedURL(f"refused: {url[:200]}")
        with self.storage.open(name, "rb") as handle:
            body = handle.read()
        mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})
