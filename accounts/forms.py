from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Profile


class SignupForm(forms.Form):
    """Extra fields of the allauth sign-up form: the name printed on certificates."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])


class ProfileForm(forms.ModelForm):
    """The professional profile, with the name printed on certificates."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )

    class Meta:
        model = Profile
        fields = [
            "job_title",
            "structure_name",
            "structure_type",
            "activity_sector",
            "professional_category",
            "department",
            "phone",
        ]
        widgets = {
            "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "structure_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    field_order = ["first_name", "last_name", *Meta.fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        for name in ("structure_type", "activity_sector", "professional_category"):
            self.fields[name].queryset = self.fields[name].queryset.filter(is_active=True)


class ErasureRequestForm(forms.Form):
    """A person asks that their data be erased (RGPD art. 17): a confirmation and an optional message."""

    confirm = forms.BooleanField(
        label=_("I ask that my account be closed and my personal data erased"),
        help_text=_("The records the law obliges us to keep stay until their own end; you will be told which."),
    )
    message = forms.CharField(
        label=_("Message to the coordination (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
