"""The back office of personal data (Données personnelles): erasure requests, legal holds, purge runs.

Requests are answered through their form, which calls `accounts.retention`: carried out or refused
with a reason, never edited by hand. A legal hold on a person keeps all their records out of the
purge and of any erasure; sessions carry their own hold (Formation › Sessions)."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import ErasureRequest, LegalHold, PurgeRun
from .retention import PersonalDataError, erasure_request_execute, erasure_request_refuse, record_types


class ErasureDecisionForm(WagtailAdminModelForm):
    EXECUTE, REFUSE = "execute", "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (EXECUTE, _("Carry out: erase now what no legal obligation keeps")),
            (REFUSE, _("Refuse, with the reason below")),
        ],
        widget=forms.RadioSelect,
    )
    refusal_reason = forms.CharField(
        label=_("Reason for refusing (sent to the person)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ErasureRequestEditView(generic.EditView):
    """Carry out or refuse the request (`erasure_request_execute` / `erasure_request_refuse`)."""

    def get_object(self, queryset=None):
        return get_object_or_404(ErasureRequest.objects.select_related("person", "decided_by"), pk=self.kwargs["pk"])

    def save_instance(self):
        data = self.form.cleaned_data
        if data["decision"] == ErasureDecisionForm.EXECUTE:
            return erasure_request_execute(request=self.object, by=self.request.user)
        return erasure_request_refuse(request=self.object, by=self.request.user, reason=data["refusal_reason"])

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PersonalDataError as error:
            form.add_error(None, error.message)
            self.produced_error_message = error.message
            return self.form_invalid(form)

    def get_success_message(self, instance=None):
        return _("The request is answered; the person is told by e-mail.")


class ErasureRequestInspectView(generic.InspectView):
    """The request as the référent reads it: Paris times, a dash for nothing, what was erased and
    what is kept until when in words."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value)
        return "—" if value is None or value == "" else value

    def get_erased_display_value(self):
        return " ; ".join(self.object.erased) or "—"

    def get_kept_display_value(self):
        kept = [
            _("%(what)s, kept until %(date)s")
            % {"what": what, "date": f"{datetime.date.fromisoformat(until):%d/%m/%Y}"}
            if until
            else what
            for what, until in self.object.kept
        ]
        return " ; ".join(kept) or "—"


class ErasureRequestViewSet(ModelViewSet):
    model = ErasureRequest
    icon = "user"
    menu_label = _("Erasure requests")
    url_prefix = "demandes-effacement"
    edit_view_class = ErasureRequestEditView
    inspect_view_class = ErasureRequestInspectView
    list_display = ["person", "requested_at", "due_on", "status", "decided_at"]
    list_filter = ["status"]
    search_fields = ["person__email", "person__last_name"]
    ordering = ["status", "due_on"]
    copy_view_enabled = False
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldRowPanel(
                [
                    FieldPanel("person", read_only=True),
                    FieldPanel("requested_at", read_only=True),
                    FieldPanel("due_on", read_only=True),
                ]
            ),
            FieldPanel("message", read_only=True),
            # The decision, once taken, is read on the request's inspect page (who, when, what was
            # erased and what is kept): a decided request is never answered again.
            FieldPanel("decision"),
            FieldPanel("refusal_reason"),
        ],
        base_form_class=ErasureDecisionForm,
    )


class LegalHoldCreateView(generic.CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.set_by = self.request.user
        instance.save()
        return instance


class LegalHoldViewSet(ModelViewSet):
    model = LegalHold
    icon = "lock"
    menu_label = _("Legal holds")
    url_prefix = "gels-legaux"
    add_view_class = LegalHoldCreateView
    list_display = ["person", "reason", "set_by", "created_at"]
    search_fields = ["person__email", "person__last_name", "reason"]
    copy_view_enabled = False
    form_fields = ["person", "reason"]


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Records only the system writes: read by those who may, never added, changed or deleted by
    hand, not even by a superuser."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


def _counts_display(counts: dict) -> str:
    """`{"accessibility_needs": 3, …}` as "Besoins d'accessibilité… : 3 ; …", the record types' labels."""
    labels = {record.key: record.label() for record in record_types()}
    return " ; ".join(f"{labels.get(key, key)} : {count}" for key, count in counts.items() if count) or "—"


class PurgeRunInspectView(generic.InspectView):
    def get_counts_display_value(self):
        return _counts_display(self.object.counts)

    def get_held_display_value(self):
        return _counts_display(self.object.held)


class PurgeRunViewSet(ModelViewSet):
    """The audit of `purge_expired_data`: what each run anonymised or deleted, and what holds kept."""

    model = PurgeRun
    icon = "bin"
    menu_label = _("Purge runs")
    url_prefix = "purges"
    list_display = [
        "ran_at",
        Column("counts", label=_("anonymised or deleted"), accessor=lambda run: _counts_display(run.counts)),
        Column("held", label=_("kept under a legal hold"), accessor=lambda run: _counts_display(run.held)),
    ]
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = PurgeRunInspectView
    inspect_view_fields = ["ran_at", "counts", "held"]
    form_fields = []  # no form is ever shown: nobody adds or changes a run


# Registered for the model, as the adaptations' policy is (`evaluations/quality_hooks.py`): every
# viewset and check of a purge run reads it.
register_permission_policy(PurgeRun, ReadOnlyPermissionPolicy(PurgeRun), exact_class=True)


class PersonalDataViewSetGroup(ModelViewSetGroup):
    menu_label = _("Personal data")
    menu_icon = "user"
    menu_order = 500
    items = (
        ErasureRequestViewSet("erasure_requests"),
        LegalHoldViewSet("legal_holds"),
        PurgeRunViewSet("purge_runs"),
    )


@hooks.register("register_admin_viewset")
def register_personal_data_viewsets():
    return PersonalDataViewSetGroup()
