"""Forms of the coordinator's attendance pages: they parse what was typed; the rules are in
`training.services.attendance` and `training.services.absences`."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from .attendance_selectors import PaperRecordData
from .choices import AbandonmentReason, AttendanceStatus
from .models import Registration, Slot
from .services.attendance import SCAN_MAX_BYTES, PaperMark


def upload_content(upload) -> bytes:
    """The bytes of an uploaded file, read up to one byte past the largest scan accepted: a
    larger file is refused by the service without being held in memory whole."""
    upload.seek(0)
    return upload.read(SCAN_MAX_BYTES + 1)


@dataclass(frozen=True)
class PaperCell:
    slot: Slot
    signed: bool  # signed digitally: the signature stands, nothing to read on the paper
    status: forms.BoundField | None
    minutes: forms.BoundField | None
    reason: forms.BoundField | None


@dataclass(frozen=True)
class PaperRow:
    registration: Registration
    cells: list[PaperCell]


class PaperRecordForm(forms.Form):
    """A scanned paper sheet, the half-days it covers, and each trainee's attendance as read on it
    (present by default)."""

    scan = forms.FileField(
        label=_("Scan of the signed paper sheet"), help_text=_("PDF, PNG or JPEG file, 20 MB at most.")
    )
    slots = forms.MultipleChoiceField(
        label=_("Half-days the sheet covers"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, record: PaperRecordData, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        self.fields["slots"].choices = [(str(slot.pk), str(slot)) for slot in record.slots]
        for slot in record.slots:
            for registration in record.trainees:
                if (registration.pk, slot.pk) in record.signed:
                    continue
                key = f"{slot.pk}-{registration.pk}"
                # Only the half-days ticked are read: a blank status there is refused by the service.
                self.fields[f"status-{key}"] = forms.ChoiceField(
                    label=_("Attendance"),
                    choices=AttendanceStatus.choices,
                    initial=AttendanceStatus.PRESENT,
                    required=False,
                )
                self.fields[f"minutes-{key}"] = forms.IntegerField(
                    label=_("Minutes missed"), required=False, min_value=0, max_value=600
                )
                self.fields[f"reason-{key}"] = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def rows(self) -> list[PaperRow]:
        """The trainees × half-days grid of the form, for the template."""
        rows = []
        for registration in self.record.trainees:
            cells = []
            for slot in self.record.slots:
                key = f"{slot.pk}-{registration.pk}"
                signed = (registration.pk, slot.pk) in self.record.signed
                cells.append(
                    PaperCell(
                        slot=slot,
                        signed=signed,
                        status=None if signed else self[f"status-{key}"],
                        minutes=None if signed else self[f"minutes-{key}"],
                        reason=None if signed else self[f"reason-{key}"],
                    )
                )
            rows.append(PaperRow(registration=registration, cells=cells))
        return rows

    def selected_slots(self) -> list[Slot]:
        chosen = set(self.cleaned_data["slots"])
        return [slot for slot in self.record.slots if str(slot.pk) in chosen]

    def marks(self) -> dict[int, list[PaperMark]]:
        """{slot id: the trainees' marks} for the half-days ticked (digital signatures left out)."""
        data = self.cleaned_data
        marks = {}
        for slot in self.selected_slots():
            marks[slot.pk] = [
                PaperMark(
                    registration_id=registration.pk,
                    status=data[f"status-{slot.pk}-{registration.pk}"],
                    minutes_missed=data[f"minutes-{slot.pk}-{registration.pk}"] or 0,
                    reason=data[f"reason-{slot.pk}-{registration.pk}"],
                )
                for registration in self.record.trainees
                if (registration.pk, slot.pk) not in self.record.signed
            ]
        return marks


class AttendanceCorrectionForm(forms.Form):
    status = forms.ChoiceField(label=_("Attendance"), choices=AttendanceStatus.choices)
    minutes_missed = forms.IntegerField(
        label=_("Minutes missed"),
        required=False,
        min_value=0,
        max_value=600,
        help_text=_("For a partial attendance: the time missed by arriving late or leaving early."),
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("Required: it is kept in the proof records with the values before and after."),
    )


class AbandonmentForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for giving up"), choices=[("", _("Choose…")), *AbandonmentReason.choices], required=False
    )
    details = forms.CharField(label=_("Details"), required=False, max_length=1000)
