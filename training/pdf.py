"""Attendance documents (émargement), rendered with the shared PDF family (`cms.pdf.render_pdf`).

- The blank paper sheet, to print when the room has no network: one portrait page for one
  half-day, or a landscape grid with one column per half-day (at most `PAPER_COLUMNS` per table).
- The signed sheet of a session: every half-day with each trainee's status, signature, time
  and method, the trainer's signature and lock, the corrections after the lock, the scan of a
  paper half-day and the state of each proof chain; the hours attended per trainee.
"""

from __future__ import annotations

from cms.pdf import render_pdf

from .attendance_selectors import (
    session_for_documents,
    session_signed_record,
    session_slot_list,
    session_trainer_list,
)
from .models import Session, Slot
from .selectors import session_trainees

# Half-day columns per table on the landscape paper sheet: each stays wide enough to sign in.
PAPER_COLUMNS = 6


def attendance_paper_pdf(*, session: Session, slots: list[Slot] | None = None) -> bytes:
    """The blank attendance sheet of the session's half-days (all of them when `slots` is None),
    prefilled with the organisation, the session, each half-day's hours and the trainees."""
    session = session_for_documents(session_id=session.pk)
    slots = session_slot_list(session=session) if slots is None else sorted(slots, key=lambda s: (s.date, s.starts_at))
    trainees = list(session_trainees(session=session))
    return render_pdf(
        template_name="pdf/attendance_paper.html",
        context={
            "session": session,
            "slots": slots,
            "single": len(slots) == 1,
            "slot_groups": _balanced_groups(slots, PAPER_COLUMNS),
            "trainers": session_trainer_list(session=session),
            "trainees": trainees,
            # Blank rows for people who come without being on the list (one or two).
            "spare_rows": range(max(1, min(2, session.capacity - len(trainees)))),
        },
    )


def _balanced_groups(items: list, most: int) -> list[list]:
    """The items in as few groups of at most `most` as possible, of even sizes (8 → 4 + 4, not 6 + 2)."""
    if not items:
        return []
    count = -(-len(items) // most)
    size = -(-len(items) // count)
    return [items[start : start + size] for start in range(0, len(items), size)]


def attendance_signed_pdf(*, session: Session) -> bytes:
    """The session's signed attendance sheet, as evidence for the funder and the Qualiopi auditor.
    A fixed number of queries whatever the number of trainees (plus one chain check per half-day)."""
    return render_pdf(
        template_name="pdf/attendance_signed.html", context={"record": session_signed_record(session=session)}
    )
