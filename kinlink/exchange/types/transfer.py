"""Transfer of case responsibility: the partner takes the case over. Once it accepts, the
sending case is transferred out: it stays readable and linked, and nothing more is done in it
here (`cases.lifecycle`, the "transferred out" hold)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinlink.cases.workflow import case_transition
from kinlink.exchange.registry import Field, RequestType, register, relatives
from kinlink.exchange.types.common import CHILD, SUMMARY, AnswerForm


def on_accept(request: Any) -> None:
    """The supervisor who approved the transfer decided it, on condition of acceptance."""
    case = request.case
    case.refresh_from_db()
    case_transition(
        actor=request.approved_by,
        case=case,
        name="transfer_out",
        seen_version=case.version,
        reason=gettext("Responsibility accepted by %(peer)s (request %(reference)s).")
        % {"peer": request.peer.name, "reference": request.reference},
    )


TRANSFER = register(
    RequestType(
        code="transfer",
        label=_("Transfer of case responsibility"),
        purpose=_("Hand the case over to the partner agency, which takes responsibility for it."),
        legal_hook="HC1996 Arts 8-9",
        fields=(
            CHILD,
            Field("relatives", _("Relatives recorded on the case"), relatives, required=False),
            SUMMARY,
        ),
        deadline_days=30,
        reply_form=AnswerForm,
        on_accept=on_accept,
    )
)
