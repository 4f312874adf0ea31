"""Article 33 consultation: the report on the child and the reasons for the proposed
placement abroad go to the receiving state's authority, whose consent (or refusal) comes back
(HC 1996 Art. 33; Brussels IIb Art. 82 between EU states)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import CaseType
from kinlink.exchange.registry import Field, RequestType, carer, register
from kinlink.exchange.types.common import CHILD, SUMMARY, past_date, read_the_reply_task, text_field
from kinlink.plans.services import placement_consent_receive

OUTCOMES = (
    ("granted", _("Consent given")),
    ("conditions", _("Consent given with conditions")),
    ("refused", _("Consent refused")),
)


class ConsentReplyForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=OUTCOMES)
    decided_on = past_date(_("Date of the decision"))
    authority = forms.CharField(label=_("Deciding authority"), max_length=200)
    reference = forms.CharField(label=_("Reference of the decision"), max_length=100)
    conditions = text_field(_("Conditions or reasons"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in {"conditions", "refused"} and not data.get("conditions"):
            self.add_error("conditions", _("Give the conditions or the reasons."))
        return data


def on_reply(request: Any, data: dict[str, Any]) -> None:
    """A consent (with or without conditions) is recorded on the case's placement abroad,
    which lifts the SG-07 guard; a refusal closes the option: it is read by the caseworker."""
    recorded = None
    if data["decision"] in {"granted", "conditions"}:
        recorded = placement_consent_receive(
            case=request.case,
            partner=request.peer.name,
            authority=data["authority"],
            given_on=data["decided_on"],
            reference=data["reference"],
        )
    if recorded is None or data["decision"] == "conditions":
        read_the_reply_task(request, dict(OUTCOMES)[data["decision"]])


ART33 = register(
    RequestType(
        code="art33",
        label=_("Consultation and consent for a placement abroad (Art. 33)"),
        purpose=_(
            "Send the report on the child and the reasons for the proposed placement, and "
            "obtain the receiving authority's consent."
        ),
        legal_hook="HC1996 Art. 33",
        fields=(
            CHILD,
            Field("carer", _("The proposed carer: name, relationship, contact"), carer),
            SUMMARY,
        ),
        deadline_days=90,
        reply_form=ConsentReplyForm,
        case_type_on_accept=CaseType.XB_PLACEMENT,
        on_reply=on_reply,
        outcomes=OUTCOMES,
    )
)
