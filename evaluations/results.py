"""Reads of the survey results for the back office: the campaigns, one campaign's figures, the
results across campaigns and the before/after comparison of the same trainees.

How answers count (the rules of the yearly indicators, `spec/historical-workbook.md`):

- a person has at most one response per campaign (answering again replaced the earlier answers:
  the latest answer wins), so responses and answers are simply counted;
- a cancelled session never counts;
- on the four-point scale, 3 and 4 are "satisfied"; a yes/no answer counts its "oui" (stored 1);
- the response rate is the answered invitations over the invitations; an imported campaign has
  responses without invitations, hence no rate;
- an anonymous questionnaire's answers never carry a name, a date finer than the day or an order
  that would tell who wrote what.

Every function runs a fixed number of queries whatever the number of campaigns and answers: the
rows are loaded once and counted in Python (pandas for the grouped tables).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department
from training.choices import SessionStatus
from training.models import Session, Slot

from .choices import SCALE_LABELS, SCALE_SATISFIED, Indicator, QuestionnaireKind, QuestionType
from .indicators import IndicatorFilters, indicators_for_period
from .models import Answer, Campaign, Complaint, ImprovementAction, Invitation, Question, Questionnaire, Response
from .services.campaigns import MANUAL_REMINDER_GAP

# A score out of 10 at or below this is low (a "detractor"); a scale answer of 1 or 2 is low.
SCORE_LOW_MAX = 6
# Yes/no questions whose "non" calls for a look (others, like "already trained?", are facts).
YES_NO_LOW_INDICATORS = (Indicator.NEEDS_MET, Indicator.PRACTICE, Indicator.OBJECTIVES)
# The question the grouped tables rate, in order of preference.
HEADLINE_INDICATORS = (
    Indicator.EXPECTATIONS,
    Indicator.NEEDS_MET,
    Indicator.CLIENT_FIT,
    Indicator.GROUP_FIT,
    Indicator.OBJECTIVES,
    Indicator.PRACTICE,
)
COMMENTS_SHOWN = 100


def _subquery_count(model, **lookups):
    """COUNT(*) of `model` rows matching `lookups` (one of them an OuterRef), 0 when none."""
    grouped_by = next(key for key, value in lookups.items() if isinstance(value, OuterRef))
    rows = model.objects.filter(**lookups).order_by().values(grouped_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


def _campaign_counts() -> dict:
    """`invited`, `answered` (invitations answered) and `response_count` of each campaign."""
    return {
        "invited": _subquery_count(Invitation, campaign=OuterRef("pk")),
        "answered": _subquery_count(Invitation, campaign=OuterRef("pk"), answered_at__isnull=False),
        "response_count": _subquery_count(Response, campaign=OuterRef("pk")),
    }


def _first_day():
    return Subquery(Slot.objects.filter(session=OuterRef("session")).order_by("date").values("date")[:1])


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# Questionnaires
# ------------------------------------------------------------------------------


def questionnaire_list() -> QuerySet[Questionnaire]:
    """Questionnaires with `question_count`, `campaign_count` and `response_count` (no query per row)."""
    return Questionnaire.objects.annotate(
        question_count=_subquery_count(Question, questionnaire=OuterRef("pk")),
        campaign_count=_subquery_count(Campaign, questionnaire=OuterRef("pk")),
        response_count=_subquery_count(Response, campaign__questionnaire=OuterRef("pk")),
    )


def questionnaire_answered_question_ids(questionnaire: Questionnaire) -> set[int]:
    """The questions of this questionnaire that have at least one answer."""
    if questionnaire.pk is None:
        return set()
    return set(
        Answer.objects.filter(question__questionnaire=questionnaire).values_list("question_id", flat=True).distinct()
    )


def questionnaire_usage(questionnaire: Questionnaire) -> dict[str, int]:
    """How many campaigns and responses this questionnaire has (what its edit rules depend on)."""
    if questionnaire.pk is None:
        return {"campaigns": 0, "responses": 0}
    row = Questionnaire.objects.filter(pk=questionnaire.pk).aggregate(
        campaign_count=Count("campaigns", distinct=True), response_count=Count("campaigns__responses", distinct=True)
    )
    return {"campaigns": row["campaign_count"] or 0, "responses": row["response_count"] or 0}


# Campaigns
# ------------------------------------------------------------------------------


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns with `first_day` (of their session), `invited`, `answered` and `response_count`."""
    return Campaign.objects.select_related("session__course", "session__department", "questionnaire").annotate(
        first_day=_first_day(), **_campaign_counts()
    )


def campaign_for_results(*, campaign_id: int) -> Campaign:
    """One campaign with its questionnaire, session, course and counts (`Campaign.DoesNotExist` if none)."""
    return campaign_list().select_related("created_by").get(pk=campaign_id)


def campaign_subject(campaign: Campaign) -> str:
    """What the campaign is about: its session's code, or the year of a yearly survey."""
    if campaign.session_id:
        return campaign.session.code
    return _("Year %(year)s") % {"year": campaign.year}


def session_choices_for_launch(*, today: datetime.date | None = None) -> QuerySet[Session]:
    """Sessions a survey can be launched for: neither draft nor cancelled, from two years back."""
    today = today or timezone.localdate()
    return (
        Session.objects.exclude(status__in=(SessionStatus.DRAFT, SessionStatus.CANCELLED))
        .with_schedule()
        .filter(Q(first_day__gte=today - datetime.timedelta(days=730)) | Q(first_day__isnull=True))
        .select_related("course")
        .order_by("-first_day", "-code")
    )


def campaign_find(*, kind: str, session: Session | None = None, year: int | None = None) -> Campaign | None:
    """The campaign of this kind about this session (or year), if it was opened, with its `invited` count."""
    lookup = {"session": session} if session is not None else {"session__isnull": True, "year": year}
    return campaign_list().filter(kind=kind, **lookup).first()


def reminder_possible(invitation: Invitation, now: datetime.datetime) -> bool:
    """Whether a "remind now" would reach this person now (not answered, invited, not reminded lately).

    The service checks again under the row lock: this only tells the coordination what to expect.
    """
    if invitation.answered_at is not None or invitation.sent_at is None:
        return False
    last = invitation.last_reminded_at or invitation.sent_at
    return now - last >= MANUAL_REMINDER_GAP


def campaign_non_respondents(campaign: Campaign) -> list[Invitation]:
    """Who has not answered yet, by name, with their registration's person."""
    return list(
        campaign.invitations.filter(answered_at__isnull=True)
        .select_related("registration__user")
        .order_by("name", "email")
    )


# One question's figures
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One answer value and how many gave it, as a share of those who answered the question."""

    label: str
    count: int
    share: float
    satisfied: bool = False


@dataclass
class QuestionResult:
    question: Question
    n: int
    bars: list[Bar] = field(default_factory=list)
    satisfied_rate: float | None = None  # scale: share of 3 and 4
    yes_rate: float | None = None  # yes/no: share of "oui"
    mean: float | None = None  # score out of 10
    text_count: int = 0  # free text: how many wrote something

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def satisfied_count(self) -> int:
        return sum(bar.count for bar in self.bars if bar.satisfied)


def _bars(counts: Counter, labels: list[tuple[object, str]], n: int, satisfied=()) -> list[Bar]:
    return [
        Bar(
            label=label,
            count=counts.get(value, 0),
            share=counts.get(value, 0) / n if n else 0.0,
            satisfied=value in satisfied,
        )
        for value, label in labels
    ]


def question_result(question: Question, answers: list[tuple[int | None, str, list]]) -> QuestionResult:
    """The distribution of one question's answers, each given as (number, text, options chosen)."""
    kind = question.type
    if kind == QuestionType.TEXT:
        texts = [text for _number, text, _choices in answers if text.strip()]
        return QuestionResult(question=question, n=len(texts), text_count=len(texts))
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        chosen = [choices for _number, _text, choices in answers if choices]
        counts = Counter(option for choices in chosen for option in choices)
        offered = question.option_list
        extra = sorted(option for option in counts if option not in offered)  # options removed since
        n = len(chosen)
        return QuestionResult(
            question=question, n=n, bars=_bars(counts, [(option, option) for option in [*offered, *extra]], n)
        )
    numbers = [number for number, _text, _choices in answers if number is not None]
    counts, n = Counter(numbers), len(numbers)
    if kind == QuestionType.SCALE:
        labels = [(value, f"{value} — {label}") for value, label in SCALE_LABELS.items()]
        bars = _bars(counts, labels, n, satisfied=SCALE_SATISFIED)
        satisfied = sum(counts.get(value, 0) for value in SCALE_SATISFIED)
        return QuestionResult(question=question, n=n, bars=bars, satisfied_rate=ratio(satisfied, n))
    if kind == QuestionType.YES_NO:
        bars = _bars(counts, [(1, _("Yes")), (0, _("No"))], n, satisfied=(1,))
        return QuestionResult(question=question, n=n, bars=bars, yes_rate=ratio(counts.get(1, 0), n))
    bars = _bars(counts, [(value, str(value)) for value in range(11)], n)
    return QuestionResult(question=question, n=n, bars=bars, mean=sum(numbers) / n if n else None)


def answer_is_low(question: Question, number: int | None) -> bool:
    """Whether an answer calls for a look: a scale at 1 or 2, a score of 6 or less, a "non" about
    the needs, the objectives or putting into practice. Positioning answers are levels, not opinions."""
    if number is None or question.indicator == Indicator.POSITIONING:
        return False
    if question.type == QuestionType.SCALE:
        return number not in SCALE_SATISFIED
    if question.type == QuestionType.SCORE:
        return number <= SCORE_LOW_MAX
    if question.type == QuestionType.YES_NO:
        return number == 0 and question.indicator in YES_NO_LOW_INDICATORS
    return False


def answer_label(question: Question, number: int | None, text: str = "", choices=()) -> str:
    if question.type == QuestionType.SCALE and number in SCALE_LABELS:
        return f"{number} — {SCALE_LABELS[number]}"
    if question.type == QuestionType.YES_NO and number is not None:
        return _("Yes") if number else _("No")
    if question.type == QuestionType.SCORE and number is not None:
        return f"{number} / 10"
    if choices:
        return ", ".join(choices)
    return text


# One campaign
# ------------------------------------------------------------------------------


@dataclass
class ResponseReview:
    """A response with a comment or a low answer: what the coordination may act on."""

    response_id: int
    who: str  # empty for an anonymous questionnaire
    email: str
    submitted_at: datetime.datetime | None  # None for an anonymous questionnaire
    low_answers: list[tuple[str, str]]  # (question, answer)
    comments: list[tuple[str, str]]  # (question, text)
    actions: list[ImprovementAction] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)


@dataclass
class CampaignResults:
    campaign: Campaign
    invited: int
    answered: int
    responses: int
    questions: list[QuestionResult]
    reviews: list[ResponseReview]
    non_respondents: list[Invitation]

    @property
    def rate(self) -> float | None:
        return ratio(self.answered, self.invited)

    @property
    def anonymous(self) -> bool:
        return self.campaign.questionnaire.anonymous


def _respondent(response: Response) -> tuple[str, str]:
    """The name and e-mail of a (non-anonymous) response's author."""
    invitation = response.invitation
    if response.registration_id:
        user = response.registration.user
        return user.get_full_name() or user.email, user.email
    if invitation is not None:
        return invitation.name or invitation.email, invitation.email
    return "", ""


def _reviews(questions: dict[int, Question], answers: list[dict], responses: dict[int, Response], anonymous: bool):
    by_response: dict[int, ResponseReview] = {}
    for row in answers:
        question = questions.get(row["question_id"])
        if question is None:
            continue
        is_comment = question.type == QuestionType.TEXT and row["text"].strip()
        is_low = answer_is_low(question, row["number"])
        if not (is_comment or is_low):
            continue
        review = by_response.get(row["response_id"])
        if review is None:
            response = responses[row["response_id"]]
            who, email = ("", "") if anonymous else _respondent(response)
            review = by_response[row["response_id"]] = ResponseReview(
                response_id=response.pk,
                who=who,
                email=email,
                submitted_at=None if anonymous else response.submitted_at,
                low_answers=[],
                comments=[],
                actions=list(response.improvement_actions.all()),
                complaints=list(response.complaints.all()),
            )
        if is_comment:
            review.comments.append((question.text, row["text"].strip()))
        else:
            review.low_answers.append((question.text, answer_label(question, row["number"])))
    reviews = list(by_response.values())
    if anonymous:  # an order by time would hint at who wrote what
        reviews.sort(key=lambda review: ([text.casefold() for _q, text in review.comments], review.low_answers))
    else:
        reviews.sort(key=lambda review: review.submitted_at, reverse=True)
    return reviews


def campaign_results(*, campaign: Campaign) -> CampaignResults:
    """A campaign's response rate, each question's distribution, the responses to look at (comments,
    low answers, with the actions and complaints already opened from them) and who has not answered.
    `campaign` comes from `campaign_for_results` (its counts annotated)."""
    questionnaire = campaign.questionnaire
    questions = {question.pk: question for question in questionnaire.questions.order_by("sort_order", "pk")}
    answers = list(
        Answer.objects.filter(response__campaign=campaign).values(
            "response_id", "question_id", "number", "text", "choices"
        )
    )
    by_question = defaultdict(list)
    for row in answers:
        by_question[row["question_id"]].append((row["number"], row["text"], row["choices"]))
    results = [question_result(question, by_question.get(pk, [])) for pk, question in questions.items()]

    review_ids = {
        row["response_id"]
        for row in answers
        if row["question_id"] in questions
        and (
            (questions[row["question_id"]].type == QuestionType.TEXT and row["text"].strip())
            or answer_is_low(questions[row["question_id"]], row["number"])
        )
    }
    responses = {
        response.pk: response
        for response in Response.objects.filter(pk__in=review_ids)
        .select_related("registration__user", "invitation")
        .prefetch_related(
            Prefetch("improvement_actions", queryset=ImprovementAction.objects.order_by("created_at")),
            Prefetch("complaints", queryset=Complaint.objects.order_by("received_at")),
        )
    }
    return CampaignResults(
        campaign=campaign,
        invited=campaign.invited,
        answered=campaign.answered,
        responses=campaign.response_count,
        questions=results,
        reviews=_reviews(questions, answers, responses, questionnaire.anonymous),
        non_respondents=campaign_non_respondents(campaign),
    )


def response_for_quality(*, response_id: int) -> Response:
    """A response with what a complaint or an improvement action made from it needs."""
    return (
        Response.objects.select_related(
            "campaign__questionnaire", "campaign__session__course", "registration__user", "invitation"
        )
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question")))
        .get(pk=response_id)
    )


# Results across campaigns
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsFilter:
    """What the coordination looks at: one questionnaire's campaigns and the sessions they cover.

    The period is on the sessions' first day (a yearly survey counts in its year); empty means any.
    """

    questionnaire: Questionnaire | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    course_id: int | None = None
    trainer_id: int | None = None
    department: Department | None = None
    funding: str = ""

    @property
    def on_sessions(self) -> bool:
        """Whether a filter only a session has applies (yearly surveys are then left out)."""
        return bool(self.course_id or self.trainer_id or self.department or self.funding)


def campaigns_in_scope(filters: ResultsFilter) -> QuerySet[Campaign]:
    """The campaigns the filter covers, whatever their questionnaire; never a cancelled session's."""
    campaigns = Campaign.objects.exclude(session__status=SessionStatus.CANCELLED).annotate(first_day=_first_day())
    session_scope = Q(session__isnull=False)
    year_scope = Q(session__isnull=True)
    if filters.date_from:
        session_scope &= Q(first_day__gte=filters.date_from)
        year_scope &= Q(year__gte=filters.date_from.year)
    if filters.date_to:
        session_scope &= Q(first_day__lte=filters.date_to)
        year_scope &= Q(year__lte=filters.date_to.year)
    if filters.course_id:
        session_scope &= Q(session__course_id=filters.course_id)
    if filters.department:
        session_scope &= Q(session__department=filters.department)
    if filters.funding:
        session_scope &= Q(session__funding=filters.funding)
    if filters.trainer_id:
        session_scope &= Q(session__trainers=filters.trainer_id)
    return campaigns.filter(session_scope if filters.on_sessions else session_scope | year_scope)


@dataclass(frozen=True)
class IndicatorResult:
    """A standard indicator over the scope (`evaluations.indicators`, the definitions of the yearly
    report): its rate, how many answered its question, the response rate of its survey."""

    indicator: str
    label: str
    rate: float | None
    n: int
    response_rate: float | None
    invitations: int


@dataclass
class GroupRow:
    label: str
    satisfied: int
    n: int
    invited: int
    answered: int
    responses: int
    campaign_id: int | None = None  # the "par session" rows link to their campaign

    @property
    def rate(self) -> float | None:
        return ratio(self.satisfied, self.n)

    @property
    def response_rate(self) -> float | None:
        return ratio(self.answered, self.invited)


@dataclass
class CommentRow:
    response_id: int
    campaign_id: int
    subject: str
    question: str
    text: str
    who: str
    submitted_at: datetime.datetime | None


@dataclass
class Results:
    filters: ResultsFilter
    questionnaire: Questionnaire | None
    campaign_count: int
    invited: int
    answered: int
    responses: int
    indicators: dict
    questions: list[QuestionResult]
    headline: Question | None
    groups: dict[str, list[GroupRow]]
    comments: list[CommentRow]
    comment_count: int

    @property
    def response_rate(self) -> float | None:
        return ratio(self.answered, self.invited)


# The widest period, when the filter gives no date (the indicators need one).
_EARLIEST, _LATEST = datetime.date(2000, 1, 1), datetime.date(2999, 12, 31)


def standard_indicators(filters: ResultsFilter) -> dict:
    """The yearly report's survey indicators over the filter's sessions (held ones, whatever the
    questionnaire chosen), computed by `evaluations.indicators` so that every figure has one
    definition: `sessions`, `trainees` and `rates`, a list of `IndicatorResult`."""
    figures = indicators_for_period(
        first_day=filters.date_from or _EARLIEST,
        last_day=filters.date_to or _LATEST,
        filters=IndicatorFilters(
            funding=filters.funding,
            department=filters.department.code if filters.department else "",
            course=filters.course_id,
            trainer=filters.trainer_id,
        ),
    )
    hot, cold = figures["hot"], figures["cold"]
    labels = dict(Indicator.choices)

    def rate(indicator, value, n, survey):
        return IndicatorResult(
            indicator=indicator,
            label=str(labels[indicator]),
            rate=value,
            n=n,
            response_rate=survey["response_rate"],
            invitations=survey["invitations"],
        )

    return {
        "sessions": figures["sessions"]["total"],
        "trainees": figures["trainees"],
        "rates": [
            rate(Indicator.EXPECTATIONS, hot["expectations_rate"], hot["n"], hot),
            rate(Indicator.OBJECTIVES, hot["objectives_rate"], hot["objectives_n"], hot),
            rate(Indicator.NEEDS_MET, cold["needs_met_rate"], cold["n"], cold),
            rate(Indicator.PRACTICE, cold["practice_rate"], cold["practice_n"], cold),
        ],
    }


def headline_question(questions) -> Question | None:
    """The question the grouped tables rate: the first that feeds a headline indicator, else the
    first scale or yes/no question."""
    rated = [question for question in questions if question.type in (QuestionType.SCALE, QuestionType.YES_NO)]
    for indicator in HEADLINE_INDICATORS:
        for question in rated:
            if question.indicator == indicator:
                return question
    return rated[0] if rated else None


def _is_satisfied(question_type: str, number) -> bool:
    if question_type == QuestionType.SCALE:
        return number in SCALE_SATISFIED
    return number == 1


def _group_rows(frame: pd.DataFrame, key: str, label: str, link: bool = False) -> list[GroupRow]:
    if frame.empty:
        return []
    grouped = (
        frame.groupby([key, label], dropna=True)[["satisfied", "n", "invited", "answered", "responses"]]
        .sum()
        .reset_index()
        .sort_values(label, key=lambda column: column.str.casefold())
    )
    first_campaign = frame.groupby(key)["campaign_id"].first() if link else None
    return [
        GroupRow(
            label=row[label],
            satisfied=int(row["satisfied"]),
            n=int(row["n"]),
            invited=int(row["invited"]),
            answered=int(row["answered"]),
            responses=int(row["responses"]),
            campaign_id=int(first_campaign[row[key]]) if link else None,
        )
        for row in grouped.to_dict("records")
    ]


def _groups(campaign_rows: list[dict], trainer_rows: list[dict], headline: Question | None, answers: list[dict]):
    """The headline question's satisfied rate, n and response rate per session, course, trainer, département."""
    if not campaign_rows:
        return {"session": [], "course": [], "trainer": [], "department": []}
    campaigns = pd.DataFrame(campaign_rows)
    campaigns = campaigns[campaigns["session_id"].notna()].copy()
    for column in ("session_id", "session__course_id", "session__department_id"):
        campaigns[column] = campaigns[column].astype("int64")
    headline_answers = pd.DataFrame(
        [
            {"campaign_id": row["campaign_id"], "satisfied": int(_is_satisfied(headline.type, row["number"]))}
            for row in answers
            if headline is not None and row["question_id"] == headline.pk and row["number"] is not None
        ],
        columns=["campaign_id", "satisfied"],
    )
    scores = headline_answers.groupby("campaign_id").agg(satisfied=("satisfied", "sum"), n=("satisfied", "size"))
    campaigns = campaigns.merge(scores, how="left", left_on="id", right_index=True)
    campaigns[["satisfied", "n"]] = campaigns[["satisfied", "n"]].fillna(0)
    campaigns = campaigns.rename(columns={"id": "campaign_id"})
    campaigns["session_label"] = campaigns["session__code"] + " — " + campaigns["session__course__title"]
    trainers = pd.DataFrame(trainer_rows, columns=["session_id", "trainer_id", "trainer_name"])
    by_trainer = campaigns.merge(trainers, on="session_id")
    sessions = _group_rows(campaigns, "session_id", "session_label", link=True)
    return {
        "session": sessions,
        "course": _group_rows(campaigns, "session__course_id", "session__course__title"),
        "trainer": _group_rows(by_trainer, "trainer_id", "trainer_name"),
        "department": _group_rows(campaigns, "session__department_id", "session__department__name"),
    }


def _who(row: dict) -> str:
    full_name = f"{row['response__registration__user__first_name'] or ''} {row['response__registration__user__last_name'] or ''}"
    return full_name.strip() or row["response__invitation__name"] or row["response__invitation__email"] or ""


def results_overview(*, filters: ResultsFilter) -> Results:
    """The standard indicators over the scope, and the chosen questionnaire's questions, grouped
    tables and comments. Six queries, whatever the number of campaigns and answers."""
    scope = campaigns_in_scope(filters)
    campaign_rows = list(
        scope.annotate(**_campaign_counts()).values(
            "id",
            "questionnaire_id",
            "kind",
            "session_id",
            "year",
            "session__code",
            "session__course_id",
            "session__course__title",
            "session__department_id",
            "session__department__name",
            "first_day",
            "invited",
            "answered",
            "response_count",
        )
    )
    for row in campaign_rows:
        row["responses"] = row.pop("response_count")
    indicators = standard_indicators(filters)

    questionnaire = filters.questionnaire
    chosen = [row for row in campaign_rows if questionnaire is not None and row["questionnaire_id"] == questionnaire.pk]
    chosen_ids = [row["id"] for row in chosen]
    questions = list(questionnaire.questions.order_by("sort_order", "pk")) if questionnaire else []
    answers = list(
        Answer.objects.filter(response__campaign__in=chosen_ids)
        .order_by("-response__submitted_at", "response_id")
        .values(
            "response_id",
            "question_id",
            "number",
            "text",
            "choices",
            "response__campaign_id",
            "response__submitted_at",
            "response__registration__user__first_name",
            "response__registration__user__last_name",
            "response__invitation__name",
            "response__invitation__email",
        )
    )
    for row in answers:
        row["campaign_id"] = row["response__campaign_id"]
    by_question = defaultdict(list)
    for row in answers:
        by_question[row["question_id"]].append((row["number"], row["text"], row["choices"]))
    question_results = [question_result(question, by_question.get(question.pk, [])) for question in questions]

    headline = headline_question(questions)
    session_ids = {row["session_id"] for row in chosen if row["session_id"]}
    trainer_rows = [
        {"session_id": row["session_id"], "trainer_id": row["trainer_id"], "trainer_name": row["name"]}
        for row in Session.trainers.through.objects.filter(session_id__in=session_ids).values(
            "session_id", "trainer_id", "trainer__first_name", "trainer__last_name"
        )
        for row in [{**row, "name": f"{row['trainer__first_name']} {row['trainer__last_name']}".strip()}]
    ]
    groups = _groups(chosen, trainer_rows, headline, answers)

    text_questions = {question.pk: question for question in questions if question.type == QuestionType.TEXT}
    subjects = {row["id"]: row["session__code"] or str(row["year"]) for row in chosen}
    anonymous = bool(questionnaire and questionnaire.anonymous)
    comments = [
        CommentRow(
            response_id=row["response_id"],
            campaign_id=row["campaign_id"],
            subject=subjects.get(row["campaign_id"], ""),
            question=text_questions[row["question_id"]].text,
            text=row["text"].strip(),
            who="" if anonymous else _who(row),
            submitted_at=None if anonymous else row["response__submitted_at"],
        )
        for row in answers
        if row["question_id"] in text_questions and row["text"].strip()
    ]
    if anonymous:
        comments.sort(key=lambda comment: (comment.subject, comment.text.casefold()))
    return Results(
        filters=filters,
        questionnaire=questionnaire,
        campaign_count=len(chosen),
        invited=sum(row["invited"] for row in chosen),
        answered=sum(row["answered"] for row in chosen),
        responses=sum(row["responses"] for row in chosen),
        indicators=indicators,
        questions=question_results,
        headline=headline,
        groups=groups,
        comments=comments[:COMMENTS_SHOWN],
        comment_count=len(comments),
    )


# Before / after: the same trainees at the end of the training and six months later
# ------------------------------------------------------------------------------


@dataclass
class BeforeAfterRow:
    registration_id: int
    name: str
    email: str
    session_code: str
    hot_campaign_id: int
    cold_campaign_id: int
    expectations: int | None  # 1–4, at the end of the training
    needs_met: int | None  # 1 = oui, six months later
    practice: int | None  # 1 = oui, six months later

    @property
    def dissatisfied(self) -> bool:
        return self.expectations is not None and self.expectations not in SCALE_SATISFIED

    @property
    def expectations_label(self) -> str:
        return f"{self.expectations} — {SCALE_LABELS[self.expectations]}" if self.expectations in SCALE_LABELS else ""


@dataclass
class BeforeAfter:
    rows: list[BeforeAfterRow]

    @property
    def dissatisfied(self) -> int:
        """Answered 1 or 2 on their expectations at the end of the training."""
        return sum(1 for row in self.rows if row.dissatisfied)

    @property
    def dissatisfied_no_practice(self) -> int:
        """Of those, how many put nothing into practice six months later."""
        return sum(1 for row in self.rows if row.dissatisfied and row.practice == 0)

    @property
    def satisfied(self) -> int:
        return sum(1 for row in self.rows if row.expectations in SCALE_SATISFIED)

    @property
    def satisfied_practice(self) -> int:
        return sum(1 for row in self.rows if row.expectations in SCALE_SATISFIED and row.practice == 1)


def before_after(*, filters: ResultsFilter) -> BeforeAfter:
    """The trainees who answered both the end-of-training and the six-month survey of the same
    session (through their registration; anonymous questionnaires are left out): their expectations
    score then, their needs met and practice since. Two queries."""
    scope = campaigns_in_scope(filters).filter(
        kind__in=(QuestionnaireKind.HOT, QuestionnaireKind.COLD), questionnaire__anonymous=False
    )
    responses = list(
        Response.objects.filter(campaign__in=scope.values("pk"), registration__isnull=False).values(
            "pk",
            "registration_id",
            "campaign_id",
            "campaign__kind",
            "campaign__session__code",
            "registration__user__first_name",
            "registration__user__last_name",
            "registration__user__email",
        )
    )
    frame = pd.DataFrame(
        responses,
        columns=[
            "pk",
            "registration_id",
            "campaign_id",
            "campaign__kind",
            "campaign__session__code",
            "registration__user__first_name",
            "registration__user__last_name",
            "registration__user__email",
        ],
    )
    kinds = frame.groupby("registration_id")["campaign__kind"].nunique() if not frame.empty else pd.Series()
    both = set(kinds[kinds == 2].index)
    if not both:
        return BeforeAfter(rows=[])
    frame = frame[frame["registration_id"].isin(both)]
    values = defaultdict(dict)
    for row in Answer.objects.filter(
        response_id__in=[int(pk) for pk in frame["pk"]],
        question__indicator__in=(Indicator.EXPECTATIONS, Indicator.NEEDS_MET, Indicator.PRACTICE),
    ).values("response_id", "question__indicator", "number"):
        values[row["response_id"]][row["question__indicator"]] = row["number"]
    rows = []
    for registration_id, group in frame.groupby("registration_id"):
        hot = group[group["campaign__kind"] == QuestionnaireKind.HOT].iloc[0]
        cold = group[group["campaign__kind"] == QuestionnaireKind.COLD].iloc[0]
        name = f"{hot['registration__user__first_name']} {hot['registration__user__last_name']}".strip()
        rows.append(
            BeforeAfterRow(
                registration_id=int(registration_id),
                name=name or hot["registration__user__email"],
                email=hot["registration__user__email"],
                session_code=hot["campaign__session__code"],
                hot_campaign_id=int(hot["campaign_id"]),
                cold_campaign_id=int(cold["campaign_id"]),
                expectations=values[int(hot["pk"])].get(Indicator.EXPECTATIONS),
                needs_met=values[int(cold["pk"])].get(Indicator.NEEDS_MET),
                practice=values[int(cold["pk"])].get(Indicator.PRACTICE),
            )
        )
    rows.sort(key=lambda row: (row.expectations if row.expectations is not None else 9, row.session_code, row.name))
    return BeforeAfter(rows=rows)
