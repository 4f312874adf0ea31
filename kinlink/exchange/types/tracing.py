"""Tracing: ask the partner to look for the child's family (HC 1996 Art. 31(c); ISS
network)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import CaseType
from kinlink.exchange.registry import Field, RequestType, register, relatives
from kinlink.exchange.types.common import CHILD, read_the_reply_task, text_field

OUTCOMES = (
    ("found", _("Family found")),
    ("partly", _("Some relatives found")),
    ("not_found", _("Not found")),
)


class TracingReplyForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES)
    findings = text_field(_("What was done and found"))


def on_receive(request: Any) -> None:
    # The receiving node matches the child sought against its own cases, in the background,
    # and answers only whether a possible match is being reviewed (kinlink.tracing.abroad).
    from kinlink.tracing.abroad import incoming_received

    incoming_received(request)


# What the receiving node's matcher answers on the thread (`kinlink.tracing.abroad`), as the
# sending side reads it. The codes travel; each side words them in its reader's language.
PROGRESS = {
    "no_match": _("The partner found no match among the children registered there."),
    "under_review": _("The partner has a possible match; a caseworker there is reviewing it."),
    "confirmed": _("The partner confirmed a match; the request goes on on the child's case there."),
}


def progress(request: Any) -> Any:
    """The latest answer of the partner's matcher on this request's thread, or None."""
    # A message's data is encrypted at rest: read in Python (a thread is a few messages).
    for message in request.messages.filter(direction="incoming").order_by("-created_at"):
        if isinstance(message.data, dict) and "tracing" in message.data:
            return PROGRESS.get(str(message.data["tracing"]))
    return None


def on_reply(request: Any, data: dict[str, Any]) -> None:
    label = dict(OUTCOMES)[data["outcome"]]
    read_the_reply_task(request, label)


TRACING = register(
    RequestType(
        code="tracing",
        label=_("Tracing of the family"),
        purpose=_("Look for the child's parents or relatives and tell whether they were found."),
        legal_hook="HC1996 Art. 31(c)",
        fields=(
            CHILD,
            Field(
                "relatives", _("Relatives sought: names, relationship, last known place"), relatives
            ),
        ),
        deadline_days=42,
        reply_form=TracingReplyForm,
        case_type_on_accept=CaseType.TRACING_ONLY,
        on_reply=on_reply,
        on_receive=on_receive,
        progress=progress,
        outcomes=OUTCOMES,
    )
)
