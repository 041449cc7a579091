"""Questionnaires as the coordination edits them.

Once people have answered a question, its key and type stay as they are (imports, exports and
indicators rely on the key; the answers stored are of that type), and it cannot be deleted: the
coordination adds new questions, or duplicates the questionnaire and changes the copy, which is
used for the campaigns opened once it is made active. The form of the back office enforces those
rules (`evaluations.admin_forms.QuestionnaireAdminForm`).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..exceptions import SurveyError
from ..models import Question, Questionnaire

_SLUG_MAX = Questionnaire._meta.get_field("slug").max_length
_TITLE_MAX = Questionnaire._meta.get_field("title").max_length


def _free_slug(slug: str) -> str:
    """`<slug>-copie`, or `<slug>-copie-2`, `-3`… the first code not taken."""
    base = f"{slug[: _SLUG_MAX - len('-copie-99')]}-copie"
    taken = set(Questionnaire.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def questionnaire_duplicate(*, questionnaire: Questionnaire) -> Questionnaire:
    """A copy of the questionnaire and its questions, not in use, under a free code.

    The original keeps its campaigns and their results; the copy starts with none. Code:
    `copy_failed` (no free code after a few concurrent attempts).
    """
    title = _("Copy of %(title)s") % {"title": questionnaire.title}
    questions = list(questionnaire.questions.order_by("sort_order", "pk"))
    for _attempt in range(3):  # a code taken concurrently: take the next one
        try:
            with transaction.atomic():
                copy = Questionnaire.objects.create(
                    title=title[:_TITLE_MAX],
                    slug=_free_slug(questionnaire.slug),
                    kind=questionnaire.kind,
                    introduction=questionnaire.introduction,
                    anonymous=questionnaire.anonymous,
                    is_active=False,
                )
                Question.objects.bulk_create(
                    Question(
                        questionnaire=copy,
                        sort_order=position,
                        key=question.key,
                        text=question.text,
                        help_text=question.help_text,
                        type=question.type,
                        options=question.options,
                        required=question.required,
                        indicator=question.indicator,
                    )
                    for position, question in enumerate(questions)
                )
                return copy
        except IntegrityError:
            continue
    raise SurveyError(_("The copy could not be made: please try again."), "copy_failed")
