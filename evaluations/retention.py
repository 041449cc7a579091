"""Retention of the survey and quality records (`accounts.retention` registry), their part of an erasure.

- **Invitations**: the address, name and link go `RETENTION_SURVEY_INVITATION_MONTHS` after the
  survey closes (the link no longer opens anything); the row stays, with when it was sent and
  answered (the response rates).
- **Responses**: evidence of the evaluation (`RETENTION_EVIDENCE_YEARS` from the end of the
  training): then unlinked from the person and their free-text comments erased; the values
  answered stay (the satisfaction and six-month rates).
- **Complaints**: the complainant's name, address and message go `RETENTION_COMPLAINT_YEARS`
  after the complaint is closed; subject, kind, dates, answer and analysis stay (the register).
- **Accessibility adaptations**: unlinked from the trainee with their needs (kept on the session:
  what was adapted is Qualiopi evidence, without whom).
- **Survey opt-outs** and **evidence packs** (files) have their own delays.
"""

from __future__ import annotations

import datetime
import secrets

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.retention import ANONYMOUS_DOMAIN, anonymous_email, erasure_step, file_delete_on_commit, record_type
from training.models import Registration
from training.retention import sessions_ended_before

from .models import (
    AccessibilityAdaptation,
    Answer,
    Complaint,
    ComplaintStatus,
    EvidencePack,
    Invitation,
    Response,
    SurveyOptOut,
)


def _start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _held_q(held, *, session: str, person: str) -> Q:
    return Q(**{f"{session}__in": held.session_ids}) | Q(**{f"{person}__in": held.person_ids})


def _invitations_anonymise(invitations) -> int:
    invitations = list(invitations)
    for invitation in invitations:
        invitation.email = anonymous_email("invitation", invitation.pk)
        invitation.name = ""
        invitation.token = secrets.token_urlsafe(32)
        invitation.registration = None
        invitation.trainer = None
    Invitation.objects.bulk_update(invitations, ["email", "name", "token", "registration", "trainer"], batch_size=500)
    return len(invitations)


@record_type(
    "survey_invitation",
    label=lambda: _("Survey invitations (addressee and link)"),
    setting="RETENTION_SURVEY_INVITATION_MONTHS",
    unit="months",
    counts_from=lambda: _("the close of the survey"),
    then=lambda: _("address, name and link erased; sent and answered dates kept"),
    order=70,
)
def _invitations_purge(*, cutoff, now, held):
    expired = Invitation.objects.filter(campaign__closes_at__lt=_start(cutoff)).exclude(
        email__iendswith=f"@{ANONYMOUS_DOMAIN}"
    )
    on_hold = _held_q(held, session="campaign__session_id", person="registration__user_id")
    return _invitations_anonymise(expired.exclude(on_hold)), expired.filter(on_hold).count()


@record_type(
    "survey_response",
    label=lambda: _("Survey answers"),
    setting="RETENTION_EVIDENCE_YEARS",
    unit="years",
    counts_from=lambda: _("the end of the training (yearly surveys: their close)"),
    then=lambda: _("unlinked from the person, free-text comments erased; the values answered kept"),
    order=71,
)
def _responses_purge(*, cutoff, now, held):
    ended = sessions_ended_before(cutoff).values("pk")
    texts = Answer.objects.filter(response=OuterRef("pk")).exclude(text="")
    expired = Response.objects.filter(
        Q(campaign__session__in=ended) | Q(campaign__session__isnull=True, campaign__closes_at__lt=_start(cutoff))
    ).filter(Q(registration__isnull=False) | Exists(texts))
    on_hold = _held_q(held, session="campaign__session_id", person="registration__user_id")
    ids = list(expired.exclude(on_hold).values_list("pk", flat=True))
    Answer.objects.filter(response_id__in=ids).exclude(text="").update(text="")
    Response.objects.filter(pk__in=ids).update(registration=None)
    return len(ids), expired.filter(on_hold).count()


@record_type(
    "complaint",
    label=lambda: _("Complaints (complainant's identity and message)"),
    setting="RETENTION_COMPLAINT_YEARS",
    unit="years",
    counts_from=lambda: _("the closing of the complaint"),
    then=lambda: _("name, address and message erased; subject, dates, answer and analysis kept"),
    order=72,
)
def _complaints_purge(*, cutoff, now, held):
    start = _start(cutoff)
    expired = Complaint.objects.filter(
        Q(closed_at__lt=start) | Q(closed_at__isnull=True, received_at__lt=start, status="closed")
    ).filter(~Q(complainant="") | ~Q(email="") | ~Q(description=""))
    on_hold = Q(session_id__in=held.session_ids)
    return expired.exclude(on_hold).update(complainant="", email="", description=""), expired.filter(on_hold).count()


def _adaptations_unlink(adaptations) -> int:
    adaptations = list(adaptations.select_related("registration"))
    for adaptation in adaptations:
        adaptation.session_id = adaptation.session_id or adaptation.registration.session_id
        adaptation.registration = None
    AccessibilityAdaptation.objects.bulk_update(adaptations, ["session", "registration"], batch_size=500)
    return len(adaptations)


@record_type(
    "accessibility_adaptation",
    label=lambda: _("Accessibility adaptations (link to the trainee)"),
    setting="RETENTION_ACCESSIBILITY_MONTHS",
    unit="months",
    counts_from=lambda: _("the end of the training"),
    then=lambda: _("unlinked from the trainee; the adaptation kept on the session"),
    order=73,
)
def _adaptations_purge(*, cutoff, now, held):
    expired = AccessibilityAdaptation.objects.filter(
        registration__isnull=False, registration__session__in=sessions_ended_before(cutoff).values("pk")
    )
    on_hold = _held_q(held, session="registration__session_id", person="registration__user_id")
    return _adaptations_unlink(expired.exclude(on_hold)), expired.filter(on_hold).count()


@record_type(
    "survey_opt_out",
    label=lambda: _("Survey opt-outs"),
    setting="RETENTION_ACCOUNT_YEARS",
    unit="years",
    counts_from=lambda: _("the opt-out"),
    then=lambda: _("deleted"),
    order=74,
)
def _opt_outs_purge(*, cutoff, now, held):
    done, _deleted = SurveyOptOut.objects.filter(created_at__lt=_start(cutoff)).delete()
    return done, 0


@record_type(
    "evidence_pack",
    label=lambda: _("Qualiopi evidence packs (files)"),
    setting="RETENTION_EXPORT_DAYS",
    unit="days",
    counts_from=lambda: _("the day they were made"),
    then=lambda: _("file deleted"),
    order=75,
)
def _evidence_packs_purge(*, cutoff, now, held):
    packs = list(EvidencePack.objects.filter(created_at__lt=_start(cutoff)).exclude(file=""))
    for pack in packs:
        file_delete_on_commit(pack.file)
    return EvidencePack.objects.filter(pk__in=[pack.pk for pack in packs]).update(file=""), 0


# A person's erasure request
# ------------------------------------------------------------------------------


@erasure_step(order=30)
def _surveys_erase(person, now):
    """Answers stay, no longer linked to the person; their comments, invitations and opt-out go."""
    registrations = Registration.objects.filter(user=person).values("pk")
    responses = Response.objects.filter(registration__in=registrations)
    Answer.objects.filter(response__in=responses).exclude(text="").update(text="")
    responses.update(registration=None)
    _invitations_anonymise(Invitation.objects.filter(Q(registration__in=registrations) | Q(email__iexact=person.email)))
    SurveyOptOut.objects.filter(email__iexact=person.email).delete()
    _adaptations_unlink(AccessibilityAdaptation.objects.filter(registration__in=registrations))
    complaints = Complaint.objects.filter(email__iexact=person.email)
    complaints.filter(status=ComplaintStatus.CLOSED).update(complainant="", email="")
    # A complaint still being handled keeps who to answer (Qualiopi indicator 31) until it is closed;
    # the purge then removes the name with the complaint register's own delay.
    kept = [
        (_("your complaint of %(date)s, until it is answered and closed") % {"date": f"{received:%d/%m/%Y}"}, None)
        for received in complaints.exclude(status=ComplaintStatus.CLOSED).values_list("received_at", flat=True)
    ]
    return [
        _(
            "the link between you and your survey answers, your comments, the survey e-mails sent to you, "
            "your name on the complaints you made"
        )
    ], kept
