"""The quality registers fed by the surveys: complaints (Qualiopi indicator 31) and improvement
actions (indicator 32).

A complaint is recorded through `services.complaints.complaint_receive` (its deadlines), from the
plain form or prefilled from a survey response (`?response=<id>`, the buttons of the results
pages). Its page shows the workflow (acknowledge, answer, analyse, close: POST actions calling one
service each) and the improvement actions decided from it; "Create an improvement action"
(`?complaint=<id>`) prefills an action from it. The list shows the deadlines and what is late.
"""

from __future__ import annotations

import django_filters

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from training.exports import ResourceExportMixin
from training.models import Session

from ..admin_forms import QualityRecordAdminForm
from ..exceptions import SurveyError
from ..models import (
    ActionStatus,
    Complaint,
    ComplaintChannel,
    ComplaintKind,
    ComplaintStatus,
    ImprovementAction,
    Response,
)
from ..resources import ComplaintRegisterResource, ImprovementActionResource
from ..results import answer_label, response_for_quality
from ..services.complaints import (
    ACTION_ANALYSE,
    complaint_acknowledge,
    complaint_analyse,
    complaint_answer,
    complaint_close,
    complaint_late_steps,
    complaint_overdue_q,
    complaint_receive,
    complaint_reference,
)
from ..services.quality import (
    complaint_create_from_response,
    complaint_initial,
    improvement_action_create_from_response,
    improvement_action_initial,
    improvement_action_initial_from_complaint,
)
from .common import VIEW_RESPONSE, campaign_url

CHANGE_COMPLAINT = "evaluations.change_complaint"
VIEW_COMPLAINT = "evaluations.view_complaint"
ADD_ACTION = "evaluations.add_improvementaction"
OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


def _date(value) -> str:
    if not value:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return date_format(value, "SHORT_DATE_FORMAT")


class FlagColumn(Column):
    """A flag that needs attention (late, expired…): a tag with its words, never a colour alone;
    "—" when there is nothing to flag."""

    cell_template_name = "evaluations/admin/quality_flag_cell.html"


class QualityRecordForm(QualityRecordAdminForm):
    """A complaint or an improvement action: its owner is someone of the back office, its session
    is listed with its course (read in the same query)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "session" in self.fields:
            self.fields["session"].queryset = Session.objects.select_related("course").order_by("-code")
        if "complaint" in self.fields:
            self.fields["complaint"].queryset = Complaint.objects.order_by("-received_at")


# Complaints
# ------------------------------------------------------------------------------


def complaint_late_label(complaint: Complaint, today=None) -> str:
    """ "Late: acknowledgement (due 12/11/2026)" — what is late, in words; empty when nothing is."""
    today = today or timezone.localdate()
    late = complaint_late_steps(complaint, today)
    parts = []
    if "acknowledge" in late:
        parts.append(_("acknowledgement due %(date)s") % {"date": _date(complaint.acknowledge_by)})
    if "answer" in late:
        parts.append(_("answer due %(date)s") % {"date": _date(complaint.answer_by)})
    return _("Late: %(what)s") % {"what": ", ".join(parts)} if parts else ""


def complaint_next_deadline(complaint: Complaint) -> str:
    if complaint.status == ComplaintStatus.RECEIVED and complaint.acknowledge_by:
        return _("Acknowledge by %(date)s") % {"date": _date(complaint.acknowledge_by)}
    if complaint.status in (ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED) and complaint.answer_by:
        return _("Answer by %(date)s") % {"date": _date(complaint.answer_by)}
    return ""


class ComplaintFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices, label=gettext_lazy("Status"))
    kind = django_filters.ChoiceFilter(choices=ComplaintKind.choices, label=gettext_lazy("Kind"))
    channel = django_filters.ChoiceFilter(choices=ComplaintChannel.choices, label=gettext_lazy("Received by"))
    overdue = django_filters.BooleanFilter(
        label=gettext_lazy("Late"),
        method="filter_overdue",
        widget=forms.Select(
            choices=[("", gettext_lazy("All")), ("true", gettext_lazy("Late")), ("false", gettext_lazy("On time"))]
        ),
    )

    class Meta:
        model = Complaint
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = complaint_overdue_q(timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class ComplaintIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = ComplaintRegisterResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("session", "owner")

    @cached_property
    def columns(self):
        today = timezone.localdate()
        return [
            self._get_title_column("subject"),
            Column("reference", label=gettext_lazy("Reference"), accessor=complaint_reference),
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
            Column(
                "deadline",
                label=gettext_lazy("Next deadline"),
                accessor=complaint_next_deadline,
                sort_key="answer_by",
            ),
            FlagColumn(
                "late", label=gettext_lazy("Late"), accessor=lambda complaint: complaint_late_label(complaint, today)
            ),
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
            return ObjectList(self.get_response_panels(), base_form_class=QualityRecordForm).bind_to_model(self.model)
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
            return self.save_plain()
        return self.create_from_response(self.source_response, self.form.cleaned_data)

    def save_plain(self):
        return super().save_instance()

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


class ComplaintCreateView(_FromResponseCreateView):
    """A complaint received by e-mail, phone, letter… (or from a survey response): recorded by
    `complaint_receive`, which sets its deadlines; its status then follows the workflow."""

    plain_panels = [
        FieldRowPanel([FieldPanel("received_at"), FieldPanel("kind"), FieldPanel("channel")]),
        FieldRowPanel([FieldPanel("complainant"), FieldPanel("email")]),
        FieldPanel("session"),
        FieldPanel("subject"),
        FieldPanel("description"),
        FieldPanel("owner"),
    ]

    def get_panel(self):
        if not self.request.GET.get("response"):
            return ObjectList(self.plain_panels, base_form_class=QualityRecordForm).bind_to_model(self.model)
        return super().get_panel()

    def get_form_class(self):
        return self.panel.get_form_class()

    def get_initial(self):
        initial = super().get_initial()
        initial.setdefault("owner", self.request.user.pk)
        if self.source_response is None:
            initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        return initial

    def get_response_panels(self):
        panels = [FieldPanel("received_at")]
        if not self.source_response.campaign.questionnaire.anonymous:
            panels.append(FieldRowPanel([FieldPanel("complainant"), FieldPanel("email")]))
        return [*panels, FieldPanel("subject"), FieldPanel("description"), FieldPanel("owner")]

    def initial_from_response(self, response):
        return complaint_initial(response=response)

    def create_from_response(self, response, data):
        return complaint_create_from_response(response=response, by=self.request.user, **data)

    def save_plain(self):
        return complaint_receive(by=self.request.user, **self.form.cleaned_data)


class ComplaintEditView(generic.EditView):
    """The complaint's description (editable) and its workflow: where it stands, its deadlines,
    the answer and the analysis given, the buttons of the next steps and its improvement actions."""

    template_name = "evaluations/admin/quality_complaint_edit.html"

    def get_object(self, queryset=None):
        return get_object_or_404(Complaint.objects.select_related("session__course", "owner"), pk=self.kwargs["pk"])

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(ADD_ACTION):
            buttons.append(
                HeaderButton(
                    _("Create an improvement action"),
                    url=f"{reverse('improvement_actions:add')}?complaint={self.object.pk}",
                    icon_name="tasks",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        complaint = self.object
        can_change = self.request.user.has_perm(CHANGE_COMPLAINT)
        status = complaint.status
        # The model keeps no date of the analysis: its history does.
        analysed_at = (
            ModelLogEntry.objects.for_instance(complaint)
            .filter(action=ACTION_ANALYSE)
            .order_by("-timestamp")
            .values_list("timestamp", flat=True)
            .first()
        )
        context["workflow"] = {
            "reference": complaint_reference(complaint),
            "late": complaint_late_label(complaint),
            "steps": [
                (_("Received"), complaint.received_at, None),
                (_("Acknowledged"), complaint.acknowledged_at, complaint.acknowledge_by),
                (_("Answered"), complaint.answered_at, complaint.answer_by),
                (_("Analysed"), analysed_at if status in _ANALYSED else None, None),
                (_("Closed"), complaint.closed_at, None),
            ],
            "can_acknowledge": can_change and status == ComplaintStatus.RECEIVED,
            "can_answer": can_change and status in (ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED),
            "can_analyse": can_change and status == ComplaintStatus.ANSWERED,
            "can_close": can_change and status == ComplaintStatus.ANALYSED,
            "urls": {step: reverse(f"complaints:{step}", args=[quote(complaint.pk)]) for step in _STEPS},
            "actions": list(complaint.improvement_actions.select_related("owner").order_by("created_at")),
            "can_add_action": self.request.user.has_perm(ADD_ACTION),
            "add_action_url": f"{reverse('improvement_actions:add')}?complaint={complaint.pk}",
        }
        return context


_ANALYSED = (ComplaintStatus.ANALYSED, ComplaintStatus.CLOSED)


class ComplaintStepView(View):
    """POST: one step of the workflow (`step`: acknowledge, answer, analyse, close), then back to
    the complaint's page with the outcome as a message."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_COMPLAINT):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, pk: int, step: str):
        complaint = get_object_or_404(Complaint, pk=pk)
        try:
            if step == "acknowledge":
                complaint_acknowledge(complaint=complaint, by=request.user)
                done = _("Acknowledged.")
            elif step == "answer":
                complaint = complaint_answer(
                    complaint=complaint, answer=request.POST.get("answer", ""), by=request.user
                )
                done = _("Answer recorded.")
            elif step == "analyse":
                complaint_analyse(complaint=complaint, analysis=request.POST.get("analysis", ""), by=request.user)
                done = _("Analysis recorded.")
            elif step == "close":
                complaint_close(complaint=complaint, by=request.user)
                done = _("Complaint closed.")
            else:
                raise Http404
        except SurveyError as error:
            messages.error(request, error.message)
        else:
            if step in ("acknowledge", "answer") and complaint.email:
                sent = _("It is e-mailed to %(email)s.") % {"email": complaint.email}
                done = f"{done} {sent}"
            messages.success(request, done)
        return redirect("complaints:edit", pk)


_STEPS = ("acknowledge", "answer", "analyse", "close")


# Improvement actions
# ------------------------------------------------------------------------------


def action_is_late(action: ImprovementAction, today) -> bool:
    return action.status in OPEN_ACTION_STATUSES and action.due_on is not None and action.due_on < today


class ImprovementActionIndexView(ResourceExportMixin, generic.IndexView):
    export_resource_class = ImprovementActionResource

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("session", "owner")

    @cached_property
    def columns(self):
        today = timezone.localdate()
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
            FlagColumn(
                "late",
                label=gettext_lazy("Late"),
                accessor=lambda action: _("Late") if action_is_late(action, today) else "",
            ),
        ]


class ImprovementActionCreateView(_FromResponseCreateView):
    """Also `?complaint=<id>`: the plain form, prefilled from a complaint (source "complaint")."""

    response_panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("status"), FieldPanel("owner"), FieldPanel("due_on")]),
    ]

    @cached_property
    def source_complaint(self) -> Complaint | None:
        complaint_id = self.request.GET.get("complaint")
        if not complaint_id or self.request.GET.get("response"):
            return None
        if not self.request.user.has_perm(VIEW_COMPLAINT):
            raise PermissionDenied
        try:
            return Complaint.objects.get(pk=int(complaint_id))
        except (ValueError, Complaint.DoesNotExist) as error:
            raise Http404 from error

    def get_add_url(self):
        url = super().get_add_url()
        return f"{url}?complaint={self.source_complaint.pk}" if self.source_complaint is not None else url

    def get_initial(self):
        initial = super().get_initial()
        if self.source_complaint is not None:
            initial.update(improvement_action_initial_from_complaint(complaint=self.source_complaint))
        if self.source_response is None:
            initial.setdefault("owner", self.request.user.pk)
        return initial

    def initial_from_response(self, response):
        return {**improvement_action_initial(response=response), "owner": self.request.user.pk}

    def create_from_response(self, response, data):
        action = improvement_action_create_from_response(response=response, by=self.request.user, **data)
        log(instance=action, action="wagtail.create", user=self.request.user)
        return action
