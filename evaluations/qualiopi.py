"""The Qualiopi self-assessment: for each indicator of the Référentiel national qualité that applies
to the organisation, what the system holds as evidence over a period, what is missing, and where
to fix it.

`indicator_statuses(date_from=…, date_to=…)` returns one `IndicatorStatus` per indicator, in
order. An indicator the quality référent marked as not applicable (`QualiopiIndicator.applicable`)
is not checked: its status is `not_applicable` ("sans objet"). An applicable indicator with a
check below gets one of:

- `complete`: the system holds the evidence it can hold, and nothing is missing;
- `partial`: some evidence is there, some is missing (its gaps say what, how many, where to fix);
- `missing`: the evidence the system should hold is absent altogether.

An applicable indicator the system cannot evidence at all (alternance, the CFA indicators…) is
`manual`: a person supplies its evidence (`IndicatorStatus.manual`). A gap marked `warning` is
worth watching (a qualification about to expire…) but does not lower the status.

The period: the sessions that took place during it (at least one half-day between `date_from`
and `date_to`), the registers' entries of the period, and the state as of the end of the period
(or today, when the period runs past it): a complaint open for more than 30 days, a qualification
expired, a watch silent for six months. Sessions imported from the historical workbook are left
out of the checks on convocations, attendance, surveys and documents: their evidence predates
the system.

All checks read one shared `QualiopiData`, whose properties each load one table once (a query
or two), whatever the number of sessions, registrations or records: the whole self-assessment
costs a fixed, small number of queries. The evidence pack reuses the same definitions.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from wagtail.admin.viewsets.model import ModelViewSet

from cms.choices import Modality
from cms.models import CatalogueIndexPage, CoursePage, OrganisationSettings
from training.choices import (
    ATTENDED_STATUSES,
    AttendanceStatus,
    DocumentKind,
    Funding,
    MessageKind,
    RegistrationStatus,
    SessionStatus,
    SheetStatus,
)
from training.models import Attendance, Document, Registration, RegistrationMessage, Session, Slot, Trainer, Venue

from .choices import Indicator, QuestionnaireKind
from .dashboard import format_percent
from .exceptions import SurveyError
from .indicators import PUBLICATION_MIN_RESPONDENTS, results_published
from .models import (
    AccessibilityAdaptation,
    ActionStatus,
    Campaign,
    Complaint,
    ComplaintStatus,
    DisabilityPartner,
    ImprovementAction,
    NeedsAnalysis,
    QualiopiIndicator,
    Question,
    Questionnaire,
    StaffTraining,
    StaffTrainingKind,
    Subcontractor,
    TrainerQualification,
    WatchEntry,
    WatchKind,
)

# A complaint still open after this many days is late (the usual commitment: an answer within a month).
COMPLAINT_OPEN_DAYS = 30
# A watch with no entry for this long is not kept up.
WATCH_STALE_MONTHS = 6
# A qualification expiring within this many days is flagged (a warning) so it is renewed in time.
QUALIFICATION_EXPIRY_NOTICE_DAYS = 60
# A subcontractor is checked at least this often.
SUBCONTRACTOR_REVIEW_MONTHS = 12
# Professional reviews (entretiens professionnels) take place every two years.
PROFESSIONAL_REVIEW_YEARS = 2
# How many records a gap lists by name (the link of the gap leads to the others).
ITEM_LIMIT = 10


class Status(models.TextChoices):
    COMPLETE = "complete", gettext_lazy("Complete")
    PARTIAL = "partial", gettext_lazy("Partial")
    MISSING = "missing", gettext_lazy("Missing")
    MANUAL = "manual", gettext_lazy("To check by hand")
    NOT_APPLICABLE = "not_applicable", gettext_lazy("Not applicable")


# The statuses of the indicators that apply, most urgent first.
STATUS_ORDER = (Status.MISSING, Status.PARTIAL, Status.MANUAL, Status.COMPLETE)
# The order the summary counts them in.
SUMMARY_ORDER = (Status.COMPLETE, Status.PARTIAL, Status.MISSING, Status.MANUAL)

CRITERIA = {
    1: gettext_lazy("Information of the public about the services, access times and results"),
    2: gettext_lazy("Precise objectives of the services and their adaptation when designed"),
    3: gettext_lazy("Adaptation of the reception, support, follow-up and assessment to the trainees"),
    4: gettext_lazy("Suitability of the teaching, technical and supervisory resources"),
    5: gettext_lazy("Qualification and skills development of the staff"),
    6: gettext_lazy("Involvement in the professional environment"),
    7: gettext_lazy("Collection and use of the stakeholders' appraisals and complaints"),
}


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Gap:
    """Something missing: a machine `code`, a French sentence with its `count`, where to fix it
    (`url`), and the first records concerned (`items`, `more` left out)."""

    code: str
    text: str
    count: int
    url: str = ""
    items: tuple[Link, ...] = ()
    more: int = 0
    warning: bool = False


@dataclass(frozen=True)
class IndicatorStatus:
    number: int
    title: str
    criterion: int
    major: bool
    applicable: bool
    status: str
    gaps: list[Gap]
    automatic: str  # the evidence the system collects (reference text of the indicator)
    manual: str  # the evidence a person supplies
    facts: list[str] = field(default_factory=list)  # what the system found over the period
    applicability_note: str = ""

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def blocking_gaps(self) -> list[Gap]:
        return [gap for gap in self.gaps if not gap.warning]


@dataclass(frozen=True)
class Summary:
    applicable: int
    counts: dict[str, int]  # status → number of applicable indicators
    not_applicable: int
    priorities: list[IndicatorStatus]  # applicable, not complete: major ones first, then the most urgent


def summary_build(statuses: list[IndicatorStatus]) -> Summary:
    applicable = [status for status in statuses if status.applicable]
    counts = Counter(status.status for status in applicable)
    priorities = sorted(
        (status for status in applicable if status.status in (Status.MISSING, Status.PARTIAL)),
        key=lambda status: (not status.major, STATUS_ORDER.index(status.status), status.number),
    )
    return Summary(
        applicable=len(applicable),
        counts={status: counts.get(status, 0) for status in SUMMARY_ORDER},
        not_applicable=len(statuses) - len(applicable),
        priorities=priorities,
    )


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, today included."""
    return today - relativedelta(years=1) + datetime.timedelta(days=1), today


# Admin URLs
# ------------------------------------------------------------------------------


def _with_query(url: str, query: dict) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if url and query else url


class AdminUrls:
    """The back-office URLs the gaps link to. A register's pages are found through the viewset that
    manages its model, so a link stays right whatever that viewset's namespace; "" when none."""

    def __init__(self):
        get_resolver().url_patterns  # noqa: B018  (loading the URLconf registers the admin's viewsets)
        from wagtail.admin.viewsets import viewsets

        self._viewsets: dict[type, ModelViewSet] = {}
        for viewset in viewsets.viewsets:
            model = getattr(viewset, "model", None)
            if isinstance(viewset, ModelViewSet) and isinstance(model, type):
                self._viewsets.setdefault(model, viewset)

    def named(self, name: str, *args, **query) -> str:
        try:
            return _with_query(reverse(name, args=args), query)
        except NoReverseMatch:
            return ""

    def model(self, model: type, view: str = "index", *args, **query) -> str:
        viewset = self._viewsets.get(model)
        return self.named(viewset.get_url_name(view), *args, **query) if viewset is not None else ""

    def edit(self, instance_or_model, pk=None) -> str:
        model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
        return self.model(model, "edit", pk if pk is not None else instance_or_model.pk)

    def settings(self) -> str:
        return self.named("wagtailsettings:edit", "cms", "organisationsettings")

    def page_edit(self, page_id: int) -> str:
        return self.named("wagtailadmin_pages:edit", page_id)


# The data the checks read
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationRow:
    """A confirmed registration of a session of the period, as the checks need it (no health data:
    only whether a need was declared)."""

    pk: int
    session_id: int
    hours: Decimal
    has_expectations: bool
    prerequisites_confirmed: bool
    convened: bool
    has_certificate: bool
    has_attestation: bool
    declared_need: bool
    adapted: bool
    stopped_coming: bool  # came, then missed the latest validated half-day without excuse: to follow up
    abandoned: bool

    @property
    def trained(self) -> bool:
        return self.hours > 0


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class QualiopiData:
    """Everything the checks read, each table loaded once, when a check first needs it."""

    def __init__(self, *, date_from: datetime.date, date_to: datetime.date, today: datetime.date):
        self.date_from = date_from
        self.date_to = date_to
        self.today = today
        # The state is judged at the end of the period, or today when the period runs past it.
        self.as_of = min(date_to, today)
        self.start = _aware(date_from)
        self.end = _aware(date_to + datetime.timedelta(days=1))
        # The moment the state is judged at, to the second: now, or the end of the period when it is over.
        self.now = min(timezone.now(), self.end)

    @cached_property
    def urls(self) -> AdminUrls:
        return AdminUrls()

    @cached_property
    def organisation(self) -> OrganisationSettings:
        return OrganisationSettings.load()

    # Courses

    @cached_property
    def courses(self) -> list[CoursePage]:
        """The course sheets published in the catalogue, with their number of operational objectives."""
        return list(CoursePage.objects.live().annotate(objective_count=Count("objectives")).order_by("title"))

    @cached_property
    def catalogue_url(self) -> str:
        catalogue_id = CatalogueIndexPage.objects.values_list("pk", flat=True).first()
        return self.urls.named("wagtailadmin_explore", catalogue_id) if catalogue_id else ""

    def course_links(self, courses: list[CoursePage]) -> list[Link]:
        return [Link(course.title, self.urls.page_edit(course.pk)) for course in courses]

    # Sessions

    @cached_property
    def _sessions(self):
        """Sessions that take place (not drafts, not cancelled, not imported) with a half-day in the period."""
        return (
            Session.objects.exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
            .filter(imported_at__isnull=True)
            .with_schedule()
            .filter(first_day__lte=self.date_to, last_day__gte=self.date_from)
        )

    @cached_property
    def sessions(self) -> list[Session]:
        trainers = (
            Session.trainers.through.objects.filter(session_id=OuterRef("pk"))
            .values("session_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        prerequisite_courses = CoursePage.prerequisite_courses.through.objects.filter(
            from_coursepage_id=OuterRef("course_id")
        )
        return list(
            self._sessions.select_related("venue")
            .annotate(
                course_title=F("course__title"),
                trainer_count=Coalesce(Subquery(trainers), Value(0)),
                course_has_prerequisites=ExpressionWrapper(
                    ~Q(course__prerequisites="") | Exists(prerequisite_courses), output_field=BooleanField()
                ),
            )
            .order_by("first_day", "code")
        )

    def started(self, session: Session) -> bool:
        return session.first_day <= self.today

    def ended(self, session: Session) -> bool:
        return session.last_day < self.today

    @cached_property
    def registrations(self) -> list[RegistrationRow]:
        """The confirmed registrations of the period's sessions (one query)."""
        documents = Document.objects.current()
        adaptations = AccessibilityAdaptation.objects.filter(
            Q(registration=OuterRef("pk")) | Q(registration__isnull=True, session=OuterRef("session_id"))
        )
        locked = Attendance.objects.filter(registration=OuterRef("pk"), slot__sheet__status=SheetStatus.LOCKED)

        latest = locked.order_by("-slot__date", "-slot__starts_at").values("status")[:1]
        rows = (
            Registration.objects.filter(session__in=self._sessions.values("pk"), status=RegistrationStatus.CONFIRMED)
            .with_hours_attended()
            .annotate(
                has_expectations=ExpressionWrapper(~Q(expectations=""), output_field=BooleanField()),
                declared_need=ExpressionWrapper(~Q(accessibility_needs=""), output_field=BooleanField()),
                convened=Exists(
                    RegistrationMessage.objects.filter(
                        registration=OuterRef("pk"), kind=MessageKind.CONFIRMED, sent_at__isnull=False
                    )
                ),
                has_certificate=Exists(documents.filter(registration=OuterRef("pk"), kind=DocumentKind.CERTIFICATE)),
                has_attestation=Exists(documents.filter(registration=OuterRef("pk"), kind=DocumentKind.ATTESTATION)),
                adapted=Exists(adaptations),
                came=Exists(locked.filter(status__in=ATTENDED_STATUSES)),
                latest_attendance=Subquery(latest),
            )
            .order_by()
            .values_list(
                "pk",
                "session_id",
                "hours_attended",
                "has_expectations",
                "prerequisites_declared",
                "prerequisites_checked",
                "convened",
                "has_certificate",
                "has_attestation",
                "declared_need",
                "adapted",
                "came",
                "latest_attendance",
                "abandoned_at",
            )
        )
        return [
            RegistrationRow(
                pk=pk,
                session_id=session_id,
                hours=hours or Decimal("0"),
                has_expectations=has_expectations,
                prerequisites_confirmed=declared or checked,
                convened=convened,
                has_certificate=certificate,
                has_attestation=attestation,
                declared_need=need,
                adapted=adapted,
                stopped_coming=came and latest == AttendanceStatus.ABSENT,
                abandoned=abandoned_at is not None,
            )
            for (
                pk,
                session_id,
                hours,
                has_expectations,
                declared,
                checked,
                convened,
                certificate,
                attestation,
                need,
                adapted,
                came,
                latest,
                abandoned_at,
            ) in rows
        ]

    @cached_property
    def registrations_by_session(self) -> dict[int, list[RegistrationRow]]:
        grouped = defaultdict(list)
        for row in self.registrations:
            grouped[row.session_id].append(row)
        return grouped

    def trainees(self, session: Session) -> list[RegistrationRow]:
        """The session's trainees: confirmed, with hours attended."""
        return [row for row in self.registrations_by_session.get(session.pk, []) if row.trained]

    @cached_property
    def past_half_days(self) -> dict[int, tuple[int, int]]:
        """Per session: (half-days of the period already past, those of them not validated)."""
        not_locked = ~Q(sheet__status=SheetStatus.LOCKED) | Q(sheet__isnull=True)
        rows = (
            Slot.objects.filter(
                session__in=self._sessions.values("pk"),
                date__gte=self.date_from,
                date__lte=self.date_to,
                date__lt=self.today,
            )
            .order_by()
            .values("session_id")
            .annotate(past=Count("pk"), open=Count("pk", filter=not_locked))
            .values_list("session_id", "past", "open")
        )
        return {session_id: (past, open_) for session_id, past, open_ in rows}

    @cached_property
    def campaign_kinds(self) -> dict[int, set[str]]:
        """The kinds of survey sent about each session of the period."""
        kinds = defaultdict(set)
        rows = Campaign.objects.filter(session__in=self._sessions.values("pk")).values_list("session_id", "kind")
        for session_id, kind in rows:
            kinds[session_id].add(kind)
        return kinds

    @cached_property
    def funder_campaigns(self) -> dict[int, tuple[int, int]]:
        """The funders' yearly surveys: year → (campaign id, responses)."""
        rows = (
            Campaign.objects.filter(session__isnull=True, kind=QuestionnaireKind.FUNDER)
            .annotate(answers=Count("responses"))
            .values_list("year", "pk", "answers")
        )
        return {year: (pk, answers) for year, pk, answers in rows}

    @cached_property
    def active_questionnaires(self) -> dict[str, tuple[int, bool]]:
        """The questionnaires in use: kind → (id, whether a question feeds "objectives reached")."""
        rows = (
            Questionnaire.objects.filter(is_active=True)
            .annotate(
                evaluates_objectives=Exists(
                    Question.objects.filter(questionnaire=OuterRef("pk"), indicator=Indicator.OBJECTIVES)
                )
            )
            .values_list("kind", "pk", "evaluates_objectives")
        )
        return {kind: (pk, objectives) for kind, pk, objectives in rows}

    @cached_property
    def needs_analyses(self) -> list[tuple[int | None, int | None, datetime.date]]:
        """(session id, client structure id, date) of the analyses that may cover the period's sessions."""
        earliest = self.date_from - relativedelta(years=1)
        return list(
            NeedsAnalysis.objects.filter(
                Q(session__in=self._sessions.values("pk"))
                | Q(session__isnull=True, organisation__isnull=False, carried_out_on__gte=earliest)
            ).values_list("session_id", "organisation_id", "carried_out_on")
        )

    @cached_property
    def trainers(self) -> list[Trainer]:
        """The trainers of the period's sessions, with their number of qualifications recorded."""
        qualifications = (
            TrainerQualification.objects.filter(trainer=OuterRef("pk"))
            .values("trainer_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return list(
            Trainer.objects.filter(
                pk__in=Session.trainers.through.objects.filter(session_id__in=self._sessions.values("pk")).values(
                    "trainer_id"
                )
            )
            .annotate(qualification_count=Coalesce(Subquery(qualifications), Value(0)))
            .order_by("last_name", "first_name")
        )

    @cached_property
    def expiring_qualifications(self) -> list[TrainerQualification]:
        """Qualifications of the period's trainers expired or expiring soon, as of the end of the period."""
        limit = self.as_of + datetime.timedelta(days=QUALIFICATION_EXPIRY_NOTICE_DAYS)
        trainers = Session.trainers.through.objects.filter(session_id__in=self._sessions.values("pk"))
        return list(
            TrainerQualification.objects.filter(trainer_id__in=trainers.values("trainer_id"), expires_on__lte=limit)
            .select_related("trainer")
            .order_by("expires_on")
        )

    @cached_property
    def staff_training(self) -> dict[str, int]:
        review_since = self.as_of - relativedelta(years=PROFESSIONAL_REVIEW_YEARS)
        in_period = Q(started_on__gte=self.date_from, started_on__lte=self.date_to)
        return StaffTraining.objects.aggregate(
            in_period=Count("pk", filter=in_period),
            people=Count("person", filter=in_period, distinct=True),
            reviews=Count("pk", filter=Q(kind=StaffTrainingKind.REVIEW, started_on__gt=review_since)),
        )

    @cached_property
    def watch(self) -> dict[str, dict]:
        """Per kind of watch: entries of the period, the last entry's date, entries without impact."""
        in_period = Q(observed_on__gte=self.date_from, observed_on__lte=self.date_to)
        rows = (
            WatchEntry.objects.filter(observed_on__lte=self.as_of)
            .order_by()
            .values("kind")
            .annotate(
                in_period=Count("pk", filter=in_period),
                last=Max("observed_on"),
                without_impact=Count("pk", filter=in_period & Q(impact="")),
            )
        )
        return {row["kind"]: row for row in rows}

    @cached_property
    def disability_partners(self) -> int:
        return DisabilityPartner.objects.count()

    @cached_property
    def adaptations_count(self) -> int:
        return AccessibilityAdaptation.objects.filter(
            decided_on__gte=self.date_from, decided_on__lte=self.date_to
        ).count()

    @cached_property
    def complaints(self) -> list[Complaint]:
        """Complaints received in the period, and those still open whenever received."""
        return list(
            Complaint.objects.filter(
                Q(received_at__gte=self.start, received_at__lt=self.end)
                | (~Q(status=ComplaintStatus.CLOSED) & Q(received_at__lt=self.end))
            )
            .only(
                "pk",
                "subject",
                "status",
                "received_at",
                "acknowledge_by",
                "acknowledged_at",
                "answer_by",
                "answered_at",
                "analysis",
                "closed_at",
            )
            .order_by("received_at")
        )

    @cached_property
    def actions(self) -> list[ImprovementAction]:
        """Improvement actions decided or done in the period, and those still open."""
        decided = Q(created_at__gte=self.start, created_at__lt=self.end)
        done = Q(done_on__gte=self.date_from, done_on__lte=self.date_to)
        still_open = Q(status__in=(ActionStatus.PLANNED, ActionStatus.IN_PROGRESS), created_at__lt=self.end)
        return list(
            ImprovementAction.objects.filter(decided | done | still_open)
            .only("pk", "title", "status", "source", "due_on", "done_on", "follow_up", "created_at")
            .order_by("due_on", "created_at")
        )

    @cached_property
    def subcontractors(self) -> list[Subcontractor]:
        return list(Subcontractor.objects.order_by("name"))

    def published_results(self):
        return results_published(today=self.as_of)

    # Links

    def session_label(self, session: Session, detail: str = "") -> str:
        label = f"{session.code} — {session.course_title}"
        return f"{label} ({detail})" if detail else label

    def session_links(self, sessions, url: Callable[[Session], str], detail: Callable[[Session], str] | None = None):
        return [Link(self.session_label(s, detail(s) if detail else ""), url(s)) for s in sessions]


# The checks
# ------------------------------------------------------------------------------


@dataclass
class Findings:
    gaps: list[Gap] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    missing: bool = False  # the evidence is absent altogether

    def gap(self, code: str, text: str, *, count: int, url: str = "", items=(), warning: bool = False) -> None:
        items = list(items)
        self.gaps.append(
            Gap(
                code=code,
                text=text,
                count=count,
                url=url,
                items=tuple(items[:ITEM_LIMIT]),
                more=max(0, len(items) - ITEM_LIMIT),
                warning=warning,
            )
        )

    @property
    def status(self) -> str:
        if self.missing:
            return Status.MISSING
        return Status.PARTIAL if any(not gap.warning for gap in self.gaps) else Status.COMPLETE


Check = Callable[[QualiopiData], Findings]
CHECKS: dict[int, Check] = {}


def check(number: int):
    def register(function: Check) -> Check:
        CHECKS[number] = function
        return function

    return register


def _blank(value) -> bool:
    """Whether a text, rich text or StreamField value says nothing."""
    if value is None:
        return True
    if isinstance(value, str):
        return not strip_tags(value).strip()
    return not value  # a StreamField value: empty when it has no block


def _n(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular/plural pair kept in a table for `makemessages` (translated where it is used)."""
    return singular, plural


def _plural(singular: str, plural: str, count: int, **values) -> str:
    return ngettext(singular, plural, count) % {"count": count, **values}


def _trainee_count(count: int) -> str:
    return _plural("%(count)s trainee", "%(count)s trainees", count)


def _day(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _courses_gap(findings: Findings, data: QualiopiData, code: str, courses: list[CoursePage], text: str) -> None:
    if courses:
        findings.gap(code, text, count=len(courses), url=data.catalogue_url, items=data.course_links(courses))


# Criterion 1: information of the public


def _no_course_published(findings: Findings, data: QualiopiData) -> Findings:
    """The course-sheet indicators (1, 5, 6) have nothing to check: say so, the indicator is missing."""
    findings.missing = True
    findings.gap(
        "no_course_published", _("No course sheet is published in the catalogue."), count=0, url=data.catalogue_url
    )
    return findings


@check(1)
def check_public_information(data: QualiopiData) -> Findings:
    """Every published course sheet states what indicator 1 requires the public to know."""
    findings = Findings()
    courses = data.courses
    if not courses:
        return _no_course_published(findings, data)
    organisation = data.organisation
    organisation_contact = bool(organisation.email or organisation.phone)
    rules: list[tuple[str, Callable[[CoursePage], bool], str, str]] = [
        (
            "no_objectives",
            lambda c: _blank(c.general_objective) and not c.objective_count,
            *_n(
                "%(count)s published course sheet states no objective.",
                "%(count)s published course sheets state no objective.",
            ),
        ),
        (
            "no_programme",
            lambda c: _blank(c.programme),
            *_n(
                "%(count)s published course sheet has no programme (sequences).",
                "%(count)s published course sheets have no programme (sequences).",
            ),
        ),
        (
            "no_audience",
            lambda c: _blank(c.audience_text),
            *_n(
                "%(count)s published course sheet does not say who it is for.",
                "%(count)s published course sheets do not say who they are for.",
            ),
        ),
        (
            "no_access_delay",
            lambda c: _blank(c.access_delay),
            *_n(
                "%(count)s published course sheet gives no access conditions and delay.",
                "%(count)s published course sheets give no access conditions and delay.",
            ),
        ),
        (
            "no_price",
            lambda c: _blank(c.price_text),
            *_n(
                "%(count)s published course sheet gives no price or funding.",
                "%(count)s published course sheets give no price or funding.",
            ),
        ),
        (
            "no_teaching_methods",
            lambda c: _blank(c.teaching_methods),
            *_n(
                "%(count)s published course sheet describes no teaching methods.",
                "%(count)s published course sheets describe no teaching methods.",
            ),
        ),
        (
            "no_evaluation_methods",
            lambda c: _blank(c.evaluation_methods),
            *_n(
                "%(count)s published course sheet describes no evaluation methods.",
                "%(count)s published course sheets describe no evaluation methods.",
            ),
        ),
        (
            "no_accessibility",
            lambda c: _blank(c.accessibility),
            *_n(
                "%(count)s published course sheet has no accessibility statement.",
                "%(count)s published course sheets have no accessibility statement.",
            ),
        ),
        (
            "no_contact",
            lambda c: not (c.contact_email or c.contact_phone or organisation_contact),
            *_n(
                "%(count)s published course sheet gives no contact.",
                "%(count)s published course sheets give no contact.",
            ),
        ),
        (
            "no_certification_code",
            lambda c: c.is_certifying and _blank(c.certification_code),
            *_n(
                "%(count)s certifying course sheet gives no RNCP/RS code.",
                "%(count)s certifying course sheets give no RNCP/RS code.",
            ),
        ),
    ]
    for code, lacks, singular, plural in rules:
        concerned = [course for course in courses if lacks(course)]
        _courses_gap(findings, data, code, concerned, _plural(singular, plural, len(concerned)))
    findings.facts.append(
        _plural(
            "%(count)s course sheet published, dated by its last publication, with its programme as a PDF.",
            "%(count)s course sheets published, each dated by its last publication, with its programme as a PDF.",
            len(courses),
        )
    )
    return findings


@check(2)
def check_results(data: QualiopiData) -> Findings:
    """The satisfaction and six-month rates are published (each needs enough respondents)."""
    findings = Findings()
    results = data.published_results()
    url = data.urls.named("survey_results:index")
    period = _("sessions from %(start)s to %(end)s") % {
        "start": _day(results.first_day),
        "end": _day(results.last_day),
    }
    rates = [
        ("satisfaction_not_published", _("End-of-training satisfaction"), results.satisfaction),
        ("needs_met_not_published", _("Needs met six months later"), results.needs_met),
        ("practice_not_published", _("Put into practice six months later"), results.practice),
    ]
    published = 0
    for code, label, rate in rates:
        if rate.is_published:
            published += 1
            findings.facts.append(
                _("%(label)s: %(rate)s published (%(n)s answers, %(period)s).")
                % {"label": label, "rate": format_percent(rate.rate), "n": rate.n, "period": period}
            )
        else:
            findings.gap(
                code,
                _plural(
                    "%(label)s is not published: %(count)s answer, fewer than %(minimum)s (%(period)s).",
                    "%(label)s is not published: %(count)s answers, fewer than %(minimum)s (%(period)s).",
                    rate.n,
                    label=label,
                    minimum=PUBLICATION_MIN_RESPONDENTS,
                    period=period,
                ),
                count=rate.n,
                url=url,
            )
    findings.missing = published == 0
    return findings


# Criterion 2: objectives and design


@check(4)
def check_needs_analysis(data: QualiopiData) -> Findings:
    """Every intra session of the period has its needs analysis: one about the session, or one about its
    client structure made within the year before the session."""
    findings = Findings()
    intra = [session for session in data.sessions if session.funding == Funding.INTRA]
    analysed = {session_id for session_id, _o, _d in data.needs_analyses if session_id}
    by_client = defaultdict(list)
    for session_id, organisation_id, day in data.needs_analyses:
        if not session_id and organisation_id:
            by_client[organisation_id].append(day)

    def covered(session) -> bool:
        if session.pk in analysed:
            return True
        since = session.first_day - relativedelta(years=1)
        return any(since <= day <= session.first_day for day in by_client.get(session.client_organisation_id, []))

    lacking = [session for session in intra if not covered(session)]
    add_url = data.urls.model(NeedsAnalysis, "add")
    if lacking:
        findings.gap(
            "intra_without_needs_analysis",
            _plural(
                "%(count)s intra session has no needs analysis.",
                "%(count)s intra sessions have no needs analysis.",
                len(lacking),
            ),
            count=len(lacking),
            url=add_url,
            items=data.session_links(lacking, lambda s: _with_query(add_url, {"session": s.pk})),
        )
    findings.missing = bool(intra) and len(lacking) == len(intra)
    if intra:
        findings.facts.append(
            _("%(done)s of %(total)s intra sessions have their needs analysis.")
            % {"done": len(intra) - len(lacking), "total": len(intra)}
        )
    else:
        findings.facts.append(_("No intra session over the period."))
    expectations = sum(1 for row in data.registrations if row.has_expectations)
    findings.facts.append(
        _plural(
            "%(count)s trainee told their expectations when registering.",
            "%(count)s trainees told their expectations when registering.",
            expectations,
        )
    )
    return findings


@check(5)
def check_objectives(data: QualiopiData) -> Findings:
    """Every published course states operational objectives and how they are evaluated."""
    findings = Findings()
    courses = data.courses
    if not courses:
        return _no_course_published(findings, data)
    without = [course for course in courses if not course.objective_count]
    _courses_gap(
        findings,
        data,
        "no_operational_objectives",
        without,
        _plural(
            "%(count)s published course sheet lists no operational objective.",
            "%(count)s published course sheets list no operational objective.",
            len(without),
        ),
    )
    unevaluated = [course for course in courses if _blank(course.evaluation_methods)]
    _courses_gap(
        findings,
        data,
        "no_evaluation_methods",
        unevaluated,
        _plural(
            "%(count)s published course sheet describes no evaluation methods.",
            "%(count)s published course sheets describe no evaluation methods.",
            len(unevaluated),
        ),
    )
    findings.missing = len(without) == len(courses)
    objectives = sum(course.objective_count for course in courses)
    findings.facts.append(
        _plural(
            "%(count)s operational objective over the published course sheets.",
            "%(count)s operational objectives over the published course sheets.",
            objectives,
        )
    )
    return findings


def _programme_hours(course: CoursePage) -> Decimal | None:
    """The sum of the sequences' durations, None when one of them has none."""
    total = Decimal("0")
    for block in course.programme:
        hours = block.value.get("duration_hours")
        if hours is None:
            return None
        total += Decimal(hours)
    return total


@check(6)
def check_contents(data: QualiopiData) -> Findings:
    """Every published course has a sequenced programme and its teaching methods."""
    findings = Findings()
    courses = data.courses
    if not courses:
        return _no_course_published(findings, data)
    without = [course for course in courses if _blank(course.programme)]
    _courses_gap(
        findings,
        data,
        "no_programme",
        without,
        _plural(
            "%(count)s published course sheet has no programme (sequences).",
            "%(count)s published course sheets have no programme (sequences).",
            len(without),
        ),
    )
    no_methods = [course for course in courses if _blank(course.teaching_methods)]
    _courses_gap(
        findings,
        data,
        "no_teaching_methods",
        no_methods,
        _plural(
            "%(count)s published course sheet describes no teaching methods.",
            "%(count)s published course sheets describe no teaching methods.",
            len(no_methods),
        ),
    )
    mismatched = []
    for course in courses:
        hours = _programme_hours(course) if not _blank(course.programme) else None
        if hours is not None and hours != course.duration_hours:
            mismatched.append(course)
    if mismatched:
        findings.gap(
            "programme_duration_mismatch",
            _plural(
                "%(count)s programme whose sequences do not add up to the course's duration.",
                "%(count)s programmes whose sequences do not add up to the course's duration.",
                len(mismatched),
            ),
            count=len(mismatched),
            url=data.catalogue_url,
            items=data.course_links(mismatched),
            warning=True,
        )
    findings.missing = len(without) == len(courses)
    sequenced = len(courses) - len(without)
    findings.facts.append(
        _plural(
            "%(count)s programme set out in sequences, kept with each published version of its course sheet.",
            "%(count)s programmes set out in sequences, kept with each published version of their course sheet.",
            sequenced,
        )
    )
    return findings


@check(8)
def check_positioning(data: QualiopiData) -> Findings:
    """Every session started in the period sent the positioning questionnaire to its trainees, and
    the trainees of a course with prerequisites confirmed them."""
    findings = Findings()
    if QuestionnaireKind.POSITIONING not in data.active_questionnaires:
        findings.gap(
            "no_positioning_questionnaire",
            _("No positioning questionnaire is in use: none is sent before the sessions."),
            count=0,
            url=data.urls.model(Questionnaire, kind=QuestionnaireKind.POSITIONING),
        )
    started = [s for s in data.sessions if data.started(s) and data.registrations_by_session.get(s.pk)]
    without = [s for s in started if QuestionnaireKind.POSITIONING not in data.campaign_kinds.get(s.pk, set())]
    if without:
        findings.gap(
            "started_without_positioning",
            _plural(
                "%(count)s session started without a positioning questionnaire.",
                "%(count)s sessions started without a positioning questionnaire.",
                len(without),
            ),
            count=len(without),
            url=data.urls.model(Campaign, kind=QuestionnaireKind.POSITIONING),
            items=data.session_links(without, lambda s: data.urls.model(Session, "inspect", s.pk)),
        )
    unconfirmed = Counter(
        row.session_id
        for session in started
        if session.course_has_prerequisites
        for row in data.registrations_by_session.get(session.pk, [])
        if not row.prerequisites_confirmed
    )
    if unconfirmed:
        sessions = [s for s in started if s.pk in unconfirmed]
        findings.gap(
            "prerequisites_not_confirmed",
            _plural(
                "%(count)s trainee of a course with prerequisites did not confirm them.",
                "%(count)s trainees of courses with prerequisites did not confirm them.",
                sum(unconfirmed.values()),
            ),
            count=sum(unconfirmed.values()),
            url=data.urls.model(Registration),
            items=data.session_links(
                sessions,
                lambda s: data.urls.named("registrations:session", s.pk),
                lambda s: _trainee_count(unconfirmed[s.pk]),
            ),
        )
    findings.missing = bool(started) and len(without) == len(started)
    if started:
        findings.facts.append(
            _("%(done)s of %(total)s sessions started sent the positioning questionnaire.")
            % {"done": len(started) - len(without), "total": len(started)}
        )
    else:
        findings.facts.append(_("No session started over the period."))
    return findings


# Criterion 3: reception, follow-up and assessment


@check(9)
def check_convocations(data: QualiopiData) -> Findings:
    """Every confirmed trainee was sent the convocation (with the programme, the internal rules and
    the calendar); every session on site says where."""
    findings = Findings()
    lacking = Counter(row.session_id for row in data.registrations if not row.convened)
    sessions = {s.pk: s for s in data.sessions}
    if lacking:
        concerned = [sessions[pk] for pk in sessions if pk in lacking]
        total = sum(lacking.values())
        findings.gap(
            "convocation_not_sent",
            _plural(
                "%(count)s confirmed trainee was not sent the convocation.",
                "%(count)s confirmed trainees were not sent the convocation.",
                total,
            ),
            count=total,
            url=data.urls.model(Registration, status=RegistrationStatus.CONFIRMED),
            items=data.session_links(
                concerned,
                lambda s: data.urls.named("registrations:session", s.pk),
                lambda s: _trainee_count(lacking[s.pk]),
            ),
        )
    placeless = [s for s in data.sessions if s.modality != Modality.REMOTE and s.venue_id is None]
    if placeless:
        findings.gap(
            "session_without_venue",
            _plural(
                "%(count)s session on site has no venue.", "%(count)s sessions on site have no venue.", len(placeless)
            ),
            count=len(placeless),
            url=data.urls.model(Session),
            items=data.session_links(placeless, lambda s: data.urls.edit(Session, s.pk)),
        )
    rules = data.organisation.internal_rules_page_id
    if not rules:
        findings.gap(
            "no_internal_rules",
            _("The internal rules page is not set in the settings: convocations go without it."),
            count=0,
            url=data.urls.settings(),
        )
    convened = len(data.registrations) - sum(lacking.values())
    findings.missing = bool(data.registrations) and convened == 0
    findings.facts.append(
        _plural(
            "%(count)s convocation sent and kept (calendar, programme, internal rules).",
            "%(count)s convocations sent and kept (calendar, programme, internal rules).",
            convened,
        )
    )
    return findings


@check(10)
def check_adaptations(data: QualiopiData) -> Findings:
    """Every accessibility need declared by a trainee led to an adaptation recorded (for the trainee or
    the session)."""
    findings = Findings()
    declared = [row for row in data.registrations if row.declared_need]
    lacking = Counter(row.session_id for row in declared if not row.adapted)
    if lacking:
        sessions = [s for s in data.sessions if s.pk in lacking]
        total = sum(lacking.values())
        findings.gap(
            "need_without_adaptation",
            _plural(
                "%(count)s accessibility need declared has no adaptation recorded.",
                "%(count)s accessibility needs declared have no adaptation recorded.",
                total,
            ),
            count=total,
            url=data.urls.model(AccessibilityAdaptation, "add"),
            items=data.session_links(
                sessions,
                lambda s: data.urls.named("registrations:session", s.pk),
                lambda s: _trainee_count(lacking[s.pk]),
            ),
        )
        findings.missing = total == len(declared)
    findings.facts.append(
        _plural(
            "%(count)s accessibility need declared at registration over the period.",
            "%(count)s accessibility needs declared at registration over the period.",
            len(declared),
        )
    )
    findings.facts.append(
        _plural(
            "%(count)s adaptation recorded over the period.",
            "%(count)s adaptations recorded over the period.",
            data.adaptations_count,
        )
    )
    return findings


@check(11)
def check_assessment(data: QualiopiData) -> Findings:
    """Every session ended with trainees had the end-of-training survey (which asks whether each
    objective was reached) and issued its attestations and certificates."""
    findings = Findings()
    hot = data.active_questionnaires.get(QuestionnaireKind.HOT)
    if hot is None:
        findings.gap(
            "no_hot_questionnaire",
            _("No end-of-training questionnaire is in use."),
            count=0,
            url=data.urls.model(Questionnaire, kind=QuestionnaireKind.HOT),
        )
    elif not hot[1]:
        findings.gap(
            "hot_without_objectives_question",
            _("The end-of-training questionnaire asks no question about the objectives reached."),
            count=0,
            url=data.urls.edit(Questionnaire, hot[0]),
        )
    ended = [s for s in data.sessions if data.ended(s) and data.trainees(s)]
    without_survey = _sessions_without_survey(ended, data, QuestionnaireKind.HOT)
    if without_survey:
        _survey_gap(
            findings,
            data,
            "ended_without_hot_survey",
            without_survey,
            QuestionnaireKind.HOT,
            _plural(
                "%(count)s session ended without the end-of-training survey.",
                "%(count)s sessions ended without the end-of-training survey.",
                len(without_survey),
            ),
        )
    documents = [
        (
            "attestations_missing",
            "has_attestation",
            *_n(
                "End-of-training attestations not issued for %(count)s ended session.",
                "End-of-training attestations not issued for %(count)s ended sessions.",
            ),
        ),
        (
            "certificates_missing",
            "has_certificate",
            *_n(
                "Certificates of completion not issued for %(count)s ended session.",
                "Certificates of completion not issued for %(count)s ended sessions.",
            ),
        ),
    ]
    issued_any = False
    for code, attribute, singular, plural in documents:
        missing_docs = {s.pk: sum(1 for row in data.trainees(s) if not getattr(row, attribute)) for s in ended}
        concerned = [s for s in ended if missing_docs[s.pk]]
        issued_any = issued_any or any(getattr(row, attribute) for s in ended for row in data.trainees(s))
        if concerned:
            findings.gap(
                code,
                _plural(singular, plural, len(concerned)),
                count=len(concerned),
                url=data.urls.named("documents:batches"),
                items=data.session_links(
                    concerned,
                    lambda s: data.urls.named("documents:session", s.pk),
                    lambda s, missing_docs=missing_docs: _trainee_count(missing_docs[s.pk]),
                ),
            )
    if any(gap.code in ("attestations_missing", "certificates_missing") for gap in findings.gaps) and not (
        data.organisation.legal_representative_name.strip()
    ):
        findings.gap(
            "no_signatory",
            _("The legal representative who signs the attestations is not set in the settings."),
            count=0,
            url=data.urls.settings(),
        )
    findings.missing = bool(ended) and len(without_survey) == len(ended) and not issued_any
    if ended:
        findings.facts.append(
            _("%(done)s of %(total)s sessions ended had the end-of-training survey.")
            % {"done": len(ended) - len(without_survey), "total": len(ended)}
        )
    else:
        findings.facts.append(_("No session with trainees ended over the period."))
    return findings


def _sessions_without_survey(sessions, data: QualiopiData, kind: str) -> list[Session]:
    return [s for s in sessions if kind not in data.campaign_kinds.get(s.pk, set())]


def _survey_gap(findings: Findings, data: QualiopiData, code: str, sessions, kind: str, text: str) -> None:
    launch = data.urls.named("survey_campaigns:launch")
    findings.gap(
        code,
        text,
        count=len(sessions),
        url=data.urls.model(Campaign, kind=kind),
        items=data.session_links(sessions, lambda s: _with_query(launch, {"session": s.pk, "kind": kind})),
    )


@check(12)
def check_engagement(data: QualiopiData) -> Findings:
    """Every past half-day's attendance is validated (absences are then known and alerted), and every
    trainee who stopped coming has their drop-out followed up (reason recorded)."""
    findings = Findings()
    half_days = data.past_half_days
    sessions = {s.pk: s for s in data.sessions}
    open_by_session = {pk: open_ for pk, (_past, open_) in half_days.items() if open_ and pk in sessions}
    past = sum(past for past, _open in half_days.values())
    if open_by_session:
        total = sum(open_by_session.values())
        concerned = [s for s in data.sessions if s.pk in open_by_session]
        findings.gap(
            "half_days_not_validated",
            _plural(
                "%(count)s past half-day not validated (attendance sheet).",
                "%(count)s past half-days not validated (attendance sheets).",
                total,
            ),
            count=total,
            url=data.urls.model(Session),
            items=data.session_links(
                concerned,
                lambda s: data.urls.named("attendance:session", s.pk),
                lambda s: _plural("%(count)s half-day", "%(count)s half-days", open_by_session[s.pk]),
            ),
        )
    dropouts = Counter(row.session_id for row in data.registrations if row.stopped_coming and not row.abandoned)
    if dropouts:
        total = sum(dropouts.values())
        concerned = [s for s in data.sessions if s.pk in dropouts]
        findings.gap(
            "dropout_without_reason",
            _plural(
                "%(count)s trainee stopped coming and no drop-out reason is recorded.",
                "%(count)s trainees stopped coming and no drop-out reason is recorded.",
                total,
            ),
            count=total,
            url=data.urls.named("attendance:absences"),
            items=data.session_links(
                concerned,
                lambda s: data.urls.named("attendance:session", s.pk),
                lambda s: _trainee_count(dropouts[s.pk]),
            ),
        )
    findings.missing = past > 0 and sum(open_by_session.values()) == past
    started = [row for row in data.registrations if row.trained or row.abandoned]
    abandoned = sum(1 for row in started if row.abandoned)
    findings.facts.append(
        _("%(validated)s of %(total)s past half-days validated and locked.")
        % {"validated": past - sum(open_by_session.values()), "total": past}
    )
    if started:
        findings.facts.append(
            _plural(
                "Drop-out rate: %(rate)s (%(abandoned)s of %(count)s trainee).",
                "Drop-out rate: %(rate)s (%(abandoned)s of %(count)s trainees).",
                len(started),
                rate=format_percent(abandoned / len(started)),
                abandoned=abandoned,
            )
        )
    return findings


# Criterion 4: resources


@check(17)
def check_resources(data: QualiopiData) -> Findings:
    """The venues of the period's sessions describe their accessibility."""
    findings = Findings()
    venues = {}
    for session in data.sessions:
        if session.venue_id is not None:
            venues[session.venue_id] = session.venue
    unknown = [
        venue
        for venue in venues.values()
        if not (venue.step_free_access or venue.accessible_toilets or venue.hearing_loop)
        and _blank(venue.accessibility_notes)
    ]
    if unknown:
        findings.gap(
            "venue_accessibility_unknown",
            _plural(
                "%(count)s venue used says nothing about its accessibility.",
                "%(count)s venues used say nothing about their accessibility.",
                len(unknown),
            ),
            count=len(unknown),
            url=data.urls.model(Venue),
            items=[Link(str(venue), data.urls.edit(venue)) for venue in sorted(unknown, key=str)],
        )
    findings.facts.append(
        _plural("%(count)s venue used over the period.", "%(count)s venues used over the period.", len(venues))
    )
    findings.facts.append(
        _plural(
            "%(count)s trainer taught over the period.",
            "%(count)s trainers taught over the period.",
            len(data.trainers),
        )
    )
    return findings


@check(18)
def check_coordination(data: QualiopiData) -> Findings:
    """Every session of the period has its trainers assigned."""
    findings = Findings()
    without = [s for s in data.sessions if not s.trainer_count]
    if without:
        findings.gap(
            "session_without_trainer",
            _plural(
                "%(count)s session has no trainer assigned.",
                "%(count)s sessions have no trainer assigned.",
                len(without),
            ),
            count=len(without),
            url=data.urls.model(Session),
            items=data.session_links(without, lambda s: data.urls.edit(Session, s.pk)),
        )
    reports = sum(1 for s in data.sessions if QuestionnaireKind.TRAINER in data.campaign_kinds.get(s.pk, set()))
    findings.facts.append(
        _plural(
            "%(count)s trainer's report asked for over the period.",
            "%(count)s trainers' reports asked for over the period.",
            reports,
        )
    )
    return findings


@check(19)
def check_teaching_resources(data: QualiopiData) -> Findings:
    """Every session started records the programme version it was offered with (the one sent)."""
    findings = Findings()
    without = [s for s in data.sessions if data.started(s) and s.course_revision_id is None]
    if without:
        findings.gap(
            "session_without_programme_version",
            _plural(
                "%(count)s session started does not record the programme version it was offered with.",
                "%(count)s sessions started do not record the programme version they were offered with.",
                len(without),
            ),
            count=len(without),
            url=data.urls.model(Session),
            items=data.session_links(without, lambda s: data.urls.edit(Session, s.pk)),
        )
    findings.facts.append(
        _plural(
            "%(count)s programme published as a PDF and sent with each convocation.",
            "%(count)s programmes published as PDFs and sent with each convocation.",
            len(data.courses),
        )
    )
    return findings


# Criterion 5: staff


@check(21)
def check_trainers(data: QualiopiData) -> Findings:
    """Every trainer of the period has their qualifications recorded, none expired."""
    findings = Findings()
    trainers = data.trainers
    qualification_add = data.urls.model(TrainerQualification, "add")
    without = [trainer for trainer in trainers if not trainer.qualification_count]
    if without:
        findings.gap(
            "trainer_without_qualification",
            _plural(
                "%(count)s trainer of the period has no qualification recorded.",
                "%(count)s trainers of the period have no qualification recorded.",
                len(without),
            ),
            count=len(without),
            url=qualification_add or data.urls.model(Trainer),
            items=[
                Link(str(trainer), _with_query(qualification_add, {"trainer": trainer.pk}) or data.urls.edit(trainer))
                for trainer in without
            ],
        )
    expired = [q for q in data.expiring_qualifications if q.expires_on < data.as_of]
    soon = [q for q in data.expiring_qualifications if q.expires_on >= data.as_of]
    for code, qualifications, validity, singular, plural, warning in (
        (
            "qualification_expired",
            expired,
            "expired",
            *_n("%(count)s trainer qualification has expired.", "%(count)s trainer qualifications have expired."),
            False,
        ),
        (
            "qualification_expiring",
            soon,
            "expiring",
            *_n(
                "%(count)s trainer qualification expires within 60 days.",
                "%(count)s trainer qualifications expire within 60 days.",
            ),
            True,
        ),
    ):
        if qualifications:
            findings.gap(
                code,
                _plural(singular, plural, len(qualifications)),
                count=len(qualifications),
                url=data.urls.model(TrainerQualification, validity=validity),
                items=[
                    Link(f"{q.trainer} — {q.title} ({_day(q.expires_on)})", data.urls.edit(q)) for q in qualifications
                ],
                warning=warning,
            )
    findings.missing = bool(trainers) and len(without) == len(trainers)
    findings.facts.append(
        _("%(done)s of %(total)s trainers of the period have their qualifications recorded.")
        % {"done": len(trainers) - len(without), "total": len(trainers)}
    )
    return findings


@check(22)
def check_staff_training(data: QualiopiData) -> Findings:
    """The staff's training is recorded over the period, with professional reviews every two years."""
    findings = Findings()
    figures = data.staff_training
    if not figures["in_period"]:
        findings.missing = True
        findings.gap(
            "no_staff_training",
            _("No training of the staff recorded over the period."),
            count=0,
            url=data.urls.model(StaffTraining, "add") or data.urls.model(StaffTraining),
        )
    if not figures["reviews"]:
        findings.gap(
            "no_professional_review",
            _("No professional review recorded in the last two years."),
            count=0,
            url=data.urls.model(StaffTraining, kind=StaffTrainingKind.REVIEW),
            warning=True,
        )
    findings.facts.append(
        ngettext(
            "%(count)s training of the staff recorded over the period (%(people)s people).",
            "%(count)s trainings of the staff recorded over the period (%(people)s people).",
            figures["in_period"],
        )
        % {"count": figures["in_period"], "people": figures["people"]}
    )
    return findings


# Criterion 6: environment


WATCH_CHECKS = {23: WatchKind.LEGAL, 24: WatchKind.JOBS, 25: WatchKind.INNOVATION}
WATCH_NAMES = {
    WatchKind.LEGAL: gettext_lazy("legal watch"),
    WatchKind.JOBS: gettext_lazy("jobs and skills watch"),
    WatchKind.INNOVATION: gettext_lazy("teaching innovation watch"),
}


def _check_watch(data: QualiopiData, kind: str) -> Findings:
    """Entries of this watch over the period, the last one less than six months old, with their impact."""
    findings = Findings()
    row = data.watch.get(kind, {"in_period": 0, "last": None, "without_impact": 0})
    name = WATCH_NAMES[kind]
    url = data.urls.model(WatchEntry, kind=kind)
    add_url = data.urls.model(WatchEntry, "add", kind=kind)
    if not row["in_period"]:
        findings.missing = True
        findings.gap(
            "no_watch_entry", _("No %(watch)s entry over the period.") % {"watch": name}, count=0, url=add_url or url
        )
    elif row["last"] < data.as_of - relativedelta(months=WATCH_STALE_MONTHS):
        findings.gap(
            "watch_stale",
            _("No %(watch)s entry for six months (the last one on %(day)s).")
            % {"watch": name, "day": _day(row["last"])},
            count=0,
            url=add_url or url,
        )
    if row["without_impact"]:
        findings.gap(
            "watch_without_impact",
            _plural(
                "%(count)s entry says nothing about its impact on our trainings.",
                "%(count)s entries say nothing about their impact on our trainings.",
                row["without_impact"],
            ),
            count=row["without_impact"],
            url=url,
            warning=True,
        )
    findings.facts.append(
        _plural("%(count)s entry over the period.", "%(count)s entries over the period.", row["in_period"])
    )
    return findings


for _number, _kind in WATCH_CHECKS.items():
    CHECKS[_number] = lambda data, kind=_kind: _check_watch(data, kind)


@check(26)
def check_disability(data: QualiopiData) -> Findings:
    """A référent handicap is named and reachable, the partners' network is recorded, and every course
    sheet has its accessibility statement."""
    findings = Findings()
    organisation = data.organisation
    settings_url = data.urls.settings()
    named = bool(organisation.disability_referent_name.strip())
    if not named:
        findings.gap(
            "no_disability_referent",
            _("The disability referent is not set in the settings."),
            count=0,
            url=settings_url,
        )
    elif not (organisation.disability_referent_email or organisation.disability_referent_phone):
        findings.gap(
            "disability_referent_unreachable",
            _("The disability referent has no e-mail address or phone number in the settings."),
            count=0,
            url=settings_url,
        )
    partners = data.disability_partners
    if not partners:
        findings.gap(
            "no_disability_partner",
            _("No disability partner in the directory (Agefiph, Cap emploi, MDPH, RHF…)."),
            count=0,
            url=data.urls.model(DisabilityPartner, "add") or data.urls.model(DisabilityPartner),
        )
    without = [course for course in data.courses if _blank(course.accessibility)]
    _courses_gap(
        findings,
        data,
        "no_accessibility",
        without,
        _plural(
            "%(count)s published course sheet has no accessibility statement.",
            "%(count)s published course sheets have no accessibility statement.",
            len(without),
        ),
    )
    findings.missing = not named and not partners
    if named:
        findings.facts.append(
            _("Disability referent: %(name)s, shown on the course sheets and convocations.")
            % {"name": organisation.disability_referent_name}
        )
    findings.facts.append(
        _plural("%(count)s partner in the directory.", "%(count)s partners in the directory.", partners)
    )
    return findings


@check(27)
def check_subcontracting(data: QualiopiData) -> Findings:
    """Every subcontractor is certified, under contract and checked every year."""
    findings = Findings()
    subcontractors = data.subcontractors
    if not subcontractors:
        findings.missing = True
        findings.gap(
            "no_subcontractor",
            _("No subcontractor in the register."),
            count=0,
            url=data.urls.model(Subcontractor, "add") or data.urls.model(Subcontractor),
        )
        return findings
    review_since = data.as_of - relativedelta(months=SUBCONTRACTOR_REVIEW_MONTHS)
    rules = [
        (
            "subcontractor_not_certified",
            lambda s: not s.qualiopi_certified or (s.certificate_expires_on and s.certificate_expires_on < data.as_of),
            *_n(
                "%(count)s subcontractor has no valid Qualiopi certificate.",
                "%(count)s subcontractors have no valid Qualiopi certificate.",
            ),
        ),
        (
            "subcontractor_without_contract",
            lambda s: not s.contract_signed_on,
            *_n(
                "%(count)s subcontractor has no signed contract recorded.",
                "%(count)s subcontractors have no signed contract recorded.",
            ),
        ),
        (
            "subcontractor_not_reviewed",
            lambda s: not s.last_review_on or s.last_review_on < review_since,
            *_n(
                "%(count)s subcontractor was not checked in the last twelve months.",
                "%(count)s subcontractors were not checked in the last twelve months.",
            ),
        ),
    ]
    for code, lacks, singular, plural in rules:
        concerned = [s for s in subcontractors if lacks(s)]
        if concerned:
            findings.gap(
                code,
                _plural(singular, plural, len(concerned)),
                count=len(concerned),
                url=data.urls.model(
                    Subcontractor, **({"qualiopi_certified": "false"} if code == "subcontractor_not_certified" else {})
                ),
                items=[Link(s.name, data.urls.edit(s)) for s in concerned],
            )
    findings.facts.append(
        _plural(
            "%(count)s subcontractor in the register.", "%(count)s subcontractors in the register.", len(subcontractors)
        )
    )
    return findings


def _certifying_courses(data: QualiopiData) -> list[CoursePage]:
    return [course for course in data.courses if course.is_certifying]


@check(3)
def check_certification_results(data: QualiopiData) -> Findings:
    """Every certifying course sheet gives its RNCP/RS code (its rates are published by a person)."""
    findings = Findings()
    certifying = _certifying_courses(data)
    if not certifying:
        findings.gap(
            "no_certifying_course",
            _("No certifying course sheet is published: does this indicator apply?"),
            count=0,
            url=data.catalogue_url,
            warning=True,
        )
    without = [course for course in certifying if _blank(course.certification_code)]
    _courses_gap(
        findings,
        data,
        "no_certification_code",
        without,
        _plural(
            "%(count)s certifying course sheet gives no RNCP/RS code.",
            "%(count)s certifying course sheets give no RNCP/RS code.",
            len(without),
        ),
    )
    return findings


@check(7)
def check_certification_contents(data: QualiopiData) -> Findings:
    """Every certifying course has its objectives and programme (to map onto the certification's blocks)."""
    findings = Findings()
    certifying = _certifying_courses(data)
    if not certifying:
        findings.gap(
            "no_certifying_course",
            _("No certifying course sheet is published: does this indicator apply?"),
            count=0,
            url=data.catalogue_url,
            warning=True,
        )
    without = [c for c in certifying if not c.objective_count or _blank(c.programme)]
    _courses_gap(
        findings,
        data,
        "certifying_without_programme",
        without,
        _plural(
            "%(count)s certifying course sheet lacks its objectives or programme.",
            "%(count)s certifying course sheets lack their objectives or programme.",
            len(without),
        ),
    )
    return findings


# Criterion 7: appraisals, complaints, improvement


@check(30)
def check_appraisals(data: QualiopiData) -> Findings:
    """Every session ended asked its trainees (end of training, six months later), its trainers and, for
    an intra session, its client; the funders are asked every year."""
    findings = Findings()
    ended = [s for s in data.sessions if data.ended(s)]
    with_trainees = [s for s in ended if data.trainees(s)]
    cold_due_before = (
        data.today
        - relativedelta(months=settings.SURVEY_COLD_MONTHS)
        - datetime.timedelta(days=settings.SURVEY_CATCH_UP_DAYS)
    )
    surveys = [
        (
            "ended_without_hot_survey",
            QuestionnaireKind.HOT,
            with_trainees,
            *_n(
                "%(count)s session ended without the end-of-training survey.",
                "%(count)s sessions ended without the end-of-training survey.",
            ),
        ),
        (
            "without_cold_survey",
            QuestionnaireKind.COLD,
            [s for s in with_trainees if s.last_day < cold_due_before],
            *_n(
                "%(count)s session ended over six months ago without the six-month survey.",
                "%(count)s sessions ended over six months ago without the six-month survey.",
            ),
        ),
        (
            "ended_without_trainer_report",
            QuestionnaireKind.TRAINER,
            [s for s in ended if s.trainer_count],
            *_n(
                "%(count)s session ended without asking its trainers for their report.",
                "%(count)s sessions ended without asking their trainers for their report.",
            ),
        ),
        (
            "intra_without_client_survey",
            QuestionnaireKind.CLIENT,
            [s for s in ended if s.funding == Funding.INTRA],
            *_n(
                "%(count)s intra session ended without asking its client structure.",
                "%(count)s intra sessions ended without asking their client structure.",
            ),
        ),
    ]
    asked = 0
    for code, kind, sessions, singular, plural in surveys:
        without = _sessions_without_survey(sessions, data, kind)
        asked += len(sessions) - len(without)
        if without:
            _survey_gap(findings, data, code, without, kind, _plural(singular, plural, len(without)))
    year = data.as_of.year
    funder = data.funder_campaigns.get(year)
    launch = data.urls.named("survey_campaigns:launch", kind=QuestionnaireKind.FUNDER)
    if funder is None:
        text = (
            _("No funders' survey this year.")
            if year == data.today.year
            else _("No funders' survey in %(year)s.") % {"year": year}
        )
        findings.gap("no_funder_survey", text, count=0, url=launch)
    elif not funder[1]:
        findings.gap(
            "funder_survey_unanswered",
            _("The funders' survey of %(year)s has no answer yet.") % {"year": year},
            count=0,
            url=data.urls.named("survey_campaigns:results", funder[0]),
            warning=True,
        )
    findings.missing = bool(ended) and asked == 0 and funder is None
    findings.facts.append(
        _plural(
            "%(count)s survey sent about the sessions of the period.",
            "%(count)s surveys sent about the sessions of the period.",
            sum(len(kinds) for kinds in data.campaign_kinds.values()),
        )
    )
    return findings


@check(31)
def check_complaints(data: QualiopiData) -> Findings:
    """Every complaint is acknowledged and answered in time, none stays open over 30 days, and a closed
    one was analysed."""
    findings = Findings()
    complaints = data.complaints
    urls = data.urls
    today = data.as_of
    late = data.now - datetime.timedelta(days=COMPLAINT_OPEN_DAYS)
    is_open = [c for c in complaints if c.status != ComplaintStatus.CLOSED]

    def links(items):
        return [Link(f"{c.subject} ({_day(timezone.localtime(c.received_at).date())})", urls.edit(c)) for c in items]

    rules = [
        (
            "complaint_not_acknowledged",
            [c for c in is_open if c.acknowledged_at is None and c.acknowledge_by and c.acknowledge_by < today],
            *_n(
                "%(count)s complaint not acknowledged by its deadline.",
                "%(count)s complaints not acknowledged by their deadline.",
            ),
        ),
        (
            "complaint_not_answered",
            [c for c in is_open if c.answered_at is None and c.answer_by and c.answer_by < today],
            *_n(
                "%(count)s complaint not answered by its deadline.",
                "%(count)s complaints not answered by their deadline.",
            ),
        ),
        (
            "complaint_open_30_days",
            [c for c in is_open if c.received_at < late],
            *_n("%(count)s complaint open for more than 30 days.", "%(count)s complaints open for more than 30 days."),
        ),
        (
            "complaint_closed_without_analysis",
            [c for c in complaints if c.status == ComplaintStatus.CLOSED and _blank(c.analysis)],
            *_n("%(count)s complaint closed without an analysis.", "%(count)s complaints closed without an analysis."),
        ),
    ]
    filters = {
        "complaint_not_acknowledged": {"overdue": "true"},
        "complaint_not_answered": {"overdue": "true"},
        "complaint_closed_without_analysis": {"status": ComplaintStatus.CLOSED},
    }
    for code, concerned, singular, plural in rules:
        if concerned:
            findings.gap(
                code,
                _plural(singular, plural, len(concerned)),
                count=len(concerned),
                url=urls.model(Complaint, **filters.get(code, {})),
                items=links(concerned),
            )
    received = [c for c in complaints if data.start <= c.received_at < data.end]
    findings.missing = (
        bool(received)
        and all(c.status == ComplaintStatus.RECEIVED and c.acknowledged_at is None for c in received)
        and any(gap.code in ("complaint_not_acknowledged", "complaint_open_30_days") for gap in findings.gaps)
    )
    closed = sum(1 for c in received if c.status == ComplaintStatus.CLOSED)
    findings.facts.append(
        _plural(
            "%(count)s complaint or difficulty recorded over the period (%(closed)s closed).",
            "%(count)s complaints or difficulties recorded over the period (%(closed)s closed).",
            len(received),
            closed=closed,
        )
    )
    return findings


@check(32)
def check_improvement(data: QualiopiData) -> Findings:
    """Improvement actions are decided over the period, followed up to their effect, none overdue."""
    findings = Findings()
    actions = data.actions
    urls = data.urls
    if not actions:
        findings.missing = True
        findings.gap(
            "no_improvement_action",
            _("No improvement action over the period."),
            count=0,
            url=urls.model(ImprovementAction, "add") or urls.model(ImprovementAction),
        )
        return findings
    still_open = [a for a in actions if a.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)]
    rules = [
        (
            "action_overdue",
            [a for a in still_open if a.due_on and a.due_on < data.as_of],
            *_n("%(count)s improvement action is overdue.", "%(count)s improvement actions are overdue."),
            False,
        ),
        (
            "action_done_without_follow_up",
            [a for a in actions if a.status == ActionStatus.DONE and _blank(a.follow_up)],
            *_n(
                "%(count)s improvement action done without its follow-up and effect.",
                "%(count)s improvement actions done without their follow-up and effect.",
            ),
            False,
        ),
        (
            "action_without_due_date",
            [a for a in still_open if not a.due_on],
            *_n(
                "%(count)s open improvement action has no due date.",
                "%(count)s open improvement actions have no due date.",
            ),
            True,
        ),
    ]
    for code, concerned, singular, plural, warning in rules:
        if concerned:
            findings.gap(
                code,
                _plural(singular, plural, len(concerned)),
                count=len(concerned),
                url=urls.model(ImprovementAction),
                items=[Link(f"{a.title} ({_day(a.due_on)})" if a.due_on else a.title, urls.edit(a)) for a in concerned],
                warning=warning,
            )
    done = sum(1 for a in actions if a.status == ActionStatus.DONE)
    findings.facts.append(
        _plural(
            "%(count)s improvement action over the period (%(done)s done, %(open)s in progress or planned).",
            "%(count)s improvement actions over the period (%(done)s done, %(open)s in progress or planned).",
            len(actions),
            done=done,
            open=len(still_open),
        )
    )
    return findings


# Entry point
# ------------------------------------------------------------------------------


def indicator_statuses(
    *, date_from: datetime.date, date_to: datetime.date, today: datetime.date | None = None
) -> list[IndicatorStatus]:
    """The status of every indicator over the period, in order (see the module docstring).

    Errors: `period_reversed` when `date_from` is after `date_to`.
    """
    if date_from > date_to:
        raise SurveyError(_("The start of the period must come before its end."), "period_reversed")
    data = QualiopiData(date_from=date_from, date_to=date_to, today=today or timezone.localdate())
    statuses = []
    for indicator in QualiopiIndicator.objects.order_by("number"):
        common = {
            "number": indicator.number,
            "title": indicator.title,
            "criterion": indicator.criterion,
            "major": indicator.major,
            "applicable": indicator.applicable,
            "automatic": indicator.evidence_automatic,
            "manual": indicator.evidence_manual,
            "applicability_note": indicator.applicability_note,
        }
        if not indicator.applicable:
            statuses.append(IndicatorStatus(status=Status.NOT_APPLICABLE, gaps=[], **common))
            continue
        run = CHECKS.get(indicator.number)
        if run is None:
            statuses.append(IndicatorStatus(status=Status.MANUAL, gaps=[], **common))
            continue
        findings = run(data)
        statuses.append(IndicatorStatus(status=findings.status, gaps=findings.gaps, facts=findings.facts, **common))
    return statuses
