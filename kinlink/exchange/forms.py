"""Forms of the exchange pages; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import LegalBasis
from kinlink.directory.models import Agency, AgencyKind
from kinlink.exchange import registry
from kinlink.exchange.models import Peer, PeerStatus, Urgency


class DateInput(forms.DateInput):
    input_type = "date"


def _text(label: Any, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=4000, widget=forms.Textarea(attrs={"rows": rows})
    )


class RequestStartForm(forms.Form):
    """First step of a draft: which kind of request, to which peer."""

    request_type = forms.ChoiceField(label=_("Type of request"))
    peer = forms.ModelChoiceField(label=_("To"), queryset=Peer.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_type"].choices = registry.choices()  # type: ignore[attr-defined]
        self.fields["peer"].queryset = Peer.objects.filter(  # type: ignore[attr-defined]
            status=PeerStatus.ACTIVE
        ).order_by("name")


class RequestDraftForm(forms.Form):
    """What is asked, by when, what data goes with it, and on which basis."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    questions = _text(_("What you ask the partner to do or answer"), rows=5)
    due_on = forms.DateField(label=_("Reply wanted by"), widget=DateInput(), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    data_fields = forms.MultipleChoiceField(
        label=_("Optional data to send as well"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    danger_checked = forms.BooleanField(
        label=_(
            "Sending this endangers neither the child nor a member of the family "
            "(1996 Hague Convention, Art. 37)"
        ),
        required=False,
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis, if the child's consent to sharing is not recorded"),
        choices=[("", "—"), *LegalBasis.choices],
        required=False,
    )
    legal_basis_note = _text(_("The legal basis explained"), required=False)
    origin_override_reason = _text(
        _("Why the authorities of the country of origin are contacted (asylum seekers only)"),
        required=False,
    )

    def __init__(self, *args: Any, request_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = registry.get(request_type)
        optional = [(f.name, f.label) for f in kind.fields if not f.required]
        if optional:
            self.fields["data_fields"].choices = optional  # type: ignore[attr-defined]
        else:
            del self.fields["data_fields"]

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "questions": data["questions"],
            "due_on": data.get("due_on"),
            "urgency": data["urgency"],
            "fields": data.get("data_fields", []),
            "legal_basis": data.get("legal_basis", ""),
            "legal_basis_note": data.get("legal_basis_note", ""),
            "origin_override_reason": data.get("origin_override_reason", ""),
            "danger_checked": data.get("danger_checked", False),
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Up to three documents at once (the service checks their type on the bytes)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(DocumentsField, self).clean(f, initial) for f in files]


def documents_of(files: list[UploadedFile]) -> list[dict[str, Any]]:
    return [
        {"name": f.name or "document", "content_type": f.content_type or "", "content": f.read()}
        for f in files
    ]


class MessageForm(forms.Form):
    text = _text(_("Message"), required=False, rows=4)
    documents = DocumentsField(label=_("Documents (PDF, JPEG or PNG)"), required=False)


class ReasonForm(forms.Form):
    reason = _text(_("Reason"))


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    link_to = forms.CharField(
        label=_("Reference of an existing case here (leave empty to open a new linked case)"),
        max_length=32,
        required=False,
    )
    assign_to: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Handled by"), queryset=None
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].queryset = staff  # type: ignore[attr-defined]


class PeerRegisterForm(forms.Form):
    """A peer from the directory (its node address and fingerprint as the network publishes
    them), or typed in by hand."""

    agency = forms.ModelChoiceField(
        label=_("An agency of the directory that runs a Kinlink node"),
        queryset=Agency.objects.none(),
        required=False,
    )
    base_url = forms.URLField(
        label=_("or the address of the node (https://…)"),
        max_length=300,
        assume_scheme="https",
        required=False,
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    country = forms.CharField(
        label=_("Country code (ISO, two letters)"), max_length=2, required=False
    )
    is_state_authority = forms.BooleanField(
        label=_("A central authority, ministry or consulate"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = (  # type: ignore[attr-defined]
            Agency.objects.exclude(node_address="").exclude(peers__isnull=False).order_by("name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency = data.get("agency")
        if agency is None and not (data.get("base_url") and data.get("country")):
            raise forms.ValidationError(
                _("Choose an agency of the directory, or give the node's address and country.")
            )
        if agency is not None:
            data["is_state_authority"] = data.get("is_state_authority") or agency.kind in {
                AgencyKind.CENTRAL_AUTHORITY,
                AgencyKind.CHILD_PROTECTION_AUTHORITY,
            }
        data["country"] = (data.get("country") or "").upper()
        return data


class PeerConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    fingerprint = forms.CharField(
        label=_("Fingerprint as the peer's administrator read it to you"), max_length=100
    )
