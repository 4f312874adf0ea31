"""Return handover notice: the child is to return to the partner's country; the receiving
agency opens a returning-child case on acceptance and confirms that it will receive the child,
which is recorded on the return preparation (SG-05)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import CaseType
from kinlink.exchange.registry import Field, RequestType, carer, register, relatives
from kinlink.exchange.types.common import CHILD, SUMMARY, past_date, text_field
from kinlink.plans.services import return_reception_receive


class ReceptionReplyForm(forms.Form):
    confirmed_on = past_date(_("Reception confirmed on"))
    arrangements = text_field(_("Reception arrangements: who receives the child, where"))


def on_reply(request: Any, data: dict[str, Any]) -> None:
    return_reception_receive(
        case=request.case,
        partner=request.peer.name,
        reference=request.remote_case_reference or request.reference,
        confirmed_on=data["confirmed_on"],
    )


RETURN_HANDOVER = register(
    RequestType(
        code="return_handover",
        label=_("Return handover notice"),
        purpose=_(
            "Tell the receiving agency that the child is to return, so that it opens a case "
            "and confirms the child's reception."
        ),
        legal_hook="ISS network",
        fields=(
            CHILD,
            Field("carer", _("The carer who will receive the child"), carer),
            Field("relatives", _("Relatives recorded on the case"), relatives, required=False),
            SUMMARY,
        ),
        deadline_days=14,
        reply_form=ReceptionReplyForm,
        case_type_on_accept=CaseType.RETURN_RECEIVING,
        on_reply=on_reply,
    )
)
