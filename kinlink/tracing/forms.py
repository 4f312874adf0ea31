"""Forms of family tracing: they check the shape of what is typed; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.cases.forms import DateInput
from kinlink.cases.models import Relationship, Sex
from kinlink.directory.reference import country_choices
from kinlink.tracing.models import ActionKind, FiledBy, RequestStatus, TracingRequest

BLANK = [("", "—")]


class RequestForm(forms.Form):
    """Who asks and whom they look for."""

    filed_by = forms.ChoiceField(label=_("filed by"), choices=FiledBy.choices)
    case_reference = forms.CharField(
        label=_("the child's case (reference), for a child looking for family"),
        max_length=32,
        required=False,
    )
    inquirer_name = forms.CharField(label=_("inquirer's name"), max_length=200, required=False)
    inquirer_relationship = forms.ChoiceField(
        label=_("relationship to the person sought"),
        choices=BLANK + list(Relationship.choices),
        required=False,
    )
    inquirer_contact = forms.CharField(
        label=_("inquirer's contact (phone, address)"), max_length=300, required=False
    )
    sought_given_name = forms.CharField(label=_("given name sought"), max_length=100)
    sought_family_name = forms.CharField(
        label=_("family name sought"), max_length=100, required=False
    )
    sought_name_original = forms.CharField(
        label=_("name in the original script"), max_length=200, required=False
    )
    sought_other_names = forms.CharField(
        label=_("other names (one a line)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sought_sex = forms.ChoiceField(
        label=_("sex"), choices=BLANK + list(Sex.choices), required=False
    )
    sought_date_of_birth = forms.DateField(
        label=_("date of birth"), required=False, widget=DateInput()
    )
    sought_age = forms.IntegerField(
        label=_("age (years)"), min_value=0, max_value=120, required=False
    )
    sought_nationality = forms.ChoiceField(label=_("nationality"), required=False)
    sought_place_of_origin = forms.CharField(
        label=_("place of origin"), max_length=200, required=False
    )
    sought_father_name = forms.CharField(label=_("father's name"), max_length=200, required=False)
    sought_mother_name = forms.CharField(label=_("mother's name"), max_length=200, required=False)
    last_seen = forms.CharField(
        label=_("last seen: where and when"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nationality = self.fields["sought_nationality"]
        assert isinstance(nationality, forms.ChoiceField)  # noqa: S101
        nationality.choices = BLANK + list(country_choices())

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("filed_by") == FiledBy.RELATIVE:
            if not data.get("inquirer_name", "").strip():
                self.add_error("inquirer_name", _("Give the name of who asks."))
            if not data.get("inquirer_relationship"):
                self.add_error("inquirer_relationship", _("Say how they are related to the child."))
        return data

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["sought_other_names"] = [
            line.strip() for line in data.get("sought_other_names", "").splitlines() if line.strip()
        ]
        return data


def request_initial(request: TracingRequest) -> dict[str, Any]:
    from kinlink.tracing.services import INQUIRER_FIELDS, SOUGHT_FIELDS

    initial = {name: getattr(request, name) for name in (*SOUGHT_FIELDS, *INQUIRER_FIELDS)}
    initial["sought_other_names"] = "\n".join(request.sought_other_names)
    return initial


class EditForm(RequestForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["filed_by"]
        del self.fields["case_reference"]


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("new status"), choices=RequestStatus.choices)
    note = forms.CharField(
        label=_("note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("what was done"),
        choices=[
            (ActionKind.CONTACT, ActionKind.CONTACT.label),
            (ActionKind.SEARCH, ActionKind.SEARCH.label),
            (ActionKind.NOTE, ActionKind.NOTE.label),
        ],
    )
    text = forms.CharField(
        label=_("details"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    done_on = forms.DateField(label=_("date"), required=False, widget=DateInput())


class VerificationForm(forms.Form):
    adult_name = forms.CharField(label=_("adult the child would live with"), max_length=200)
    relationship = forms.ChoiceField(
        label=_("relationship to the child"), choices=Relationship.choices
    )
    how_verified = forms.CharField(
        label=_("how the relationship was verified"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    verified_by = forms.CharField(label=_("verified by (name and agency)"), max_length=200)
    verified_on = forms.DateField(label=_("verified on"), widget=DateInput())
    relationship_confirmed = forms.BooleanField(
        label=_("the relationship is confirmed"), required=False
    )
    information_matches = forms.BooleanField(
        label=_("what the child and the adult say matches"), required=False
    )
    child_willing = forms.BooleanField(
        label=_("the child wants to live with this adult"), required=False
    )
    adult_willing = forms.BooleanField(
        label=_("the adult wants and is able to care for the child"), required=False
    )
    notes = forms.CharField(
        label=_("notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("confirm", _("Same child: confirm")), ("reject", _("Not the same: reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
