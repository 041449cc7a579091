"""Demo survey history: a year of end-of-training, trainer, client, six-month and positioning surveys.

`demo_surveys_seed()` runs after `training.demo.demo_seed()` in `manage.py seed_demo`, in the
same transaction. It replays, for each session of the demo, what the real schedule
(`services.campaigns.surveys_due_send` and the morning reminders) would have done:

- every held session whose last day is within the past twelve months gets its end-of-training
  survey, its trainer's report and, for an intra session, its client structure's survey, opened
  when its last half-day ended; the six-month survey when that moment has come too;
- the sessions starting within `SURVEY_POSITIONING_DAYS` get their positioning questionnaire.

Campaigns are opened with `campaign_open(now=<the moment>)`, so their addressees, opening and
closing dates are the service's own, and every answer goes through `response_submit(now=...)`
while its campaign is open; a campaign whose closing date has passed is closed afterwards
with `campaign_close`. No clock is frozen (product code never freezes time) and the services
are not called with the real clock then backdated: they take the moment as an argument, so
their own rules (closing date, open or closed when answering) apply to the simulated time.
Only what they stamp with the real clock is then set to the simulated moment, in bulk:
invitations are `sent_at` (and `created_at`) when the campaign opened — or, for a positioning
questionnaire, when the hourly run after the trainee's confirmation invited them; their e-mails
are never sent: the send task, queued when the transaction commits, finds them sent already —
and the reminders of the morning runs are counted where the real schedule would have sent them
(to whoever had not answered by then); responses are `updated_at` when submitted. Nothing
happens after `now`: a drawn answer falling later is simply not given yet, and what the schedule
has not done yet (a six-month survey due later) is left to it.

The demo learner never answers through the seed: the latest held Drapps session they followed
keeps an open end-of-training survey waiting for them (launched by the coordination a couple of
days ago if the automatic one would have closed already), its link printed by the command.

Draws come from a `random.Random` seeded with each session's code, so a session's surveys do
not depend on the others. A held session that has any campaign is left as it is, and the
positioning questionnaires are drawn only by the run that draws the history: a second run, even
on another day, creates and changes nothing (from then on the real schedule sends what is due).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from training.choices import AttendanceStatus, Funding, RegistrationStatus, SessionStatus
from training.demo import SeedReport
from training.demo_registrations import LEARNER_EMAIL
from training.models import Attendance, Registration, Session
from training.services.attendance import slot_bounds

from .choices import CampaignOrigin, CampaignStatus, QuestionnaireKind, QuestionType
from .exceptions import SurveyError
from .models import Campaign, Invitation, Question, Response
from .services.campaigns import campaign_close, campaign_open
from .services.responses import answer_value_clean, response_submit

COORDINATOR_EMAIL = "coordination@demo.formations.test"
LOCAL_URL = "http://127.0.0.1:8000"
HISTORY_MONTHS = 12  # held sessions older than this get no survey history
SCHEDULE_RUN = time(9, 5)  # the hourly schedule's run that opens the six-month and positioning surveys
REMINDER_RUN = time(8, 0)  # the morning reminders (`CELERY_BEAT_SCHEDULE["send-reminders"]`)

# Who answers: about 80 % of the trainees at the end (fewer of those who stopped coming), most
# trainers, most client contacts, about half of the trainees six months later (more of those who
# were unhappy at the end: they have something to say), a few trainees before the first day.
HOT_RATE, HOT_AWAY_RATE = 0.82, 0.4
TRAINER_RATE = 0.85
CLIENT_RATE = 0.75
COLD_RATE, COLD_UNHAPPY_RATE = 0.48, 0.8
POSITIONING_RATE = 0.35
# Each session has its own climate: the share of satisfied trainees is drawn per session (about 90 %).
SATISFIED_RANGE = (0.84, 0.97)

# Free comments, per course (by the short name in the session code) and generic.
# fmt: off
HOT_COMMENTS = {
    "CPS": (
        "Le cartable des compétences psychosociales et les fiches d'activités sont une mine : je repars avec de quoi animer plusieurs séances.",
        "Enfin une définition claire des CPS et du référentiel de Santé publique France, je comprends mieux ce que l'on attend de nous.",
        "Les activités expérientielles (photolangage, jeu des émotions) ont rendu les notions très concrètes.",
        "J'ai apprécié de construire une séance en sous-groupe et de la tester avec les autres stagiaires.",
        "Je vais pouvoir intégrer les CPS dans les ateliers que j'anime déjà au lieu d'en faire un projet à part.",
    ),
    "CPSFA": (
        "Le travail sur le projet de notre structure entre les journées est exactement ce qu'il nous fallait.",
        "Former toute l'équipe en même temps change tout : nous avons un langage commun sur les CPS.",
    ),
    "PSSM": (
        "Le plan d'action est simple à retenir, je me sens plus légitime pour aller vers une personne en crise.",
        "Les mises en situation sur le risque suicidaire étaient intenses mais très bien encadrées.",
        "Le manuel remis est clair, je l'ai déjà montré à mes collègues.",
    ),
    "VIF": (
        "Les apports juridiques sur l'ordonnance de protection m'étaient inconnus : très utile pour orienter les victimes.",
        "Le travail sur le repérage et le questionnement systématique va changer ma façon de recevoir les personnes.",
        "Intervenantes passionnantes, le témoignage du deuxième jour m'a beaucoup marquée.",
    ),
    "SEPE": (
        "Des conseils très concrets sur l'air intérieur et les produits ménagers, faciles à transmettre aux familles.",
        "Une formation qui donne envie d'agir sans culpabiliser les parents, bravo.",
    ),
    "EPS": (
        "La méthodologie de projet est enfin claire : l'arbre à problèmes nous a débloqués pour notre diagnostic.",
        "Les exemples de fiches projet et de grilles d'évaluation vont me servir pour le prochain appel à projets.",
    ),
    "ECR": (
        "Bon équilibre entre connaissances sur les usages numériques des ados et posture éducative, sans diaboliser les écrans.",
        "Les outils pour animer des échanges avec les parents sur les réseaux sociaux sont très pratiques.",
    ),
    "ISS": (
        "Le jeu sur les déterminants de santé a fait réagir tout le groupe, je vais le reprendre en équipe.",
        "L'universalisme proportionné reste un peu abstrait, mais les exemples de projets locaux aident beaucoup.",
    ),
    "": (
        "Très bonne dynamique de groupe, des échanges riches entre professionnels de structures différentes.",
        "Formatrice à l'écoute, qui a su adapter le contenu à nos pratiques de terrain.",
        "Alternance entre apports et mises en situation bien dosée, on ne voit pas le temps passer.",
        "Merci pour l'accueil et la qualité des supports remis.",
        "Les jeux de rôle m'ont d'abord fait peur, ce sont pourtant eux qui m'ont le plus appris.",
        "J'aurais aimé une demi-journée de plus pour approfondir les études de cas.",
        "Rencontrer d'autres professionnels du département a été aussi utile que le contenu.",
        "Groupe hétérogène, mais l'animation a su en faire une richesse.",
        "Cadre bienveillant qui permet de parler de ses difficultés de terrain sans être jugé.",
        "Bon rythme, pauses bien placées, salle agréable.",
    ),
}
# The few trainees who were not satisfied said why (each note goes with the answers it explains).
COLD_ROOM = "Salle trop froide le deuxième jour : le chauffage ne marchait pas, difficile de rester concentrée l'après-midi."
TOO_THEORETICAL = "Trop de théorie à mon goût, j'attendais davantage d'outils à utiliser directement avec mon public."
TOO_DENSE = "La deuxième journée était trop dense : on a survolé les derniers points du programme, dommage."
TOO_BASIC = "Contenu intéressant mais déjà connu pour moi : le niveau était trop introductif par rapport à mon expérience."

COLD_COMMENTS = {
    "CPS": (
        "J'ai animé un premier cycle d'ateliers CPS avec une classe de 5e, les élèves ont adoré le jeu des émotions.",
        "Nous avons intégré un temps sur les émotions dans chaque accueil du mercredi.",
    ),
    "PSSM": ("La formation m'a donné confiance pour aborder la santé mentale avec les jeunes que j'accompagne.",),
    "VIF": ("Nous avons ajouté une question systématique sur les violences dans nos entretiens d'accueil.",),
    "EPS": ("Les acquis m'ont servi à monter le projet que nous avons déposé auprès de l'ARS.",),
    "": (
        "J'ai partagé les ressources avec mes collègues, qui souhaitent s'inscrire à leur tour.",
        "Un temps d'échange de pratiques entre anciens stagiaires m'aiderait à aller plus loin.",
        "J'utilise surtout les outils d'animation, ponctuellement, faute de temps pour un vrai projet.",
    ),
}
COLD_NOT_PRACTISED = (
    "Ma structure n'a pas dégagé de temps pour porter le projet, c'est frustrant.",
    "J'ai changé de poste peu après la formation, je n'ai pas encore eu l'occasion de m'en servir.",
    "Sans collègue formé avec moi, difficile de lancer quelque chose seule.",
)
BRAKES_PRACTISED = ("Manque de temps", "Besoin d'approfondir", "Manque de moyens")
BRAKES_NOT_PRACTISED = ("Manque de temps", "Pas d'occasion dans mon poste", "Changement de poste", "Manque de moyens")

TRAINER_INCIDENTS = (
    "Deux stagiaires arrivés en retard le premier matin (train supprimé), intégrés sans difficulté.",
    "Vidéoprojecteur en panne la première heure : démarrage sur paperboard.",
    "Une stagiaire a dû partir en milieu d'après-midi le deuxième jour (urgence familiale) ; elle a été prévenue des contenus manqués.",
    "Salle froide le deuxième jour, le gestionnaire a relancé le chauffage en fin de matinée.",
    "Aucun incident.",
)
TRAINER_IMPROVEMENTS = (
    "Prévoir un temps d'interconnaissance plus long : le groupe venait de secteurs très différents.",
    "Alléger la deuxième journée en proposant la partie théorique sur l'évaluation en lecture préalable.",
    "Envoyer les supports en amont aux personnes qui en font la demande.",
    "Groupe très investi, format à garder tel quel.",
    "Demander au lieu une salle plus grande pour les travaux en sous-groupes.",
)
TRAINER_PREREQUISITES = "Rappeler les prérequis dans la convocation : deux personnes n'avaient pas suivi le niveau 1."

CLIENT_COMMENTS = (
    "Formation très adaptée à nos équipes, les professionnels en parlent encore.",
    "Échanges fluides avec la coordination pour caler les dates et le contenu.",
    "Nous souhaitons programmer une deuxième session l'an prochain pour les nouveaux arrivants.",
    "Contenu pertinent ; le délai entre notre demande et la session a été un peu long.",
)

POSITIONING_EXPECTATIONS = (
    "Avoir des outils concrets pour animer des ateliers avec des adolescents.",
    "Mieux comprendre les compétences psychosociales pour les intégrer à notre projet d'établissement.",
    "Savoir comment réagir face à une personne en détresse.",
    "Échanger avec d'autres professionnels du territoire.",
    "Gagner en aisance pour animer un groupe.",
    "Construire une démarche de projet solide avant notre prochaine demande de financement.",
)
# fmt: on

# One answer per question, drawn from the campaign's random source (the values `response_submit` takes).
Values = dict[str, object]


def demo_surveys_seed(*, today: date, now: datetime | None = None, report: SeedReport | None = None) -> SeedReport:
    """Create the demo survey history that is missing (see the module docstring); run it in a transaction."""
    now = now or timezone.now()
    report = report or SeedReport()
    before = _counts()
    held = list(
        Session.objects.filter(status=SessionStatus.DONE)
        .with_schedule()
        .filter(last_day__lt=today, last_day__gte=today - relativedelta(months=HISTORY_MONTHS))
        .filter(~Exists(Campaign.objects.filter(session=OuterRef("pk"))))
        .select_related("course", "client_organisation")
        .prefetch_related("slots")
        .order_by("last_day", "code")
    )
    if held:
        _client_contacts_ensure(sessions=held)
        learner_session_id = _learner_session_id()
        coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first()
        for session in held:
            _session_history_draw(
                session=session,
                today=today,
                now=now,
                learner_waits=session.pk == learner_session_id,
                coordinator=coordinator,
            )
        _positioning_draw(today=today, now=now)
    after = _counts()
    for label, count_before in before.items():
        report.counts[label] = [after[label] - count_before, count_before]
    return report


def learner_invitations_pending(*, now: datetime | None = None) -> list[Invitation]:
    """The demo learner's invitations still waiting for their answer, latest first."""
    return list(
        Invitation.objects.filter(
            email__iexact=LEARNER_EMAIL,
            answered_at__isnull=True,
            campaign__status=CampaignStatus.OPEN,
            campaign__closes_at__gt=now or timezone.now(),
        )
        .select_related("campaign__questionnaire", "campaign__session")
        .order_by("-campaign__opened_at", "-pk")
    )


def local_answer_url(invitation: Invitation) -> str:
    """The answer link on the local development server (what the command prints)."""
    return LOCAL_URL + reverse("evaluations:answer", args=[invitation.token])


def _counts() -> dict[str, int]:
    return {
        "Campagnes d'enquête": Campaign.objects.count(),
        "Invitations aux enquêtes": Invitation.objects.count(),
        "Réponses aux enquêtes": Response.objects.count(),
    }


def _client_contacts_ensure(*, sessions: list[Session]) -> None:
    """The client structures of the demo's intra sessions have a contact e-mail (the client survey goes
    there); one is given to those that have none."""
    addresses: dict[int, str] = {}
    for session in sessions:
        organisation = session.client_organisation
        if organisation is None or organisation.contact_email:
            continue
        if organisation.pk not in addresses:
            addresses[organisation.pk] = _contact_address(organisation.name)
            organisation.contact_email = addresses[organisation.pk]
            organisation.save(update_fields=["contact_email", "updated_at"])
        organisation.contact_email = addresses[organisation.pk]  # each session holds its own copy


def _contact_address(name: str) -> str:
    """contact.centre-social-arcades@demo.formations.test for « Centre social Les Arcades »."""
    words = slugify(name.replace("œ", "oe").replace("Œ", "Oe")).split("-")
    significant = [word for word in words if word not in {"de", "du", "des", "d", "la", "le", "les", "l", "et"}]
    return f"contact.{'-'.join(significant)[:50].strip('-')}@demo.formations.test"


def _learner_session_id() -> int | None:
    """The latest held session the demo learner followed (confirmed): their survey stays open."""
    return (
        Registration.objects.filter(
            user__email=LEARNER_EMAIL, status=RegistrationStatus.CONFIRMED, session__status=SessionStatus.DONE
        )
        .annotate(last_day=Max("session__slots__date"))
        .order_by("-last_day")
        .values_list("session_id", flat=True)
        .first()
    )


# One session's history
# ------------------------------------------------------------------------------


def _session_history_draw(
    *, session: Session, today: date, now: datetime, learner_waits: bool, coordinator: User | None
) -> None:
    rng = random.Random(f"surveys-{session.code}")
    short = _course_short(session)
    slots = sorted(session.slots.all(), key=lambda slot: (slot.date, slot.ends_at))
    ended_at = slot_bounds(slots[-1])[1]
    open_for = timedelta(days=settings.SURVEY_OPEN_DAYS)

    hot_opened_at, origin, by = ended_at, CampaignOrigin.AUTOMATIC, None
    if learner_waits and ended_at + open_for <= now + timedelta(days=7):
        # The automatic survey would be closed (or about to) by now: the coordination launched it by hand lately.
        hot_opened_at = _at(today - timedelta(days=2), time(10, 15))
        origin, by = CampaignOrigin.MANUAL, coordinator
    satisfied_share = rng.uniform(*SATISFIED_RANGE)
    # Those who were there at the end answer in the room; the others (absent, stopped coming) less often.
    at_the_end = set(
        Attendance.objects.filter(
            slot=slots[-1], status__in=(AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL)
        ).values_list("registration_id", flat=True)
    )

    def hot_answer(invitation: Invitation, sent_at: datetime) -> tuple[datetime, Values] | None:
        there = invitation.registration_id in at_the_end or origin == CampaignOrigin.MANUAL
        answers = rng.random() < (HOT_RATE if there else HOT_AWAY_RATE)
        when = _hot_moment(rng, sent_at, in_the_room=there and origin == CampaignOrigin.AUTOMATIC)
        values = _hot_values(rng, short=short, session=session, satisfied_share=satisfied_share)
        return (when, values) if answers else None

    hot = _campaign_draw(
        kind=QuestionnaireKind.HOT,
        session=session,
        opened_at=hot_opened_at,
        now=now,
        rng=rng,
        answer=hot_answer,
        origin=origin,
        by=by,
    )
    _campaign_draw(
        kind=QuestionnaireKind.TRAINER,
        session=session,
        opened_at=ended_at,
        now=now,
        rng=rng,
        answer=lambda invitation, sent_at: _trainer_answer(rng, sent_at=sent_at, short=short),
    )
    if session.funding == Funding.INTRA:
        _campaign_draw(
            kind=QuestionnaireKind.CLIENT,
            session=session,
            opened_at=ended_at,
            now=now,
            rng=rng,
            answer=lambda invitation, sent_at: _client_answer(rng, sent_at=sent_at),
        )
    cold_day = session.last_day + relativedelta(months=settings.SURVEY_COLD_MONTHS)
    if cold_day > today:
        return
    # Who was unhappy at the end (expectations 1 or 2): the before/after comparison shows what became of them.
    unhappy = {invitation.registration_id for invitation, values in hot if values.get("attentes") in (1, 2)}

    def cold_answer(invitation: Invitation, sent_at: datetime) -> tuple[datetime, Values] | None:
        was_unhappy = invitation.registration_id in unhappy
        answers = rng.random() < (COLD_UNHAPPY_RATE if was_unhappy else COLD_RATE)
        when = _cold_moment(rng, sent_at)
        values = _cold_values(rng, short=short, unhappy=was_unhappy)
        return (when, values) if answers else None

    _campaign_draw(
        kind=QuestionnaireKind.COLD,
        session=session,
        opened_at=_at(cold_day, SCHEDULE_RUN),
        now=now,
        rng=rng,
        answer=cold_answer,
    )


def _positioning_draw(*, today: date, now: datetime) -> None:
    """The positioning questionnaire of the sessions starting soon, opened `SURVEY_POSITIONING_DAYS`
    before their first day (when that moment has passed), with a few answers already."""
    days = settings.SURVEY_POSITIONING_DAYS
    upcoming = (
        Session.objects.filter(status__in=(SessionStatus.OPEN, SessionStatus.CLOSED))
        .with_schedule()
        .filter(first_day__gt=today, first_day__lte=today + timedelta(days=days))
        .filter(~Exists(Campaign.objects.filter(session=OuterRef("pk"))))
        .order_by("first_day", "code")
    )
    for session in upcoming:
        rng = random.Random(f"positioning-{session.code}")
        known = rng.random() < 0.2  # some courses are half familiar to the people registered

        def positioning_answer(invitation: Invitation, sent_at: datetime, rng=rng, known=known):
            answers = rng.random() < POSITIONING_RATE
            when = _positioning_moment(rng, sent_at)
            values = _positioning_values(rng, known=known)
            return (when, values) if answers else None

        _campaign_draw(
            kind=QuestionnaireKind.POSITIONING,
            session=session,
            opened_at=_at(session.first_day - timedelta(days=days), SCHEDULE_RUN),
            now=now,
            rng=rng,
            answer=positioning_answer,
            sent_after_confirmation=True,
        )


# One campaign
# ------------------------------------------------------------------------------


def _campaign_draw(
    *,
    kind: str,
    session: Session,
    opened_at: datetime,
    now: datetime,
    rng: random.Random,
    answer: Callable[[Invitation, datetime], tuple[datetime, Values] | None],
    origin: str = CampaignOrigin.AUTOMATIC,
    by: User | None = None,
    sent_after_confirmation: bool = False,
) -> list[tuple[Invitation, Values]]:
    """Open the campaign at `opened_at`, answer it as `answer` draws (until `now`), count the reminders
    the morning runs sent, and close it if its date has passed. Returns the answers given."""
    if opened_at >= now:
        return []  # the schedule has not sent it yet
    try:
        campaign = campaign_open(kind=kind, session=session, origin=origin, by=by, now=opened_at)
    except SurveyError:  # no questionnaire of this kind in use
        return []
    invitations = list(campaign.invitations.select_related("registration").order_by("pk"))
    for invitation in invitations:
        invitation.sent_at = opened_at
        if sent_after_confirmation and invitation.registration and invitation.registration.confirmed_at:
            # Confirmed after the opening: invited by the next hourly run (now, for those the seed just confirmed).
            invitation.sent_at = min(max(opened_at, _next_hourly_run(invitation.registration.confirmed_at)), now)
    _stamp(invitations, lambda invitation: {"sent_at": invitation.sent_at, "created_at": invitation.sent_at})

    questions = list(campaign.questionnaire.questions.all())
    deadline = min(now, campaign.closes_at)
    given = []
    for invitation in invitations:
        drawn = answer(invitation, invitation.sent_at)
        if drawn is None or invitation.email.lower() == LEARNER_EMAIL:
            continue  # the demo learner answers by themselves
        when, values = drawn
        if when >= deadline:
            continue  # not answered (yet)
        values = _valid(rng, questions, values)
        response_submit(token=invitation.token, values=values, now=when)
        invitation.answered_at = when
        given.append((invitation, values))

    reminded = []
    for invitation in invitations:
        until = min(deadline, invitation.answered_at or deadline)
        runs = [run for run in _reminder_runs(invitation.sent_at) if run < until]
        if runs:
            invitation.reminders_sent, invitation.last_reminded_at = len(runs), runs[-1]
            reminded.append(invitation)
    _stamp(
        reminded,
        lambda invitation: {
            "reminders_sent": invitation.reminders_sent,
            "last_reminded_at": invitation.last_reminded_at,
        },
    )
    Response.objects.filter(campaign=campaign).update(updated_at=F("submitted_at"))
    if campaign.closes_at <= now:
        campaign_close(campaign=campaign)
    return given


def _stamp(invitations: list[Invitation], fields: Callable[[Invitation], dict]) -> None:
    """Save these fields of the invitations: one UPDATE per distinct set of values (most share theirs)."""
    groups: dict[tuple, list[int]] = {}
    for invitation in invitations:
        groups.setdefault(tuple(fields(invitation).items()), []).append(invitation.pk)
    for values, pks in groups.items():
        Invitation.objects.filter(pk__in=pks).update(**dict(values))


def _valid(rng: random.Random, questions: list[Question], values: Values) -> Values:
    """The drawn values the questionnaire accepts, and a plausible answer to any required question
    the coordination added or changed since the standard questionnaires."""
    valid = {}
    for question in questions:
        raw = values.get(question.key)
        try:
            if answer_value_clean(question, raw) is not None:
                valid[question.key] = raw
                continue
        except SurveyError:
            pass
        if not question.required:
            continue
        if question.type == QuestionType.SCALE:
            valid[question.key] = rng.choice((3, 4))
        elif question.type == QuestionType.SCORE:
            valid[question.key] = rng.randint(7, 10)
        elif question.type == QuestionType.YES_NO:
            valid[question.key] = "oui"
        elif question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE) and question.option_list:
            valid[question.key] = question.option_list[0]
        else:
            valid[question.key] = "RAS"
    return valid


# What people answer
# ------------------------------------------------------------------------------


def _hot_values(rng: random.Random, *, short: str, session: Session, satisfied_share: float) -> Values:
    """About nine in ten satisfied (3 or 4) with their expectations, objectives a little less often."""
    satisfied = rng.random() < satisfied_share
    if satisfied:
        expectations = 4 if rng.random() < 0.58 else 3
        objectives = (4 if expectations == 4 and rng.random() < 0.7 else 3) if rng.random() < 0.93 else 2
    else:
        expectations = 2 if rng.random() < 0.8 else 1
        objectives = 3 if rng.random() < 0.35 else expectations
    teaching = _near(rng, expectations) if rng.random() < 0.92 else None
    organisation = rng.choice((3, 4, 4)) if rng.random() < 0.9 else None
    comment = ""
    if not satisfied or (expectations == 3 and rng.random() < 0.08):
        if rng.random() < 0.6:
            comment = rng.choice(_complaints(session))
            if comment == COLD_ROOM:
                organisation = 2
            elif comment == TOO_THEORETICAL:
                teaching = 2
    elif rng.random() < 0.22:
        comment = rng.choice(_pool(HOT_COMMENTS, short))
    score = None
    if rng.random() < 0.35:
        low, high = {4: (8, 10), 3: (6, 9), 2: (3, 7), 1: (0, 4)}[expectations]
        score = rng.randint(low, high)
    return {
        "attentes": expectations,
        "objectifs": objectives,
        "animation": teaching,
        "organisation": organisation,
        "recommandation": score,
        "commentaire": comment,
    }


def _complaints(session: Session) -> tuple[str, ...]:
    """What could have gone wrong in this session: a cold room in winter, a dense second day…"""
    complaints = [TOO_THEORETICAL, TOO_BASIC]
    if len({slot.date for slot in session.slots.all()}) > 1:
        complaints.append(TOO_DENSE)
    if session.last_day.month in (11, 12, 1, 2, 3):
        complaints.append(COLD_ROOM)
    return tuple(complaints)


def _cold_values(rng: random.Random, *, short: str, unhappy: bool) -> Values:
    """About 97 % say the training met their needs, 85 % put it into practice (fewer of the unhappy ones)."""
    needs = rng.random() < (0.85 if unhappy else 0.995)
    practised = rng.random() < (0.3 if unhappy else 0.93)
    brakes: list[str] = []
    if not practised:
        brakes = rng.sample(BRAKES_NOT_PRACTISED, k=rng.choice((1, 1, 2)))
    elif rng.random() < 0.35:
        brakes = [rng.choice(BRAKES_PRACTISED)]
    comment = ""
    if rng.random() < (0.55 if not practised else 0.25):
        comment = rng.choice(COLD_NOT_PRACTISED if not practised else _pool(COLD_COMMENTS, short))
    return {
        "besoins": "oui" if needs else "non",
        "mise_en_pratique": "oui" if practised else "non",
        "freins": brakes or None,
        "commentaire": comment,
    }


def _trainer_answer(rng: random.Random, *, sent_at: datetime, short: str) -> tuple[datetime, Values] | None:
    answers = rng.random() < TRAINER_RATE
    when = _moment(rng, after=sent_at, days=(0, 6))
    group = 4 if rng.random() < 0.45 else 3 if rng.random() < 0.85 else 2
    improvement = rng.choice(TRAINER_IMPROVEMENTS) if rng.random() < 0.5 else ""
    if group == 2 and short in ("CPS2S", "CPS2A"):
        improvement = TRAINER_PREREQUISITES
    values = {
        "groupe": group,
        "deroulement": 4 if rng.random() < 0.6 else 3,
        "incidents": rng.choice(TRAINER_INCIDENTS) if rng.random() < 0.4 else "",
        "ameliorations": improvement,
    }
    return (when, values) if answers else None


def _client_answer(rng: random.Random, *, sent_at: datetime) -> tuple[datetime, Values] | None:
    answers = rng.random() < CLIENT_RATE
    when = _moment(rng, after=sent_at, days=(1, 12), hours=(9, 18))
    values = {
        "adequation": 4 if rng.random() < 0.65 else 3,
        "organisation": 4 if rng.random() < 0.55 else 3,
        "commentaire": rng.choice(CLIENT_COMMENTS) if rng.random() < 0.6 else "",
    }
    return (when, values) if answers else None


def _positioning_values(rng: random.Random, *, known: bool) -> Values:
    trained = rng.random() < (0.5 if known else 0.2)
    level = rng.choice((2, 3, 3) if trained else (1, 2, 2, 2, 3))
    return {
        "niveau": level,
        "deja_forme": "oui" if trained else "non",
        "attentes_formation": rng.choice(POSITIONING_EXPECTATIONS) if rng.random() < 0.5 else "",
    }


def _near(rng: random.Random, value: int) -> int:
    return min(4, max(1, value + rng.choice((-1, 0, 0, 0, 1))))


def _pool(comments: dict[str, tuple[str, ...]], short: str) -> tuple[str, ...]:
    """The comments about this course (the CPS ones for every CPS course) and the generic ones."""
    specific = comments.get(short, ()) + (comments.get("CPS", ()) if short.startswith("CPS") else ())
    return specific + comments[""]


def _course_short(session: Session) -> str:
    """CPS1 for 2026-CPS1-31-02: the course's short name in a demo session code."""
    parts = session.code.split("-")
    return parts[1] if len(parts) > 2 else ""


# When
# ------------------------------------------------------------------------------


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=_tz())


def _moment(rng: random.Random, *, after: datetime, days: tuple[int, int], hours=(8, 21)) -> datetime:
    """A moment of the waking hours, `days` days after `after` (later than it)."""
    day = after.astimezone(_tz()).date() + timedelta(days=rng.randint(*days))
    moment = _at(day, time(rng.randint(hours[0], hours[1] - 1), rng.randint(0, 59)))
    return moment if moment > after else after + timedelta(minutes=rng.randint(20, 180))


def _hot_moment(rng: random.Random, sent_at: datetime, *, in_the_room: bool) -> datetime:
    """More than half answer in the room at the end (on their phone), the others within three days."""
    if rng.random() < 0.6 and in_the_room:
        return sent_at + timedelta(minutes=rng.randint(2, 35))
    return min(_moment(rng, after=sent_at, days=(0, 3)), sent_at + timedelta(days=3))


def _positioning_moment(rng: random.Random, sent_at: datetime) -> datetime:
    """Before the training, those who answer do it soon after the e-mail."""
    if rng.random() < 0.5:
        return sent_at + timedelta(minutes=rng.randint(10, 240))
    return _moment(rng, after=sent_at, days=(0, 4))


def _cold_moment(rng: random.Random, opened_at: datetime) -> datetime:
    """Six months later people take their time: some at once, others after a reminder or two."""
    reminders = list(_reminder_runs(opened_at))
    draw = rng.random()
    if draw < 0.45 or not reminders:
        return _moment(rng, after=opened_at, days=(0, 2))
    after = reminders[0] if draw < 0.8 or len(reminders) < 2 else reminders[1]
    return after + timedelta(minutes=rng.randint(10, 60 * 24 * 2))


def _reminder_runs(sent_at: datetime) -> Iterator[datetime]:
    """The morning runs that send the reminders of an invitation sent at `sent_at`."""
    for delay in settings.SURVEY_REMINDER_DAYS:
        due = sent_at + timedelta(days=delay)
        run = _at(due.astimezone(_tz()).date(), REMINDER_RUN)
        yield run if run >= due else run + timedelta(days=1)


def _next_hourly_run(moment: datetime) -> datetime:
    local = moment.astimezone(_tz())
    run = local.replace(minute=5, second=0, microsecond=0)
    return run if run >= local else run + timedelta(hours=1)
