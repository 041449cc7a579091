"""The back office of personal data (Données personnelles): erasure requests, legal holds, purge runs.

Requests are answered through their form, which calls `accounts.retention`: carried out or refused
with a reason, never edited by hand. A legal hold on a person keeps all their records out of the
purge and of any erasure; sessions carry their own hold (Formation › Sessions)."""

from django import forms
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import ErasureRequest, LegalHold, PurgeRun
from .retention import PersonalDataError, erasure_request_execute, erasure_request_refuse


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


class ErasureRequestViewSet(ModelViewSet):
    model = ErasureRequest
    icon = "user"
    menu_label = _("Erasure requests")
    url_prefix = "demandes-effacement"
    edit_view_class = ErasureRequestEditView
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
            FieldRowPanel(
                [
                    FieldPanel("status", read_only=True),
                    FieldPanel("decided_by", read_only=True),
                    FieldPanel("decided_at", read_only=True),
                ]
            ),
            FieldPanel("reason", read_only=True),
            FieldPanel("erased", read_only=True),
            FieldPanel("kept", read_only=True),
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


class PurgeRunViewSet(ModelViewSet):
    model = PurgeRun
    icon = "bin"
    menu_label = _("Purge runs")
    url_prefix = "purges"
    list_display = ["ran_at", "counts", "held"]
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []


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
