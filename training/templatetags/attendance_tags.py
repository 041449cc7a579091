"""Template helpers of the attendance documents and pages."""

import base64

from django import template

from ..choices import AttendanceStatus

register = template.Library()


@register.filter
def png_data_url(image) -> str:
    """A stored PNG (bytes or memoryview) as a `data:` URL, to show a signature without serving a file."""
    if not image:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(image)).decode("ascii")


@register.filter
def attendance_status_label(status: str) -> str:
    """The label of an attendance status code, as kept in a proof record's details."""
    return AttendanceStatus(status).label if status in AttendanceStatus.values else status
