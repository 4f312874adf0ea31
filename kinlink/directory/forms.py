"""HTML input for the directory's pages → service arguments. The services check the rules
(`validation`) and their messages are shown beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.directory.models import AgencyKind, Instrument, LegalTopic, Service, StatusKind
from kinlink.directory.reference import country_choices, language_choices

DATE = forms.DateInput(attrs={"type": "date"})
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "—"), *list(choices() if callable(choices) else choices)]


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class SourceFields(forms.Form):
    source_title = forms.CharField(label=_("Source (title)"), max_length=300, required=False)
    source_url = forms.CharField(
        label=_("Source (address)"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE, required=False)
    verified = forms.BooleanField(
        label=_("Verified against the source"),
        required=False,
        help_text=_("Leave unticked when the fact could not be checked against the source."),
    )


class CountryForm(VersionedForm):
    age_of_majority = forms.IntegerField(
        label=_("Age of majority"), min_value=14, max_value=25, required=False
    )
    age_of_majority_source = forms.CharField(
        label=_("Source of the age of majority"), max_length=500, required=False
    )
    central_authority_name = forms.CharField(
        label=_("Central authority (1996 Convention)"), max_length=300, required=False
    )
    central_authority_contact = forms.CharField(
        label=_("Central authority's contact"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    central_authority_source = forms.CharField(
        label=_("Source of the central authority"), max_length=500, required=False
    )


class StatusForm(SourceFields, VersionedForm):
    instrument = forms.ChoiceField(label=_("Instrument"), choices=Instrument.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=StatusKind.choices)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False)
    consented_on = forms.DateField(label=_("Ratified or acceded on"), widget=DATE, required=False)
    in_force_on = forms.DateField(label=_("In force from"), widget=DATE, required=False)
    ended_on = forms.DateField(label=_("No longer bound from"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = [
        "instrument",
        "kind",
        "signed_on",
        "consented_on",
        "in_force_on",
        "ended_on",
        "source_title",
        "source_url",
        "checked_on",
        "verified",
        "note",
    ]

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The instrument names the row; it is not changed afterwards.
            self.fields["instrument"].disabled = True


class NoteForm(SourceFields, VersionedForm):
    topic = forms.ChoiceField(label=_("Topic"), choices=LegalTopic.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )
    field_order = ["topic", "title", "body", "source_title", "source_url", "checked_on", "verified"]


class AgencyForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("Short, unique across the network, e.g. iss-es."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=AgencyKind.choices)
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"), choices=language_choices, required=False
    )
    central_authority_for = forms.MultipleChoiceField(
        label=_("Central authority under"),
        choices=Instrument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    address = forms.CharField(
        label=_("Postal address"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    website = forms.CharField(label=_("Website"), max_length=300, required=False)
    contact_notes = forms.CharField(
        label=_("Contact persons and notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    node_address = forms.CharField(
        label=_("Kinlink node address"),
        max_length=300,
        required=False,
        help_text=_("Only if the agency runs a Kinlink node, e.g. https://kinlink.example.org"),
    )
    node_key_fingerprint = forms.CharField(
        label=_("Kinlink node key fingerprint"),
        max_length=64,
        required=False,
        help_text=_("Checked with the agency by phone or in person before it is entered."),
    )
    source_title = forms.CharField(label=_("Source (title)"), max_length=300, required=False)
    source_url = forms.CharField(label=_("Source (address)"), max_length=500, required=False)
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE, required=False)

    def arguments(self) -> dict[str, Any]:
        data = super().arguments()
        for name in ("name", "code", "email", "phone", "website", "node_address"):
            data[name] = data[name].strip()
        data["node_key_fingerprint"] = data["node_key_fingerprint"].strip()
        return data


class BetweenForm(forms.Form):
    a = forms.ChoiceField(label=_("From (sending country)"), choices=country_choices)
    b = forms.ChoiceField(label=_("To (receiving country)"), choices=country_choices)
    on = forms.DateField(label=_("On"), widget=DATE, required=False)
    with_parent = forms.BooleanField(label=_("The child is to live with a parent"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Directory file (JSON)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class AgencyFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    country = forms.ChoiceField(
        label=_("Country"), choices=lambda: _blank(country_choices), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(AgencyKind.choices), required=False)
    service = forms.ChoiceField(label=_("Service"), choices=_blank(Service.choices), required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=lambda: _blank(language_choices), required=False
    )
