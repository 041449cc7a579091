"""What an uploaded file really is, read from its first bytes rather than from its name.

A file is accepted only when its content is of the kind its extension announces: a page renamed
`.pdf`, or an executable renamed `.docx`, is refused. A polyglot (a file valid in two formats,
such as a PDF that is also an HTML page) passes as the kind its first bytes and its name agree
on, and is never shown as anything else: private files are served as attachments with the type
of their checked extension, under `X-Content-Type-Options: nosniff` and the site's
Content-Security-Policy. ZIP-based files (xlsx, docx, odt…) must also unpack to a reasonable
size before a reader opens them (a "zip bomb" is refused).
"""

import io
import os
import zipfile

from django import forms
from django.utils.translation import gettext_lazy as _

# Leading bytes of each kind.
_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "zip": (b"PK\x03\x04",),  # xlsx, docx, odt, ods, zip
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # doc, xls (before 2007)
}
# The kind each accepted extension announces; "text" is anything without NUL bytes.
EXTENSION_KINDS = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".gif": "gif",
    ".xlsx": "zip",
    ".docx": "zip",
    ".odt": "zip",
    ".ods": "zip",
    ".zip": "zip",
    ".doc": "ole",
    ".xls": "ole",
    ".csv": "text",
    ".txt": "text",
}
HEAD_BYTES = 8192
# A ZIP-based file may unpack to this many times its size, and has at most this many members.
ZIP_MAX_RATIO = 100
ZIP_MAX_MEMBERS = 10_000
ZIP_MIN_UNPACKED_LIMIT = 50 * 1024 * 1024


def content_kind(head: bytes) -> str | None:
    """The kind of a file from its first bytes: pdf, png, jpeg, gif, zip, ole, text, or None."""
    for kind, prefixes in _MAGIC.items():
        if head.startswith(prefixes):
            return kind
    if head and b"\x00" not in head[:HEAD_BYTES]:
        return "text"
    return None


def content_matches_name(name: str, head: bytes) -> bool:
    """Whether the content is of the kind the file's extension announces (unknown extensions: no)."""
    expected = EXTENSION_KINDS.get(os.path.splitext(name)[1].lower())
    return expected is not None and content_kind(head) == expected


def zip_is_reasonable(content: bytes) -> bool:
    """Whether a ZIP archive can be opened without unpacking far more than it weighs."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    limit = max(ZIP_MIN_UNPACKED_LIMIT, ZIP_MAX_RATIO * len(content))
    return len(members) <= ZIP_MAX_MEMBERS and sum(member.file_size for member in members) <= limit


def upload_head(upload) -> bytes:
    """The first bytes of an uploaded file, leaving it ready to be read from the start."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def upload_check(upload) -> None:
    """Refuse an uploaded file whose content does not match its name, or a ZIP bomb.

    Error code: `file_content_mismatch`.
    """
    head = upload_head(upload)
    if content_matches_name(upload.name, head):
        if content_kind(head) != "zip":
            return
        upload.seek(0)
        reasonable = zip_is_reasonable(upload.read())
        upload.seek(0)
        if reasonable:
            return
    raise forms.ValidationError(
        _("The content of this file does not match its name: send the original document."),
        code="file_content_mismatch",
    )
