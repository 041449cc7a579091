"""Storage of files that are never served by URL: scanned attendance sheets and issued documents.

They are personal data and legal evidence: people get them through views that check who asks
(see `training.views`), never from a public URL. `PRIVATE_MEDIA_ROOT` sits outside `MEDIA_ROOT`;
behind nginx, the view's answer may let nginx send the file (`config/private_files.py`).
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A file system storage under `PRIVATE_MEDIA_ROOT`, read at each use (tests move it), with no URL."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL: serve them through a permission-checked view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
