"""Questionnaires: the listing with their use, the editor (its rules are the form's,
`QuestionnaireAdminForm`), "Dupliquer", and a deletion refused once a questionnaire was sent."""

from __future__ import annotations

from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from ..exceptions import SurveyError
from ..models import Questionnaire
from ..results import questionnaire_list, questionnaire_usage
from ..services.questionnaires import questionnaire_duplicate
from .common import VIEW_CAMPAIGN, VIEW_RESPONSE, SurveyPermissionMixin, results_url

ACTIVE_KIND_CONSTRAINT = "questionnaire_one_active_per_kind"
QUESTION_KEY_CONSTRAINT = "question_key_unique"


def duplicate_url(questionnaire_id: int) -> str:
    return reverse("questionnaires:duplicate", args=[questionnaire_id])


def campaigns_url(questionnaire_id: int) -> str:
    return reverse("survey_campaigns:index") + f"?questionnaire={questionnaire_id}"


def _yes_no(attribute: str):
    return lambda instance: _("Yes") if getattr(instance, attribute) else _("No")


class QuestionnaireIndexView(generic.IndexView):
    """Kind, in use, anonymous, questions and responses of each questionnaire (annotated: no query per row)."""

    def get_base_queryset(self):
        return questionnaire_list()

    @cached_property
    def columns(self):
        return [
            self._get_title_column("title"),
            self._get_custom_column("kind"),
            Column("is_active", label=gettext_lazy("In use"), accessor=_yes_no("is_active"), sort_key="is_active"),
            Column("anonymous", label=gettext_lazy("Anonymous"), accessor=_yes_no("anonymous"), sort_key="anonymous"),
            Column("question_count", label=gettext_lazy("Questions"), sort_key="question_count"),
            Column("campaign_count", label=gettext_lazy("Campaigns"), sort_key="campaign_count"),
            Column("response_count", label=gettext_lazy("Responses"), sort_key="response_count"),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        user = self.request.user
        if self.user_has_permission("add"):
            buttons.append(MenuItem(_("Duplicate"), url=duplicate_url(instance.pk), icon_name="copy", priority=25))
        if user.has_perm(VIEW_CAMPAIGN):
            buttons.append(MenuItem(_("Campaigns"), url=campaigns_url(instance.pk), icon_name="mail", priority=26))
        if user.has_perm(VIEW_RESPONSE):
            buttons.append(
                MenuItem(_("Results"), url=results_url(questionnaire=instance.pk), icon_name="table", priority=27)
            )
        return buttons


class _ConstraintMixin:
    """Two people ticking "in use" for two questionnaires of a kind at the same moment: the second
    save meets the database constraint, and gets the form's error rather than an error page."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError as error:
            if ACTIVE_KIND_CONSTRAINT in str(error):
                form.add_error(
                    "is_active",
                    _("Another questionnaire of this kind has just been put in use: untick it there first."),
                )
            elif QUESTION_KEY_CONSTRAINT in str(error):
                form.add_error(None, _("Two questions of a questionnaire cannot share a key."))
            else:
                raise
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class QuestionnaireCreateView(_ConstraintMixin, generic.CreateView):
    pass


class QuestionnaireEditView(_ConstraintMixin, generic.EditView):
    """The editor, with what the questionnaire's use forbids said above the form."""

    template_name = "evaluations/admin/questionnaire_edit.html"

    @cached_property
    def usage(self) -> dict[str, int]:
        return questionnaire_usage(self.object)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.user_has_permission("add"):
            buttons.append(HeaderButton(_("Duplicate"), url=duplicate_url(self.object.pk), icon_name="copy"))
        if self.request.user.has_perm(VIEW_RESPONSE) and self.usage["responses"]:
            buttons.append(HeaderButton(_("Results"), url=results_url(questionnaire=self.object.pk), icon_name="table"))
        return buttons

    def get_context_data(self, **kwargs):
        return super().get_context_data(usage=self.usage, **kwargs)


class QuestionnaireDeleteView(generic.DeleteView):
    """A questionnaire that was sent keeps its campaigns' results: it is taken out of use, never deleted."""

    def _refuse(self):
        messages.error(
            self.request,
            _(
                "This questionnaire was sent: its results are kept, so it cannot be deleted. Untick “used for "
                "new campaigns” to stop sending it."
            ),
        )
        return redirect("questionnaires:edit", self.object.pk)

    def get(self, request, *args, **kwargs):
        if self.object.campaigns.exists():
            return self._refuse()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.object.campaigns.exists():
            return self._refuse()
        return super().post(request, *args, **kwargs)


class QuestionnaireDuplicateView(SurveyPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """Copy a questionnaire and its questions, not in use: the way to change a question that has answers."""

    model = Questionnaire
    permission_required = "add"
    template_name = "evaluations/admin/questionnaire_duplicate.html"
    header_icon = "copy"

    @cached_property
    def questionnaire(self) -> Questionnaire:
        return get_object_or_404(Questionnaire, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Duplicate")

    def get_page_subtitle(self):
        return self.questionnaire.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("questionnaires:index"), "label": capfirst(Questionnaire._meta.verbose_name_plural)},
            {"url": reverse("questionnaires:edit", args=[self.questionnaire.pk]), "label": self.questionnaire.title},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            questionnaire=self.questionnaire,
            question_count=self.questionnaire.questions.count(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            copy = questionnaire_duplicate(questionnaire=self.questionnaire)
        except SurveyError as error:
            messages.error(request, error.message)
            return redirect("questionnaires:edit", self.questionnaire.pk)
        messages.success(
            request,
            _("“%(title)s” is a copy, not in use yet: change it, then tick “used for new campaigns”.")
            % {"title": copy.title},
        )
        return redirect("questionnaires:edit", copy.pk)
