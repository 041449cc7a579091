"""The quality registers fed by the surveys: improvement actions (Qualiopi indicator 32) and
complaints (indicator 31). Creating one from a response (`?response=<id>`, the buttons of the
results pages) prefills the form and records it through `evaluations.services.quality`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.log_actions import log

from training.exports import ResourceExportMixin

from ..admin_forms import QualityRecordAdminForm
from ..exceptions import SurveyError
from ..models import Response
from ..resources import ComplaintResource, ImprovementActionResource
from ..results import answer_label, response_for_quality
from ..services.quality import (
    complaint_create_from_response,
    complaint_initial,
    improvement_action_create_from_response,
    improvement_action_initial,
)
from .common import VIEW_RESPONSE, campaign_url


def _date(value) -> str:
    if not value:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return date_format(value, "SHORT_DATE_FORMAT")


class ImprovementActionIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = ImprovementActionResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("session", "owner")

    @cached_property
    def columns(self):
        return [
            self._get_title_column("title"),
            self._get_custom_column("source"),
            Column(
                "session",
                label=gettext_lazy("Session"),
                accessor=lambda action: action.session.code if action.session_id else "",
            ),
            self._get_custom_column("status"),
            Column("owner", label=gettext_lazy("Owner"), accessor=lambda action: action.owner or ""),
            Column(
                "due_on", label=gettext_lazy("Due on"), accessor=lambda action: _date(action.due_on), sort_key="due_on"
            ),
        ]


class ComplaintIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = ComplaintResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("session", "owner")

    @cached_property
    def columns(self):
        return [
            self._get_title_column("subject"),
            Column(
                "received_at",
                label=gettext_lazy("Received at"),
                accessor=lambda complaint: _date(complaint.received_at),
                sort_key="received_at",
            ),
            Column("complainant", label=gettext_lazy("From"), accessor=lambda complaint: complaint.complainant or "—"),
            Column(
                "session",
                label=gettext_lazy("Session"),
                accessor=lambda complaint: complaint.session.code if complaint.session_id else "",
            ),
            self._get_custom_column("status"),
            Column("owner", label=gettext_lazy("Owner"), accessor=lambda complaint: complaint.owner or ""),
        ]


class _FromResponseCreateView(generic.CreateView):
    """`?response=<id>`: a form prefilled from a survey response, recorded by the quality service
    (which links the response and its session). Without it, the plain form."""

    template_name = "evaluations/admin/quality_create.html"
    response_panels: list = []

    @cached_property
    def source_response(self) -> Response | None:
        response_id = self.request.GET.get("response")
        if not response_id:
            return None
        if not self.request.user.has_perm(VIEW_RESPONSE):
            raise PermissionDenied
        try:
            return response_for_quality(response_id=int(response_id))
        except (ValueError, Response.DoesNotExist) as error:
            raise Http404 from error

    def get_panel(self):
        if self.request.GET.get("response"):
            return ObjectList(self.get_response_panels(), base_form_class=QualityRecordAdminForm).bind_to_model(
                self.model
            )
        return super().get_panel()

    def get_response_panels(self):
        return self.response_panels

    def get_form_class(self):
        if self.source_response is not None:
            return self.panel.get_form_class()
        return super().get_form_class()

    def get_add_url(self):
        url = super().get_add_url()
        return f"{url}?response={self.source_response.pk}" if self.source_response is not None else url

    def get_initial(self):
        initial = super().get_initial()
        if self.source_response is not None:
            initial.update(self.initial_from_response(self.source_response))
        return initial

    def save_instance(self):
        if self.source_response is None:
            return super().save_instance()
        instance = self.create_from_response(self.source_response, self.form.cleaned_data)
        log(instance=instance, action="wagtail.create", user=self.request.user)
        return instance

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except SurveyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        response = self.source_response
        if response is not None:
            anonymous = response.campaign.questionnaire.anonymous
            context["source"] = {
                "response": response,
                "anonymous": anonymous,
                "campaign_url": campaign_url(response.campaign_id),
                "answers": [
                    (answer.question.text, answer_label(answer.question, answer.number, answer.text, answer.choices))
                    for answer in sorted(response.answers.all(), key=lambda answer: answer.question.sort_order or 0)
                ],
            }
        return context


class ImprovementActionCreateView(_FromResponseCreateView):
    response_panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("status"), FieldPanel("owner"), FieldPanel("due_on")]),
    ]

    def initial_from_response(self, response):
        return {**improvement_action_initial(response=response), "owner": self.request.user.pk}

    def create_from_response(self, response, data):
        return improvement_action_create_from_response(response=response, by=self.request.user, **data)


class ComplaintCreateView(_FromResponseCreateView):
    def get_response_panels(self):
        panels = [FieldPanel("received_at")]
        if not self.source_response.campaign.questionnaire.anonymous:
            panels.append(FieldRowPanel([FieldPanel("complainant"), FieldPanel("email")]))
        return [
            *panels,
            FieldPanel("subject"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("status"), FieldPanel("owner")]),
        ]

    def initial_from_response(self, response):
        return {**complaint_initial(response=response), "owner": self.request.user.pk}

    def create_from_response(self, response, data):
        return complaint_create_from_response(response=response, by=self.request.user, **data)
