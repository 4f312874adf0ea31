"""The receiving side of cross-border requests, and what the other side's envelopes do here.

An incoming request lands in the agency's inbox (`RECEIVED`) and its triage staff are told;
`incoming_accept` links it to a case here — a new linked case from what was received, or an
existing one — and gives it to a caseworker; `incoming_reply` sends the reply its type asks for;
`incoming_decline` ends it. The handlers below (`inbox.handles`) apply each kind of envelope
once: on the sending side an acceptance, a decline and a reply (landing in the case through the
type's `on_reply`); on either side a message; on the receiving side a withdrawal and a closure.
A party that is not the request's peer, or a request withdrawn, is refused (and audited).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.accounts.models import NotificationKind, Role, User
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.cases.models import (
    Case,
)
from kinlink.cases.policies import can_edit_case
from kinlink.directory.models import Agency
from kinlink.exchange import registry
from kinlink.exchange.envelopes import Opened, RefusalCode, Refused
from kinlink.exchange.inbox import handles
from kinlink.exchange.models import (
    ENDED_STATUSES,
    CrossBorderRequest,
    Direction,
    MessageKind,
    Peer,
    RequestMessage,
    RequestStatus,
    Urgency,
)
from kinlink.exchange.policies import can_act_on, can_triage
from kinlink.exchange.thread import (
    audit,
    check_attachments,
    move,
    received_attachments,
    require,
    send,
    thread_entry,
)

# --- receiving side --------------------------------------------------------------------------


def _receiving_agency(body: dict[str, Any]) -> Agency:
    """The agency of this node the request is for: named by code, else the node's first."""
    wanted = str((body.get("to_agency") or {}).get("code", ""))
    agency = Agency.objects.filter(code=wanted).first() if wanted else None
    agency = (
        agency or Agency.objects.filter(staff__isnull=False).distinct().order_by("name").first()
    )
    if agency is None:
        raise Refused(RefusalCode.REFUSED_BY_RULE, "no agency on this node")
    return agency


def _triage_staff(agency: Agency) -> list[User]:
    return list(
        User.objects.filter(
            agency=agency, is_active=True, role__in=[Role.SUPERVISOR, Role.CA_LIAISON]
        )
    )


@handles(MessageKind.REQUEST)
def request_received(opened: Opened, peer: Peer) -> None:
    """A new request from a peer lands in the agency's inbox; its triage staff are told."""
    body = opened.body
    try:
        kind = registry.get(str(body["type"]))
        due_on = date.fromisoformat(str(body["due_on"]))
        payload = body["payload"]
        reference = str(body["reference"])[:40]
    except (KeyError, ValueError) as error:
        raise Refused(RefusalCode.MALFORMED, "request body") from error
    if not isinstance(payload, dict):
        raise Refused(RefusalCode.MALFORMED, "payload")
    if CrossBorderRequest.objects.filter(conversation=opened.request).exists():
        raise Refused(RefusalCode.REFUSED_BY_RULE, "request already received")
    agency = _receiving_agency(body)
    request = CrossBorderRequest.objects.create(
        conversation=opened.request,
        reference=reference,
        direction=Direction.INCOMING,
        request_type=kind.code,
        agency=agency,
        peer=peer,
        status=RequestStatus.RECEIVED,
        urgency=str(body["urgency"]) if body.get("urgency") in Urgency.values else Urgency.NORMAL,
        questions=str(body.get("text", ""))[:4000],
        due_on=due_on,
        fields=sorted(payload),
        payload=payload,
        legal_basis=str(body.get("legal_basis", ""))[:30],
        remote_case_reference=str(body.get("case_reference", ""))[:40],
    )
    message = thread_entry(
        request,
        kind=MessageKind.REQUEST,
        direction=Direction.INCOMING,
        text=request.questions,
        author_name=str(body.get("author", ""))[:150],
        message_id=opened.message_id,
    )
    received_attachments(message, body)
    audit(
        None,
        request,
        {"status": [None, RequestStatus.RECEIVED]},
        action=AuditAction.CREATE,
        peer=peer.node_id,
        data_received=sorted(payload),
    )
    if kind.on_receive is not None:
        kind.on_receive(request)
    notification_send(
        recipients=_triage_staff(agency),
        kind=NotificationKind.REQUEST_RECEIVED,
        link=reverse("exchange:request_detail", args=[request.pk]),
        reference=request.reference,
        peer=peer.name,
        type=kind.label,
    )


def _incoming_open(actor: User, request: CrossBorderRequest) -> None:
    require(request.direction == Direction.INCOMING and can_act_on(actor, request))
    if request.status in ENDED_STATUSES:
        raise ValidationError(_("This request has ended."))


@transaction.atomic
def incoming_accept(
    *,
    actor: User,
    request: CrossBorderRequest,
    seen_version: int,
    case: Case | None = None,
    assign_to: User | None = None,
) -> CrossBorderRequest:
    """Accept an incoming request: link it to an existing case of this agency (`case`) or open
    a linked case from what was received, and give it to a caseworker."""
    _incoming_open(actor, request)
    require(can_triage(actor))
    if request.status != RequestStatus.RECEIVED:
        raise ValidationError(_("This request was already accepted or declined."))
    handler = assign_to or actor
    if handler.agency_id != request.agency_id or handler.role not in {
        Role.CASEWORKER,
        Role.SUPERVISOR,
    }:
        raise ValidationError({"assign_to": _("Choose a caseworker of this agency.")})
    if case is not None:
        require(can_edit_case(actor, case) and case.agency_id == request.agency_id)
    else:
        from kinlink.exchange.linked_cases import open_linked_case

        case = open_linked_case(actor=actor, request=request, lead=handler)
    move(
        request,
        RequestStatus.IN_PROGRESS,
        actor=actor,
        seen_version=seen_version,
        fields={"case": case, "assigned_to": handler, "accepted_at": timezone.now()},
    )
    send(request, kind=MessageKind.ACCEPT, author=actor, body={"case_reference": case.reference})
    if handler.pk != actor.pk:
        notification_send(
            recipients=[handler],
            kind=NotificationKind.REQUEST_UPDATE,
            link=reverse("exchange:request_detail", args=[request.pk]),
            reference=request.reference,
            peer=request.peer.name,
            event=gettext_lazy("given to you"),
        )
    return request


@transaction.atomic
def incoming_decline(
    *, actor: User, request: CrossBorderRequest, reason: str
) -> CrossBorderRequest:
    """Decline an incoming request with the reason the sender will read."""
    _incoming_open(actor, request)
    require(can_triage(actor) or request.assigned_to_id == actor.pk)
    if request.status not in {RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS}:
        raise ValidationError(_("This request can no longer be declined."))
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Say why the request is declined.")})
    move(
        request,
        RequestStatus.DECLINED,
        actor=actor,
        fields={"ended_at": timezone.now(), "end_reason": reason.strip()},
    )
    send(request, kind=MessageKind.DECLINE, author=actor, text=reason.strip())
    return request


@transaction.atomic
def incoming_reply(
    *,
    actor: User,
    request: CrossBorderRequest,
    seen_version: int,
    data: dict[str, Any],
    text: str = "",
    attachments: list[dict[str, Any]] | None = None,
) -> CrossBorderRequest:
    """Send the reply the request asked for (its type's reply form), with documents."""
    _incoming_open(actor, request)
    if request.status != RequestStatus.IN_PROGRESS:
        raise ValidationError(_("Accept the request before replying."))
    attachments = attachments or []
    if problems := check_attachments(attachments):
        raise ValidationError({"attachments": problems})
    plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
    move(
        request,
        RequestStatus.REPLIED,
        actor=actor,
        seen_version=seen_version,
        fields={"reply": plain, "replied_at": timezone.now()},
    )
    send(
        request,
        kind=MessageKind.REPLY,
        author=actor,
        text=text.strip(),
        data=plain,
        attachments=attachments,
    )
    return request


# --- what the other side's envelopes do here -------------------------------------------------


def _party_request(opened: Opened, peer: Peer, direction: str) -> CrossBorderRequest:
    """The request an envelope speaks of, on this side, if the sending peer is its party."""
    request = (
        CrossBorderRequest.objects.select_for_update()
        .filter(conversation=opened.request, direction=direction)
        .first()
    )
    if request is None:
        raise Refused(RefusalCode.UNKNOWN_REQUEST)
    if request.peer_id != peer.pk:
        raise Refused(RefusalCode.NOT_ADDRESSEE)
    return request


def _tell(request: CrossBorderRequest, event: Any) -> None:
    recipients = [u for u in (request.assigned_to, request.created_by) if u is not None]
    notification_send(
        recipients=list({u.pk: u for u in recipients}.values()),
        kind=NotificationKind.REQUEST_UPDATE,
        link=reverse("exchange:request_detail", args=[request.pk]),
        reference=request.reference,
        peer=request.peer.name,
        event=event,
    )


def _incoming_entry(request: CrossBorderRequest, opened: Opened, kind: str) -> RequestMessage:
    message = thread_entry(
        request,
        kind=kind,
        direction=Direction.INCOMING,
        text=str(opened.body.get("text", ""))[:8000],
        data=opened.body.get("data") if isinstance(opened.body.get("data"), dict) else {},
        author_name=str(opened.body.get("author", ""))[:150],
        message_id=opened.message_id,
    )
    received_attachments(message, opened.body)
    return message


@handles(MessageKind.ACCEPT)
def accept_received(opened: Opened, peer: Peer) -> None:
    request = _party_request(opened, peer, Direction.OUTGOING)
    if request.status == RequestStatus.WITHDRAWN:
        raise Refused(RefusalCode.WITHDRAWN)
    if request.status not in {RequestStatus.SENT, RequestStatus.ACKNOWLEDGED}:
        raise Refused(RefusalCode.REFUSED_BY_RULE, f"accept in {request.status}")
    _incoming_entry(request, opened, MessageKind.ACCEPT)
    move(
        request,
        RequestStatus.IN_PROGRESS,
        actor=None,
        peer=peer.node_id,
        fields={
            "accepted_at": timezone.now(),
            "remote_case_reference": str(opened.body.get("case_reference", ""))[:40],
            "acknowledged_at": request.acknowledged_at or timezone.now(),
        },
    )
    kind = registry.get(request.request_type)
    if kind.on_accept is not None:
        kind.on_accept(request)
    _tell(request, gettext_lazy("accepted by the partner"))


@handles(MessageKind.DECLINE)
def decline_received(opened: Opened, peer: Peer) -> None:
    request = _party_request(opened, peer, Direction.OUTGOING)
    if request.status == RequestStatus.WITHDRAWN:
        raise Refused(RefusalCode.WITHDRAWN)
    if request.status in ENDED_STATUSES:
        raise Refused(RefusalCode.REFUSED_BY_RULE, f"decline in {request.status}")
    _incoming_entry(request, opened, MessageKind.DECLINE)
    move(
        request,
        RequestStatus.DECLINED,
        actor=None,
        peer=peer.node_id,
        fields={"ended_at": timezone.now(), "end_reason": str(opened.body.get("text", ""))[:2000]},
    )
    _tell(request, gettext_lazy("declined by the partner"))


@handles(MessageKind.REPLY)
def reply_received(opened: Opened, peer: Peer) -> None:
    """The partner's reply lands in the case, through its type's `on_reply`."""
    request = _party_request(opened, peer, Direction.OUTGOING)
    if request.status == RequestStatus.WITHDRAWN:
        raise Refused(RefusalCode.WITHDRAWN)
    if request.status != RequestStatus.IN_PROGRESS:
        raise Refused(RefusalCode.REFUSED_BY_RULE, f"reply in {request.status}")
    kind = registry.get(request.request_type)
    data = opened.body.get("data")
    form = kind.reply_form(data=data if isinstance(data, dict) else {})
    if not form.is_valid():
        raise Refused(RefusalCode.REFUSED_BY_RULE, "reply does not fit its type")
    _incoming_entry(request, opened, MessageKind.REPLY)
    move(
        request,
        RequestStatus.REPLIED,
        actor=None,
        peer=peer.node_id,
        fields={"reply": opened.body.get("data"), "replied_at": timezone.now()},
    )
    if kind.on_reply is not None:
        kind.on_reply(request, form.cleaned_data)
    _tell(request, gettext_lazy("replied"))


@handles(MessageKind.MESSAGE)
def message_received(opened: Opened, peer: Peer) -> None:
    request = (
        CrossBorderRequest.objects.select_for_update()
        .filter(conversation=opened.request, peer=peer)
        .first()
    )
    if request is None:
        if CrossBorderRequest.objects.filter(conversation=opened.request).exists():
            raise Refused(RefusalCode.NOT_ADDRESSEE)
        raise Refused(RefusalCode.UNKNOWN_REQUEST)
    if request.status == RequestStatus.WITHDRAWN:
        raise Refused(RefusalCode.WITHDRAWN)
    if request.status in ENDED_STATUSES:
        raise Refused(RefusalCode.REFUSED_BY_RULE, f"message in {request.status}")
    _incoming_entry(request, opened, MessageKind.MESSAGE)
    audit(None, request, {"message": [None, str(opened.message_id)]}, peer=peer.node_id)
    _tell(request, gettext_lazy("new message"))


@handles(MessageKind.WITHDRAW)
def withdraw_received(opened: Opened, peer: Peer) -> None:
    request = _party_request(opened, peer, Direction.INCOMING)
    if request.status in ENDED_STATUSES:
        return  # already ended here: nothing more to do, the receipt still says it arrived
    _incoming_entry(request, opened, MessageKind.WITHDRAW)
    move(
        request,
        RequestStatus.WITHDRAWN,
        actor=None,
        peer=peer.node_id,
        fields={"ended_at": timezone.now(), "end_reason": str(opened.body.get("text", ""))[:2000]},
    )
    _tell(request, gettext_lazy("withdrawn by the sender"))


@handles(MessageKind.CLOSE)
def close_received(opened: Opened, peer: Peer) -> None:
    request = _party_request(opened, peer, Direction.INCOMING)
    if request.status in ENDED_STATUSES:
        return
    _incoming_entry(request, opened, MessageKind.CLOSE)
    move(
        request,
        RequestStatus.CLOSED,
        actor=None,
        peer=peer.node_id,
        fields={"ended_at": timezone.now()},
    )
    _tell(request, gettext_lazy("closed by the sender"))
