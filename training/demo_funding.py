"""Demo BPF data: the situation of the demo trainees (cadre F-1) and the income of the held demo sessions (cadre C).

`demo_funding_ensure()` runs in `training.demo.demo_seed`, after the attendance (the invoices count
the trainees who attended):

- **Situations**: each confirmed registration of a demo person to a demo session gets the
  situation its profile suggests: public servants (State, local authorities, national education,
  hospitals), the self-employed, volunteers and students are "other"; people without a job are
  mostly jobseekers; an employee of an association, a company or a health or social structure is
  a private-sector employee; about one in six trainees of a paid inter session pays for
  themselves. About one in twenty is left blank, the way a real year has a few gaps, so that the
  BPF lists them as missing.
- **Funding lines** of every held demo session (invoiced a fortnight after its last day, never
  after the day of the seed): a Drapps session is granted by the ARS Occitanie (cadre C5, a
  fixed amount per day); an intra session is invoiced to its client structure, C3 for a public
  employer and C1 otherwise, at its price per trainee (a demo rate per day when the session has
  none) times the trainees who attended; an inter session is invoiced to each employer structure
  of its trainees (C1/C3), to France Travail for jobseekers (C7), to the person for those who
  pay for themselves (C9).

Draws come from a `random.Random` seeded with the session code and the person's e-mail, so a
second run draws the same: a registration left blank stays blank, a filled one is not touched,
and a session that has a funding line is left as it is; nothing changes, even on another day.
Only demo people (e-mail at `DEMO_DOMAIN`) and demo sessions (codes of the demo plan) are touched.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from .choices import FunderCategory, Funding, RegistrationStatus, SessionStatus, TraineeType
from .models import FundingLine, Registration, Session

DEMO_DOMAIN = "@demo.formations.test"
ARS_PAYER = "ARS Occitanie"
FRANCE_TRAVAIL_PAYER = "France Travail"
# Demo amounts: the seeds give none. The ARS grants a fixed amount per day of training; an intra
# session without a price is invoiced at a rate per trainee and day.
DRAPPS_GRANT_PER_DAY = Decimal("1250.00")
INTRA_PRICE_PER_TRAINEE_DAY = Decimal("150.00")
HOURS_PER_DAY = Decimal("7")
INVOICE_DELAY = timedelta(days=15)

BLANK_RATE = 0.05  # situations left to fill in
SELF_PAYING_INTER_RATE = 0.16
JOBSEEKER_RATE = 0.6  # of the people without a job (the others are retired or between two things)
# Structure types whose staff are public servants, or self-employed: cadre F-1 line e ("other").
PUBLIC_STRUCTURE_TYPES = {"État, collectivité territoriale", "Éducation nationale", "Établissement de santé"}
SELF_EMPLOYED_STRUCTURE_TYPES = {"Profession libérale"}
OTHER_CATEGORIES = {"Bénévole", "Étudiant", "Profession libérale"}
WITHOUT_JOB_CATEGORIES = {"Sans activité professionnelle"}


def demo_funding_ensure(*, plan_keys: Iterable[str], today: date, report) -> None:
    """Situations of the demo trainees, then the funding lines of the held demo sessions."""
    keys = set(plan_keys)
    sessions = [
        session
        for session in Session.objects.exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
        .filter(code__regex=r"^[0-9]{4}-")
        .with_schedule()
        .select_related("client_organisation__structure_type")
        .order_by("code")
        if session.code[5:] in keys
    ]
    trainee_types_ensure(sessions=sessions, report=report)
    funding_lines_ensure(sessions=sessions, today=today, report=report)


# Situations (cadre F-1) -------------------------------------------------------------------


def trainee_types_ensure(*, sessions: list[Session], report) -> None:
    registrations = list(
        Registration.objects.filter(
            session__in=sessions, status=RegistrationStatus.CONFIRMED, user__email__endswith=DEMO_DOMAIN
        )
        .select_related("session", "user", "structure_type", "professional_category")
        .order_by("pk")
    )
    filled = []
    for registration in registrations:
        if registration.trainee_type:
            report.record("Situations BPF des stagiaires", created=False)
            continue
        situation = _situation(registration)
        if situation:
            registration.trainee_type = situation
            filled.append(registration)
        report.record("Situations BPF des stagiaires", created=bool(situation))
    Registration.objects.bulk_update(filled, ["trainee_type"])


def _situation(registration: Registration) -> str:
    """The situation drawn for a registration ("" for the few left to fill in)."""
    rng = random.Random(f"situation-{registration.session.code}-{registration.user.email}")
    if rng.random() < BLANK_RATE:
        return ""
    structure_type = registration.structure_type.label if registration.structure_type else ""
    category = registration.professional_category.label if registration.professional_category else ""
    if category in WITHOUT_JOB_CATEGORIES:
        return TraineeType.JOBSEEKER if rng.random() < JOBSEEKER_RATE else TraineeType.OTHER
    if registration.session.funding == Funding.INTER and rng.random() < SELF_PAYING_INTER_RATE:
        return TraineeType.INDIVIDUAL
    if category in OTHER_CATEGORIES or structure_type in PUBLIC_STRUCTURE_TYPES | SELF_EMPLOYED_STRUCTURE_TYPES:
        return TraineeType.OTHER
    return TraineeType.PRIVATE_EMPLOYEE


# Funding lines (cadre C) ------------------------------------------------------------------


def funding_lines_ensure(*, sessions: list[Session], today: date, report) -> None:
    held = [session for session in sessions if session.status == SessionStatus.DONE]
    funded = set(FundingLine.objects.filter(session__in=held).values_list("session_id", flat=True).distinct())
    to_fund = [session for session in held if session.pk not in funded]
    attended = defaultdict(list)
    registrations = (
        Registration.objects.filter(session__in=to_fund, status=RegistrationStatus.CONFIRMED)
        .with_hours_attended()
        .filter(hours_attended__gt=0)
        .select_related("user", "structure_type", "organisation__structure_type")
        .order_by("pk")
    )
    for registration in registrations:
        attended[registration.session_id].append(registration)
    lines = []
    for session in held:
        if session.pk in funded:
            report.record("Financements des sessions réalisées (BPF)", created=False)
            continue
        session_lines = _session_lines(session=session, trainees=attended[session.pk], today=today)
        lines += session_lines
        report.record("Financements des sessions réalisées (BPF)", created=bool(session_lines))
    FundingLine.objects.bulk_create(lines)


def _session_lines(*, session: Session, trainees: list[Registration], today: date) -> list[FundingLine]:
    invoiced_on = min(session.last_day + INVOICE_DELAY, today)
    days = max(1, int((session.planned_hours or HOURS_PER_DAY) / HOURS_PER_DAY))
    if session.funding == Funding.DRAPPS:
        return [
            FundingLine(
                session=session,
                category=FunderCategory.STATE,
                payer=ARS_PAYER,
                amount=DRAPPS_GRANT_PER_DAY * days,
                invoiced_on=invoiced_on,
                reference=f"ARS-DRAPPS-{session.code}",
            )
        ]
    if not trainees:
        return []
    price = session.price_per_trainee or INTRA_PRICE_PER_TRAINEE_DAY * days
    if session.funding == Funding.INTRA:
        client = session.client_organisation
        return [
            FundingLine(
                session=session,
                category=_employer_category(client.structure_type.label if client.structure_type else ""),
                payer=client.name,
                amount=price * len(trainees),
                invoiced_on=invoiced_on,
                reference=f"FAC-{session.code}",
            )
        ]
    # Inter (and other paid sessions): one invoice per payer.
    payers: dict[tuple[str, str], int] = defaultdict(int)
    for registration in trainees:
        payers[_payer(registration)] += 1
    return [
        FundingLine(
            session=session,
            category=category,
            payer=payer,
            amount=price * count,
            invoiced_on=invoiced_on,
            reference=f"FAC-{session.code}-{number:02d}",
        )
        for number, ((payer, category), count) in enumerate(sorted(payers.items()), start=1)
    ]


def _employer_category(structure_type: str) -> str:
    return FunderCategory.PUBLIC_EMPLOYER if structure_type in PUBLIC_STRUCTURE_TYPES else FunderCategory.COMPANY


def _payer(registration: Registration) -> tuple[str, str]:
    """Who pays for a trainee of a paid session, and the BPF origin of the money."""
    if registration.trainee_type == TraineeType.INDIVIDUAL:
        return registration.user.get_full_name() or registration.user.email, FunderCategory.INDIVIDUAL
    if registration.trainee_type == TraineeType.JOBSEEKER:
        return FRANCE_TRAVAIL_PAYER, FunderCategory.FRANCE_TRAVAIL
    name = registration.organisation.name if registration.organisation else registration.structure_name
    structure_type = registration.structure_type.label if registration.structure_type else ""
    return (name.strip() or "Structure non renseignée")[:200], _employer_category(structure_type)
