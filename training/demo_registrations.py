"""Demo registrations: a year of trainees over the demo sessions, and a lived-in learner account.

Two showcase sessions go through the registration services (a full Drapps session with its
waiting list, where the demo learner waits; an intra session filled by a group registration),
and the demo learner is confirmed on another one, so their messages and waiting list are what
the real flow produces. The demo learner is also a trainee of the demo trainer's session of the
day, to sign its attendance. The other sessions receive confirmed trainees as records, the way an
import of past years brings them. A session that has any registration is left as it is: a second run
creates nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from accounts.models import ActivitySector, Department, ProfessionalCategory, Profile, StructureType, User

from .choices import Funding, MessageKind, RegistrationSource, RegistrationStatus, SessionStatus
from .models import Registration, RegistrationMessage, Session
from .services.registrations import Participant, registration_create, registration_group_add

PEOPLE = 620  # distinct professionals; many attend more than one course over the year
LEARNER_EMAIL = "stagiaire@demo.formations.test"

# fmt: off
FIRST_NAMES = (
    "Camille", "Nadia", "Thomas", "Sophie", "Karim", "Julie", "Mathieu", "Inès", "Laurent", "Émilie", "Yasmine",
    "Pierre", "Hélène", "Sarah", "Nicolas", "Aurélie", "Mehdi", "Céline", "Antoine", "Manon", "Fatima", "Olivier",
    "Lucie", "Romain", "Chloé", "David", "Amandine", "Samir", "Élodie", "Jérôme",
)
LAST_NAMES = (
    "Garcia", "Martin", "Bernard", "Roux", "Fabre", "Durand", "Mercier", "Blanc", "Lopez", "Girard", "Faure",
    "Bonnet", "Rey", "Andrieu", "Vidal", "Marty", "Puech", "Castel", "Bousquet", "Laporte", "Costes", "Bruno",
    "Sanchez", "Cazals", "Fournier", "Barthe", "Delpech", "Gimenez", "Azéma", "Teisseire",
)
JOB_TITLES = (
    "Infirmière scolaire", "Éducateur spécialisé", "Assistante sociale", "Conseillère en économie sociale",
    "Animateur socioculturel", "Professeure des écoles", "Coordinatrice de projets", "Médiatrice santé",
    "Chargé de prévention", "Psychologue", "Sage-femme", "Bénévole associatif", "Directrice de structure",
    "Moniteur-éducateur", "Chargée de mission", "Puéricultrice",
)
STRUCTURE_NAMES = (
    "Collège Jean Jaurès", "Centre social des Pradettes", "Mission locale", "CCAS", "Maison des adolescents",
    "Association d'éducation populaire", "Centre hospitalier", "Foyer de vie Les Tilleuls", "Lycée professionnel",
    "Service de PMI", "Espace jeunes", "CSAPA", "Maison de santé pluriprofessionnelle", "Résidence autonomie",
)
# fmt: on


def registrations_ensure(*, today: date, report, learner_session_key: str) -> None:
    """Trainees for every offered session that has none yet, and the demo learner's registrations;
    the demo learner is among the trainees of the session whose code ends with `learner_session_key`."""
    rng = random.Random(f"registrations-{today.year}")
    people = _people_ensure(report=report)
    learner = _learner_profile_ensure()
    sessions = (
        Session.objects.exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
        .filter(registrations__isnull=True)
        .with_schedule()
        .select_related("client_organisation", "course")
        .order_by("first_day", "code")
    )
    # The demo learner also followed the latest held Drapps session: their space shows its hours and documents.
    learner_past = (
        sessions.filter(status=SessionStatus.DONE, funding=Funding.DRAPPS, last_day__lt=today)
        .order_by("-last_day")
        .values_list("pk", flat=True)
        .first()
    )
    now = timezone.now()
    waiting_list_shown = group_shown = False
    for session in sessions:
        attendees = rng.sample(people, k=min(len(people), session.capacity + 6))
        is_open = session.status == SessionStatus.OPEN
        if is_open and not waiting_list_shown and session.funding == Funding.DRAPPS:
            # The soonest open Drapps session is full, with people waiting (the demo learner last).
            _register_online(session=session, people=attendees[: session.capacity + 3], now=now)
            registration_create(
                session=session,
                user=learner,
                expectations="Être plus à l'aise en animation.",
                prerequisites_declared=True,
            )
            waiting_list_shown = True
        elif is_open and not group_shown and session.funding == Funding.INTRA:
            count = rng.randint(session.capacity // 2, session.capacity)
            registration_group_add(session=session, participants=_participants(attendees[:count]), by=None)
            group_shown = True
        else:
            # Fewer trainees where registration is still open: the session is still filling.
            low = session.capacity // 3 if is_open else max(1, session.capacity - 7)
            high = session.capacity - 2 if is_open else session.capacity
            if session.code[5:] == learner_session_key or session.pk == learner_past:
                attendees = [learner, *(person for person in attendees if person != learner)]
            _records_create(session=session, people=attendees[: rng.randint(low, high)], rng=rng)
        report.record("Sessions avec inscrits", created=True)
    _learner_confirmed_ensure(learner=learner, today=today)


def _people_ensure(*, report) -> list[User]:
    """The demo professionals, with their profiles; they have no password (demo data only)."""
    emails = [f"professionnel{number:03d}@demo.formations.test" for number in range(1, PEOPLE + 1)]
    existing = {user.email: user for user in User.objects.filter(email__in=emails)}
    rng = random.Random("people")
    references = {
        "structure_type": list(StructureType.objects.all()),
        "activity_sector": list(ActivitySector.objects.all()),
        "professional_category": list(ProfessionalCategory.objects.all()),
        "department": list(Department.objects.all()),
    }
    new_users, new_profiles = [], []
    for number, email in enumerate(emails):
        # Every first name with every last name: 620 different people, not 30 names over and over.
        first_name = FIRST_NAMES[number % len(FIRST_NAMES)]
        last_name = LAST_NAMES[(number // len(FIRST_NAMES) + number * 7) % len(LAST_NAMES)]
        choices = {name: rng.choice(values) for name, values in references.items()}
        job_title, structure = rng.choice(JOB_TITLES), rng.choice(STRUCTURE_NAMES)
        if email in existing:
            continue
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        new_users.append(user)
        new_profiles.append(Profile(user=user, job_title=job_title, structure_name=structure, **choices))
    User.objects.bulk_create(new_users)
    Profile.objects.bulk_create(new_profiles)
    report.counts.setdefault("Professionnels (stagiaires)", [0, 0])
    report.counts["Professionnels (stagiaires)"][0] += len(new_users)
    report.counts["Professionnels (stagiaires)"][1] += len(existing)
    return list(User.objects.filter(email__in=emails).order_by("email"))


def _learner_profile_ensure() -> User:
    learner = User.objects.get(email=LEARNER_EMAIL)
    Profile.objects.get_or_create(
        user=learner,
        defaults={
            "job_title": "Infirmière scolaire",
            "structure_name": "Collège Jean Jaurès",
            "structure_type": StructureType.objects.order_by("position").first(),
            "activity_sector": ActivitySector.objects.order_by("position").first(),
            "professional_category": ProfessionalCategory.objects.order_by("position").first(),
            "department": Department.objects.get(code="12"),
        },
    )
    return learner


def _register_online(*, session: Session, people: list[User], now: datetime) -> None:
    for person in people:
        registration_create(session=session, user=person, prerequisites_declared=True, now=now)


def _participants(people: list[User]) -> list[Participant]:
    return [
        Participant(person.first_name, person.last_name, person.email, person.profile.job_title) for person in people
    ]


# Adaptations asked by about one trainee in twenty (needs, never a diagnosis), shown to the session's trainers.
ACCESSIBILITY_NEEDS = [
    "Déplacement en fauteuil roulant : salle de plain-pied et place à table adaptée.",
    "Malentendant : être placé près de l'intervenant, supports écrits des consignes.",
    "Troubles dys : documents en police lisible, un peu plus de temps pour les écrits.",
    "Besoin de pauses courtes et régulières (traitement médical).",
]


def _records_create(*, session: Session, people: list[User], rng: random.Random) -> None:
    """Confirmed trainees as records, the way an import of past years brings them, with their convocation
    recorded as sent when they were confirmed (no PDF or e-mail is made: the flow itself runs on the
    showcase sessions only, which keeps `seed_demo` quick)."""
    opened = timezone.make_aware(datetime.combine(session.first_day - timedelta(days=60), time(9)))
    needs_rng = random.Random(f"needs-{session.code}")  # its own draws: the rest of the demo stays as it was
    rows = []
    for person in people:
        needs = needs_rng.choice(ACCESSIBILITY_NEEDS) if needs_rng.random() < 0.05 else ""
        profile = person.profile
        confirmed_at = opened + timedelta(days=rng.randint(0, 45), minutes=rng.randint(0, 600))
        client = session.client_organisation
        rows.append(
            Registration(
                session=session,
                user=person,
                status=RegistrationStatus.CONFIRMED,
                status_changed_at=confirmed_at,
                confirmed_at=confirmed_at,
                source=RegistrationSource.COORDINATION if client else RegistrationSource.ONLINE,
                organisation=client,
                job_title=profile.job_title,
                structure_name=client.name if client else profile.structure_name,
                structure_type_id=(client.structure_type_id if client else None) or profile.structure_type_id,
                activity_sector_id=profile.activity_sector_id,
                professional_category_id=profile.professional_category_id,
                department_id=(client.department_id if client else None) or profile.department_id,
                accessibility_needs=needs,
                accessibility_consent_at=confirmed_at if needs else None,
            )
        )
    Registration.objects.bulk_create(rows)
    subject = f"Convocation : {session.course.title}"
    RegistrationMessage.objects.bulk_create(
        RegistrationMessage(
            registration=registration,
            kind=MessageKind.CONFIRMED,
            recipient=registration.user.email,
            subject=subject,
            attachments=[f"convocation-{session.code}.ics", f"programme-{session.course.slug}.pdf"],
            sent_at=registration.confirmed_at,
        )
        for registration in rows
    )
    # Written when they were sent, not when the demo was seeded.
    RegistrationMessage.objects.filter(registration__in=rows, kind=MessageKind.CONFIRMED).update(
        created_at=F("sent_at")
    )


def _learner_confirmed_ensure(*, learner: User, today: date) -> None:
    """The demo learner also holds a confirmed seat on an upcoming session, if one has room."""
    if Registration.objects.filter(
        user=learner, status=RegistrationStatus.CONFIRMED, session__status=SessionStatus.OPEN
    ).exists():
        return
    candidates = (
        Session.objects.filter(status=SessionStatus.OPEN)
        .exclude(funding=Funding.INTRA)
        .exclude(registrations__user=learner)
        .with_schedule()
        .with_seats()
        .filter(first_day__gt=today, seats_left__gt=0, course__prerequisite_courses__isnull=True)
        .order_by("first_day")
    )
    session = candidates.first()
    if session is not None:
        registration_create(
            session=session, user=learner, expectations="Découvrir des outils d'animation.", prerequisites_declared=True
        )
