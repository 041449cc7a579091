"""Forms of the surveys' back office: the questionnaire editor and its rules, launching a survey,
adding a person, reminding, the results filter, and the quality registers' forms."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail.admin.forms import WagtailAdminModelForm

from accounts.models import Department
from cms.models import CoursePage
from training.choices import Funding
from training.models import Trainer

from .choices import Indicator, QuestionnaireKind, QuestionType
from .exceptions import SurveyError
from .models import Questionnaire
from .results import (
    ResultsFilter,
    questionnaire_answered_question_ids,
    questionnaire_usage,
    session_choices_for_launch,
)

CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)
# The types of answer each indicator can count (`evaluations.indicators` counts a scale's 3–4 and a "oui").
RATED = (QuestionType.SCALE, QuestionType.YES_NO)
INDICATOR_TYPES = {
    Indicator.EXPECTATIONS: RATED,
    Indicator.OBJECTIVES: RATED,
    Indicator.NEEDS_MET: RATED,
    Indicator.PRACTICE: RATED,
    Indicator.POSITIONING: RATED,
    Indicator.GROUP_FIT: RATED,
    Indicator.CLIENT_FIT: RATED,
    Indicator.RECOMMEND: (QuestionType.SCORE, QuestionType.SCALE),
    Indicator.COMMENT: (QuestionType.TEXT,),
}


def survey_error_to_form(form: forms.Form, error: SurveyError, fields: dict[str, str]) -> None:
    """Show a service's refusal on the form field its code concerns (else above the form)."""
    form.add_error(fields.get(error.code), error.message)


def staff_users():
    """The people who work in the back office: those an action or a complaint can be given to."""
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="access_admin")
            | Q(user_permissions__codename="access_admin"),
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


# Questionnaires
# ------------------------------------------------------------------------------


class QuestionnaireAdminForm(WagtailAdminModelForm):
    """The questionnaire and its questions, with the rules that keep the answers readable.

    - Once people answered a question, it cannot be deleted and its key and type cannot change
      (the coordination adds a question, or duplicates the questionnaire).
    - Once the questionnaire has responses, it cannot switch between anonymous and named; once it
      has campaigns, its kind cannot change.
    - Options are given, one per line, for a choice, and only for a choice.
    - Keys are slugs, unique in the questionnaire (the formset checks the unique constraint); an
      indicator is fed by one question, of a type it can count.
    - One questionnaire per kind is used for new campaigns.
    """

    def clean(self):
        cleaned_data = super().clean()
        usage = questionnaire_usage(self.instance)
        if usage["campaigns"] and "kind" in self.changed_data:
            self.add_error(
                "kind",
                _("This questionnaire was already sent: its kind cannot change. Duplicate it to make another one."),
            )
        if usage["responses"] and "anonymous" in self.changed_data:
            self.add_error(
                "anonymous",
                _(
                    "People have already answered: the questionnaire cannot become anonymous or named now. "
                    "Duplicate it and change the copy."
                ),
            )
        kind, is_active = cleaned_data.get("kind"), cleaned_data.get("is_active")
        if is_active and kind:
            other = Questionnaire.objects.filter(kind=kind, is_active=True).exclude(pk=self.instance.pk).first()
            if other is not None:
                self.add_error(
                    "is_active",
                    _(
                        "“%(title)s” is already used for the new campaigns of this kind: untick it there first "
                        "(its results stay)."
                    )
                    % {"title": other.title},
                )
        self._clean_questions(answered=questionnaire_answered_question_ids(self.instance))
        return cleaned_data

    def _clean_questions(self, *, answered: set[int]) -> None:
        formset = self.formsets["questions"]
        formset.is_valid()  # clean each question first; the errors added below are theirs
        indicators: dict[str, forms.Form] = {}
        kept = 0
        for form in formset.forms:
            question = form.instance
            if formset.can_delete and formset._should_delete_form(form):
                if question.pk in answered:
                    self.add_error(
                        None,
                        _(
                            "The question “%(key)s” has answers: it cannot be deleted. Make it optional, or "
                            "duplicate the questionnaire and delete it from the copy."
                        )
                        % {"key": form.initial.get("key", question.key)},
                    )
                continue
            if not form.has_changed() and question.pk is None:
                continue  # an empty new question left blank
            kept += 1
            data = form.cleaned_data
            if question.pk in answered:
                for name, message in (
                    ("key", _("This question has answers: its key cannot change (exports and indicators use it).")),
                    ("type", _("This question has answers: its type of answer cannot change.")),
                ):
                    if name in data and data[name] != form.initial.get(name):
                        form.add_error(name, message)
            kind, indicator = data.get("type"), data.get("indicator")
            if kind and "options" in data:
                options = [line.strip() for line in data["options"].splitlines() if line.strip()]
                if kind in CHOICE_TYPES and len(set(options)) < 2:
                    form.add_error("options", _("Give at least two options, one per line."))
                elif kind not in CHOICE_TYPES and options:
                    form.add_error(
                        "options",
                        _("Options are for a single or multiple choice: empty this field or change the type."),
                    )
            if kind and indicator:
                if kind not in INDICATOR_TYPES[indicator]:
                    allowed = ", ".join(str(QuestionType(value).label) for value in INDICATOR_TYPES[indicator])
                    form.add_error(
                        "indicator",
                        _("This indicator counts answers of these types only: %(types)s.") % {"types": allowed},
                    )
                elif indicator != Indicator.COMMENT:
                    if indicator in indicators:
                        form.add_error("indicator", _("Another question of this questionnaire feeds this indicator."))
                    indicators.setdefault(indicator, form)
        if not kept:
            self.add_error(None, _("A questionnaire needs at least one question."))


# Campaigns
# ------------------------------------------------------------------------------


class _SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session):
        day = session.first_day.strftime("%d/%m/%Y") if session.first_day else _("no date yet")
        return f"{session.code} — {session.course.title} ({day})"


class CampaignLaunchForm(forms.Form):
    """Launch a survey now: a session's (or, for the funders, a year's)."""

    kind = forms.ChoiceField(label=gettext_lazy("Survey"), choices=QuestionnaireKind.choices)
    session = _SessionChoiceField(
        label=gettext_lazy("Session"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Choose a session"),
        help_text=gettext_lazy("Sessions neither draft nor cancelled, most recent first."),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=2000,
        max_value=2999,
        help_text=gettext_lazy("For the funders' yearly survey only."),
    )

    # Where each refusal of `campaign_open` is shown.
    ERROR_FIELDS = {
        "no_questionnaire": "kind",
        "not_intra": "kind",
        "session_not_held": "session",
        "campaign_subject_missing": "session",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = session_choices_for_launch()

    def clean(self):
        cleaned_data = super().clean()
        kind, session, year = cleaned_data.get("kind"), cleaned_data.get("session"), cleaned_data.get("year")
        if kind == QuestionnaireKind.FUNDER:
            if session is not None:
                self.add_error("session", _("The funders' survey is about a year, not a session: leave this empty."))
            if year is None and "year" not in self.errors:
                self.add_error("year", _("Give the year the funders' survey is about."))
        elif kind:
            if session is None and "session" not in self.errors:
                self.add_error("session", _("Choose the session this survey is about."))
            cleaned_data["year"] = None
        return cleaned_data


class InvitationAddForm(forms.Form):
    """Invite one more person (a funder's contact, someone forgotten) to an open campaign."""

    email = forms.EmailField(label=gettext_lazy("E-mail address"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)

    ERROR_FIELDS = {"already_invited": "email", "opted_out": "email"}


class RemindForm(forms.Form):
    """Remind everyone who has not answered, or the people ticked."""

    ALL, SELECTED = "all", "selected"

    invitations = forms.ModelMultipleChoiceField(queryset=None, required=False)
    scope = forms.ChoiceField(choices=[(ALL, ALL), (SELECTED, SELECTED)])

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitations"].queryset = campaign.invitations.filter(answered_at__isnull=True)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("scope") == self.SELECTED and not cleaned_data.get("invitations"):
            raise forms.ValidationError(_("Tick the people to remind first."), code="nobody_selected")
        return cleaned_data

    def invitation_ids(self) -> list[int] | None:
        """The invitations chosen, or None for everyone who has not answered."""
        if self.cleaned_data["scope"] == self.ALL:
            return None
        return [invitation.pk for invitation in self.cleaned_data["invitations"]]


# Results
# ------------------------------------------------------------------------------


def _years() -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    return [("", gettext_lazy("Any year"))] + [(str(year), str(year)) for year in range(this_year + 1, 2014, -1)]


class _QuestionnaireChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, questionnaire):
        state = _("in use") if questionnaire.is_active else _("not in use")
        return f"{questionnaire.title} — {questionnaire.get_kind_display()} · {state}"


class _TrainerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, trainer):
        return f"{trainer.last_name} {trainer.first_name}"


class ResultsFilterForm(forms.Form):
    """Which answers the results count: one questionnaire, a period of the sessions' first day (a
    year or dates), a course, a trainer, a département, a funding."""

    questionnaire = _QuestionnaireChoiceField(
        label=gettext_lazy("Questionnaire"),
        queryset=Questionnaire.objects.order_by("kind", "-is_active", "title"),
        required=False,
        empty_label=gettext_lazy("Standard indicators only"),
        help_text=gettext_lazy("Its questions, grouped tables and comments are shown."),
    )
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), choices=_years, coerce=int, required=False)
    date_from = forms.DateField(
        label=gettext_lazy("Sessions starting from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("Sessions starting until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    course = forms.ModelChoiceField(
        label=gettext_lazy("Course"),
        queryset=CoursePage.objects.order_by("title"),
        required=False,
        empty_label=gettext_lazy("All courses"),
    )
    trainer = _TrainerChoiceField(
        label=gettext_lazy("Trainer"),
        queryset=Trainer.objects.order_by("last_name", "first_name"),
        required=False,
        empty_label=gettext_lazy("All trainers"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Département"),
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label=gettext_lazy("All départements"),
    )
    funding = forms.ChoiceField(
        label=gettext_lazy("Funding"),
        choices=[("", gettext_lazy("All fundings")), *Funding.choices],
        required=False,
    )

    @classmethod
    def defaults(cls) -> dict:
        """The first view: the end-of-training questionnaire in use, this year's sessions."""
        questionnaire = Questionnaire.objects.filter(kind=QuestionnaireKind.HOT, is_active=True).first()
        return {"questionnaire": questionnaire.pk if questionnaire else "", "year": timezone.localdate().year}

    def clean(self):
        cleaned_data = super().clean()
        year, date_from, date_to = cleaned_data.get("year"), cleaned_data.get("date_from"), cleaned_data.get("date_to")
        if year and (date_from or date_to):
            raise forms.ValidationError(_("Choose a year or dates, not both."), code="year_and_dates")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return cleaned_data

    def to_filters(self) -> ResultsFilter:
        data = self.cleaned_data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if data.get("year"):
            date_from, date_to = datetime.date(data["year"], 1, 1), datetime.date(data["year"], 12, 31)
        return ResultsFilter(
            questionnaire=data.get("questionnaire"),
            date_from=date_from,
            date_to=date_to,
            course_id=data["course"].pk if data.get("course") else None,
            trainer_id=data["trainer"].pk if data.get("trainer") else None,
            department=data.get("department"),
            funding=data.get("funding") or "",
        )


# Quality registers
# ------------------------------------------------------------------------------


class QualityRecordAdminForm(WagtailAdminModelForm):
    """An improvement action or a complaint: its owner is someone of the back office."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = staff_users()
