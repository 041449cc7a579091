"""The answer form of a questionnaire, built from its questions.

Each question is one field named by its key. A field keeps the raw value as posted (a choice, a
list of options, a text) and checks it with the surveys' own rule, `answers_clean` (that is
`answer_value_clean` plus "a required question needs an answer"): the form never has a second
idea of what a valid answer is, and `response_submit` checks the same values again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from .choices import SCALE_LABELS, QuestionType
from .exceptions import SurveyError
from .models import Question
from .services.responses import answers_clean

YES_NO_CHOICES = [("oui", _("Yes")), ("non", _("No"))]
SCORE_CHOICES = [(str(score), str(score)) for score in range(11)]

# The types answered by picking among options: a group of radios or checkboxes in a fieldset.
CHOICE_TYPES = (QuestionType.SCALE, QuestionType.YES_NO, QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SCORE)


def _widget(question: Question) -> forms.Widget:
    kind = question.type
    if kind == QuestionType.SCALE:
        return forms.RadioSelect(choices=[(str(value), label) for value, label in SCALE_LABELS.items()])
    if kind == QuestionType.YES_NO:
        return forms.RadioSelect(choices=YES_NO_CHOICES)
    if kind == QuestionType.SCORE:
        return forms.RadioSelect(choices=SCORE_CHOICES)
    if kind == QuestionType.SINGLE:
        return forms.RadioSelect(choices=[(option, option) for option in question.option_list])
    if kind == QuestionType.MULTIPLE:
        return forms.CheckboxSelectMultiple(choices=[(option, option) for option in question.option_list])
    return forms.Textarea(attrs={"rows": 5})


class AnswerBoundField(BoundField):
    """A question as the template shows it: a fieldset of options, or a labelled text box."""

    @property
    def question(self) -> Question:
        return self.field.question

    @property
    def is_choice(self) -> bool:
        return self.question.type in CHOICE_TYPES

    @property
    def first_control_id(self) -> str:
        """Where a link to this question leads: its first option, or its text box."""
        return f"{self.auto_id}_0" if self.is_choice else self.auto_id

    @property
    def fieldset_describedby(self) -> str:
        """What describes a group of options (its fieldset): the score's ends, the help, the error."""
        ids = []
        if self.question.type == QuestionType.SCORE:
            ids.append(f"{self.auto_id}_ends")
        if self.help_text:
            ids.append(f"{self.auto_id}_helptext")
        if self.errors:
            ids.append(f"{self.auto_id}_error")
        return " ".join(ids)


class AnswerField(forms.Field):
    """The answer to one question, as posted; `clean` applies the service's rule to it."""

    bound_field_class = AnswerBoundField

    def __init__(self, *, question: Question):
        self.question = question
        super().__init__(
            required=question.required,
            label=question.text,
            help_text=question.help_text,
            widget=_widget(question),
        )

    def clean(self, value):
        try:
            answers_clean([self.question], {self.question.key: value})
        except SurveyError as error:
            raise ValidationError(error.message, code=error.code) from None
        return value


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: the message, and the control the link leads to."""

    target_id: str
    label: str
    message: str


class SurveyAnswerForm(forms.Form):
    """One field per question of the questionnaire, in its order."""

    def __init__(self, data=None, *, questions, initial=None):
        super().__init__(data, initial=initial)
        for question in questions:
            self.fields[question.key] = AnswerField(question=question)

    def values(self) -> dict:
        """The answers to hand to `response_submit` (question key → raw value)."""
        return dict(self.cleaned_data)

    def error_links(self) -> list[ErrorLink]:
        """The error summary: one link per question in error, to its first control, in the page's order."""
        links = []
        for bound in self:
            if bound.errors:
                links.extend(ErrorLink(bound.first_control_id, bound.label, message) for message in bound.errors)
        return links
