"""iCalendar invitations (RFC 5545): one event per half-day, in Paris time, with its time zone."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from django.conf import settings
from django.utils import timezone

from .models import Registration, Session


def session_calendar(*, session: Session, registration: Registration | None = None, organiser: str = "") -> bytes:
    """The session's half-days as calendar events, stable UIDs so that a re-sent file updates them."""
    paris = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Formations//Convocation//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("calscale", "GREGORIAN")
    location = session.venue.full_address if session.venue else session.get_modality_display()
    stamp = timezone.now().astimezone(datetime.UTC)
    slots = list(session.slots.order_by("date", "starts_at"))
    for slot in slots:
        event = Event()
        event.add("uid", f"session-{session.pk}-{slot.date:%Y%m%d}-{slot.period}@formations")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.datetime.combine(slot.date, slot.starts_at, tzinfo=paris))
        event.add("dtend", datetime.datetime.combine(slot.date, slot.ends_at, tzinfo=paris))
        event.add("summary", f"{session.course.title} ({slot.get_period_display().lower()})")
        event.add("location", location)
        event.add("description", f"Session {session.code}" + (f" — {organiser}" if organiser else ""))
        if registration is not None:
            event.add("status", "CONFIRMED")
        calendar.add_component(event)
    if slots:  # the time zone's rules over the session's years only: a small file, quickly built
        calendar.add_missing_timezones(
            first_date=datetime.date(slots[0].date.year, 1, 1), last_date=datetime.date(slots[-1].date.year + 1, 1, 1)
        )
    return calendar.to_ical()
