import datetime

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from cms.choices import CourseLevel, Modality
from cms.models import Audience, Theme

from .choices import DocumentKind, Funding
from .models import Registration, Session
from .resources import (
    ParticipantList,
    participant_list_from_file,
    participant_list_from_rows,
    participant_list_from_text,
)
from .selectors import CatalogueFilters


def _months_ahead(count: int = 12) -> list[tuple[str, str]]:
    month = timezone.localdate().replace(day=1)
    choices = []
    for _index in range(count):
        choices.append((month.strftime("%Y-%m"), formats.date_format(month, "F Y").capitalize()))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return choices


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters. French parameter names: the URL of every filter state is shareable."""

    q = forms.CharField(label=_("Keywords"), required=False, max_length=100)
    theme = forms.ModelChoiceField(
        label=_("Theme"), queryset=Theme.objects.all(), to_field_name="slug", required=False, empty_label=_("All")
    )
    departement = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Department.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
    )
    mois = forms.ChoiceField(label=_("Month"), required=False)
    financement = forms.ChoiceField(label=_("Funding"), choices=[("", _("All")), *Funding.choices], required=False)
    public = forms.ModelChoiceField(
        label=_("Audience"), queryset=Audience.objects.all(), to_field_name="slug", required=False, empty_label=_("All")
    )
    niveau = forms.ChoiceField(label=_("Level"), choices=[("", _("All")), *CourseLevel.choices], required=False)
    modalite = forms.ChoiceField(label=_("Modality"), choices=[("", _("All")), *Modality.choices], required=False)
    places = forms.BooleanField(label=_("Only sessions with seats left"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mois"].choices = [("", _("Any")), *_months_ahead()]

    def to_filters(self) -> CatalogueFilters:
        """The valid filters; an invalid one is left out (and reported by the form's errors)."""
        self.is_valid()  # a bound form keeps only its valid fields in cleaned_data; an unbound one has none
        data = getattr(self, "cleaned_data", {})
        month = data.get("mois")
        return CatalogueFilters(
            query=(data.get("q") or "").strip(),
            theme=data.get("theme"),
            audience=data.get("public"),
            level=data.get("niveau") or "",
            modality=data.get("modalite") or "",
            department=data.get("departement"),
            month=datetime.date.fromisoformat(f"{month}-01") if month else None,
            funding=data.get("financement") or "",
            with_seats=bool(data.get("places")),
        )


class RegistrationForm(forms.Form):
    """What a professional tells when registering to a session (the rules are in the service)."""

    expectations = forms.CharField(
        label=_("What do you expect from this training?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. It helps the trainers adapt the course to the group."),
    )
    prerequisites_declared = forms.BooleanField(label=_("I meet the prerequisites of this course"), required=False)
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional. Disability, health condition, adaptations you need to follow the course. "
            "Only the disability referent, the coordination and your trainers will read it."
        ),
    )
    accessibility_consent = forms.BooleanField(
        label=_("I agree that this information about my needs is recorded to adapt the course"), required=False
    )
    funding_note = forms.CharField(
        label=_("Funding details"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a paid session: who pays (your employer, an OPCO…) and their purchase order number."),
    )

    def __init__(self, *args, needs_prerequisites: bool, paid: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_prerequisites:
            del self.fields["prerequisites_declared"]
        if not paid:
            del self.fields["funding_note"]


class CancellationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


# Back office: a session's registrations
# ------------------------------------------------------------------------------


class RegistrationBulkForm(forms.Form):
    """Approve, refuse or cancel the selected registrations of a session (each through its service)."""

    APPROVE, REFUSE, CANCEL = "approve", "refuse", "cancel"

    action = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse")), (CANCEL, _("Cancel"))], widget=forms.HiddenInput
    )
    registrations = forms.ModelMultipleChoiceField(
        queryset=Registration.objects.none(),
        error_messages={"required": _("Please select at least one registration.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to refuse or cancel; it is sent to each person concerned."),
    )

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registrations"].queryset = (
            Registration.objects.filter(session=session).select_related("user").order_by("created_at", "pk")
        )


class WaitlistMoveForm(forms.Form):
    registration = forms.ModelChoiceField(queryset=Registration.objects.none())
    position = forms.IntegerField(label=_("Position"), min_value=1)

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration"].queryset = Registration.objects.filter(session=session).select_related("user")


class ParticipantListForm(forms.Form):
    """The people a client structure sends: typed lines, or a spreadsheet (one of the two)."""

    participants = forms.CharField(
        label=_("Participants, one per line"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Camille;Martin;camille.martin@exemple.fr;Infirmière"}),
        help_text=_("First name;Last name;e-mail;job title — for example copied from the structure's e-mail."),
    )
    file = forms.FileField(
        label=_("Or a spreadsheet"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=_("An .xlsx or .csv file whose first row holds the columns prénom, nom, email, fonction."),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("participants", "").strip()) == bool(data.get("file")):
            raise forms.ValidationError(_("Please type the participants or send a spreadsheet (one of the two)."))
        return data

    def participant_list(self) -> ParticipantList:
        if self.cleaned_data.get("file"):
            return participant_list_from_file(self.cleaned_data["file"])
        return participant_list_from_text(self.cleaned_data["participants"])


class ParticipantConfirmForm(forms.Form):
    """The rows of a checked preview, posted back to be registered."""

    rows = forms.CharField(widget=forms.HiddenInput)

    def participant_list(self) -> ParticipantList:
        return participant_list_from_rows(self.cleaned_data["rows"])


# Back office: issued documents
# ------------------------------------------------------------------------------


class SessionDocumentIssueForm(forms.Form):
    """Which documents of a session to issue: the end-of-training ones of every trainee (a batch),
    or one of the session's own documents."""

    END_OF_TRAINING = "end_of_training"

    kind = forms.ChoiceField(
        choices=[
            (END_OF_TRAINING, _("Certificates and attestations")),
            (DocumentKind.AGREEMENT, DocumentKind.AGREEMENT.label),
            (DocumentKind.ATTENDANCE_SHEET, DocumentKind.ATTENDANCE_SHEET.label),
            (DocumentKind.PROGRAMME, DocumentKind.PROGRAMME.label),
        ],
        widget=forms.HiddenInput,
    )


class DocumentReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for re-issuing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept with the new version, for example “Trainee's name misspelt”. The current version stays archived, marked superseded."
        ),
        error_messages={"required": _("Please say why the document is re-issued.")},
    )
