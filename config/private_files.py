"""The one way a view hands out a private file (scans, issued documents, exports, registers' files).

The view checks who asks, then calls `private_file_response`. By default Django streams the file
itself. Behind nginx, with `PRIVATE_MEDIA_X_ACCEL_PREFIX` set (`/protected/`), the response is
empty and carries `X-Accel-Redirect`: nginx sends the file from its `internal` location aliasing
`PRIVATE_MEDIA_ROOT`, which no client can request directly (deploy/nginx/formations.conf).
"""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from config.storages import private_storage


def private_file_response(
    file: FieldFile | str, *, filename: str, content_type: str | None = None, as_attachment: bool = True
) -> HttpResponse:
    """The response sending `file` (a file field of the private storage, or a name in it).

    Streaming mode opens the file here, so a missing file raises `FileNotFoundError` as
    `FieldFile.open` does; in X-Accel mode nginx answers 404 for it. Nginx passes on Content-Type,
    Content-Disposition and Cache-Control only: no shared cache may keep the file.
    """
    name = file if isinstance(file, str) else file.name
    prefix = settings.PRIVATE_MEDIA_X_ACCEL_PREFIX
    if not prefix:
        handle = private_storage().open(name, "rb") if isinstance(file, str) else file.open("rb")
        return FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response = HttpResponse(
        content_type=content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["X-Accel-Redirect"] = f"/{prefix.strip('/')}/{quote(name.lstrip('/'))}"
    response["Cache-Control"] = "private, no-store"
    return response
