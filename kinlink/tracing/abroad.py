"""Tracing across borders, on the receiving node.

A partner sends a tracing request (`exchange.types.tracing`). Here it becomes a tracing
request of origin "abroad", matched in the background against this node's cases whose child
consented to tracing. The partner is answered on the request's thread with one of two
things only — "no match" or "a possible match is being reviewed" — never who the child is.
When a caseworker here confirms a match and the child's consent covers sharing with
partners abroad, the partner is told that a match is confirmed and the incoming request is
accepted on the child's case (by a supervisor or liaison), after which the normal linked
exchange goes on. Without that consent the partner hears nothing more than "being reviewed".
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kinlink.accounts.models import Role, User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.models import ConsentScope
from kinlink.exchange.models import CrossBorderRequest, MessageKind
from kinlink.exchange.policies import can_triage
from kinlink.tracing.models import (
    ActionKind,
    FiledBy,
    Origin,
    SuggestionStatus,
    TracingAction,
    TracingRequest,
)

NO_MATCH = "no_match"
UNDER_REVIEW = "under_review"
CONFIRMED = "confirmed"


def _handler(request: CrossBorderRequest) -> User | None:
    """Who handles a tracing request received from abroad: a supervisor of the agency."""
    staff = User.objects.filter(agency=request.agency, is_active=True, teams__isnull=False)
    return (
        staff.filter(role=Role.SUPERVISOR).order_by("username").first()
        or staff.filter(role=Role.CASEWORKER).order_by("username").first()
    )


def _parent(relatives: list[Any], relationship: str) -> str:
    for item in relatives:
        if isinstance(item, dict) and item.get("relationship") == relationship:
            return str(item.get("full_name") or item.get("full_name_original") or "")[:200]
    return ""


def incoming_received(request: CrossBorderRequest) -> TracingRequest | None:
    """Open the local tracing request of a received one and queue its matching. Runs in
    the inbox's transaction; the matching runs in the background once it commits."""
    handler = _handler(request)
    team = handler.teams.order_by("name").first() if handler else None
    if handler is None or team is None:
        return None
    from kinlink.tracing.services import _next_reference

    child = request.payload.get("child") or {}
    relatives = request.payload.get("relatives") or []
    if not isinstance(child, dict) or not isinstance(relatives, list):
        return None
    original = " ".join(
        str(child.get(k) or "") for k in ("given_name_original", "family_name_original")
    ).strip()
    born = child.get("date_of_birth")
    age = child.get("age_on_sending")
    nationalities = child.get("nationalities") or []
    tracing = TracingRequest.objects.create(
        reference=_next_reference(timezone.localdate().year),
        agency=request.agency,
        team=team,
        handled_by=handler,
        filed_by=FiledBy.RELATIVE,
        origin=Origin.ABROAD,
        incoming=request,
        inquirer_name=request.peer.name[:200],
        sought_given_name=str(child.get("given_name") or "")[:100] or "?",
        sought_family_name=str(child.get("family_name") or "")[:100],
        sought_name_original=original[:200],
        sought_other_names=[str(a)[:100] for a in child.get("aliases") or []][:10],
        sought_sex=str(child.get("sex") or "")[:10],
        sought_date_of_birth=_date(born) if not child.get("dob_estimated") else None,
        sought_age=age if isinstance(age, int) and 0 <= age <= 120 else None,
        sought_nationality=str(nationalities[0] if nationalities else "")[:2].upper(),
        sought_place_of_origin=str(child.get("place_of_origin") or "")[:200],
        sought_father_name=_parent(relatives, "father"),
        sought_mother_name=_parent(relatives, "mother"),
        filed_on=timezone.localdate(),
    )
    TracingAction.objects.create(
        request=tracing,
        kind=ActionKind.ABROAD,
        text=_("Received from %(peer)s (%(reference)s).")
        % {"peer": request.peer.name, "reference": request.reference},
        done_on=timezone.localdate(),
    )
    record(
        actor=None,
        actor_label="exchange",
        action=AuditAction.CREATE,
        obj=tracing,
        changes={"origin": [None, Origin.ABROAD]},
        request=str(request.pk),
    )
    from kinlink.tracing.jobs import match_incoming

    transaction.on_commit(partial(match_incoming.enqueue, str(tracing.pk)))
    return tracing


def _date(value: Any) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


ANSWERS = {
    NO_MATCH: gettext_noop("No match was found among the children registered here."),
    UNDER_REVIEW: gettext_noop("A possible match is being reviewed by a caseworker here."),
    CONFIRMED: gettext_noop(
        "A match is confirmed; the request will be accepted on the child's case here."
    ),
}


def _answer(tracing: TracingRequest, answer: str, author: User) -> None:
    """One answer on the incoming request's thread: a code and its sentence, nothing else."""
    from kinlink.exchange.thread import send

    request = tracing.incoming
    if request is None or not request.is_open:
        return
    # The partner reads the node's language; the code lets its own interface translate.
    with translation.override(settings.LANGUAGE_CODE):
        text = _(ANSWERS[answer])
    send(request, kind=MessageKind.MESSAGE, author=author, text=text, data={"tracing": answer})
    TracingAction.objects.create(
        request=tracing,
        kind=ActionKind.ABROAD,
        text=_("Answer sent to the partner: %(answer)s") % {"answer": _(ANSWERS[answer])},
        done_on=timezone.localdate(),
    )
    record(
        actor=None,
        actor_label="tracing",
        action=AuditAction.SEND,
        obj=tracing,
        case_id=tracing.case_id,
        changes={"answer": [None, answer]},
    )


def incoming_matched(tracing: TracingRequest) -> str:
    """After matching: tell the partner whether a possible match is being reviewed."""
    pending = tracing.suggestions.filter(status=SuggestionStatus.NEW).exists()
    answer = UNDER_REVIEW if pending else NO_MATCH
    _answer(tracing, answer, tracing.handled_by)
    return answer


def sharing_allowed(tracing: TracingRequest) -> bool:
    """The child's consent covers both tracing and sharing with partners abroad."""
    case = tracing.case
    if case is None:
        return False
    scopes: set[str] = set()
    for consent in case.consents.filter(withdrawn_on__isnull=True).exclude(given_by=""):
        scopes.update(consent.scopes or [])
    return {ConsentScope.TRACING, ConsentScope.SHARING} <= scopes


def answer_confirmed(*, actor: User, request: TracingRequest) -> None:
    """A caseworker confirmed the match of a request from abroad. Only with the child's
    consent to share is the partner told, and the incoming request accepted on the case."""
    if not sharing_allowed(request):
        TracingAction.objects.create(
            request=request,
            kind=ActionKind.ABROAD,
            text=_(
                "The partner is not told: the child's consent does not cover sharing with "
                "partners abroad."
            ),
            done_on=timezone.localdate(),
            actor=actor,
        )
        return
    _answer(request, CONFIRMED, actor)
    incoming = request.incoming
    if incoming is not None and can_triage(actor) and incoming.status == "received":
        from kinlink.exchange.receiving import incoming_accept

        incoming.refresh_from_db()
        incoming_accept(
            actor=actor, request=incoming, seen_version=incoming.version, case=request.case
        )
