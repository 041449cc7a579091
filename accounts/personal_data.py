"""A person's data in one file (RGPD right of access, art. 15): one worksheet per kind of record.

Each app declares what it holds about a person with `@personal_data_section`, in its own
`personal_data` module (imported by its `AppConfig.ready`): accounts the identity and profile,
training the registrations, attendance, documents and messages, evaluations the survey answers.
So the export grows with the apps and no lower layer reaches into a higher one.

A section returns its column headings and rows (plain values). `personal_data_workbook` writes
them as an XLSX workbook, with a first sheet saying what the file is and when it was made.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Section:
    title: Callable[[], str]
    rows: Callable  # (user) -> (headings, rows)
    order: int


_SECTIONS: list[Section] = []


def personal_data_section(title: Callable[[], str], *, order: int):
    """Register a function `(user) -> (headings, rows)` as one worksheet of the export."""

    def register(function):
        _SECTIONS.append(Section(title=title, rows=function, order=order))
        return function

    return register


def _cell(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, str | int | float | bool | datetime.date):
        return value
    return str(value)


def personal_data_workbook(*, user) -> bytes:
    """Everything the system holds about `user`, as an XLSX workbook."""
    workbook = Workbook()
    about = workbook.active
    about.title = _("About this file")[:31]
    about.append([_("Personal data held about %(name)s (%(email)s)") % {"name": user, "email": user.email}])
    about["A1"].font = Font(bold=True)
    about.append([_("Made on"), _cell(timezone.now())])
    about.append([_("One sheet per kind of record. Write to us to correct or erase what is wrong.")])
    for section in sorted(_SECTIONS, key=lambda section: section.order):
        headings, rows = section.rows(user)
        sheet = workbook.create_sheet(section.title()[:31])
        sheet.append([str(heading) for heading in headings])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def personal_data_filename() -> str:
    return f"donnees-personnelles-{timezone.localdate():%Y-%m-%d}.xlsx"


# What the accounts app holds
# ------------------------------------------------------------------------------


@personal_data_section(lambda: _("Identity and profile"), order=0)
def _identity(user):
    from .models import Profile

    profile = (
        Profile.objects.select_related("structure_type", "activity_sector", "professional_category", "department")
        .filter(user=user)
        .first()
    )
    rows = [
        (_("E-mail address"), user.email),
        (_("First name"), user.first_name),
        (_("Last name"), user.last_name),
        (_("Account created on"), user.date_joined),
        (_("Last signed in"), user.last_login),
    ]
    if profile is not None:
        rows += [
            (_("Phone"), profile.phone),
            (_("Job title"), profile.job_title),
            (_("Structure"), profile.structure_name),
            (_("Structure type"), profile.structure_type.label),
            (_("Activity sector"), profile.activity_sector.label),
            (_("Socio-professional category"), profile.professional_category.label),
            (_("Département of work"), str(profile.department)),
        ]
    return (_("Item"), _("Value")), rows


@personal_data_section(lambda: _("Erasure requests"), order=90)
def _erasure_requests(user):
    from .models import ErasureRequest

    headings = (_("Asked on"), _("Status"), _("Decided on"), _("Reason for refusing"))
    rows = [
        (request.requested_at, request.get_status_display(), request.decided_at, request.reason)
        for request in ErasureRequest.objects.filter(person=user).order_by("requested_at")
    ]
    return headings, rows
