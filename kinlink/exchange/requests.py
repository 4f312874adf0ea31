"""Services of cross-border requests, on both sides of the border.

Sending side: `request_draft` → `request_submit` (the payload is frozen, a supervisor is asked)
→ approved: the request envelope is written in the approval's transaction (`SENT`) → the
partner's signed receipt (`ACKNOWLEDGED`) → accepted (`IN_PROGRESS`) → replied (`REPLIED`) →
`request_close`; `request_withdraw` at any time before it ends. Receiving side: the envelope
lands in the agency's inbox (`RECEIVED`) → `incoming_accept` links it to a case here, new or
existing → `incoming_reply`; or `incoming_decline`. Either side writes in the thread with
`message_post`. Every change writes its envelope in the same transaction (the outbox), and
every envelope received is applied once (`inbox`).

Sending personal data needs the child's consent to sharing abroad or a recorded legal basis,
the do-no-harm check (HC 1996 Art. 37), and — for a child who sought international
protection — never the authorities of the country of origin without a recorded reason (SG-09).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.accounts.models import NotificationKind, Role, User
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.cases import workflow
from kinlink.cases.models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    ConsentScope,
    LegalBasis,
)
from kinlink.cases.policies import can_edit_case
from kinlink.core.concurrency import save_versioned
from kinlink.directory.models import Agency
from kinlink.exchange import outbox, registry
from kinlink.exchange.envelopes import Opened, RefusalCode, Refused
from kinlink.exchange.inbox import handles
from kinlink.exchange.models import (
    ENDED_STATUSES,
    Attachment,
    CrossBorderRequest,
    Direction,
    MessageKind,
    OutboundEnvelope,
    Peer,
    PeerStatus,
    RequestMessage,
    RequestStatus,
    Urgency,
)
from kinlink.exchange.policies import can_act_on, can_triage

MIN_REASON = 20
ALLOWED_TYPES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


# --- helpers ---------------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _own_agency_code(agency: Agency) -> dict[str, str]:
    return {"code": agency.code, "name": agency.name, "country": agency.country}


def _next_reference(agency: Agency, year: int) -> str:
    """The inter-country reference: {country}-{agency}-{year}-{sequence}, unique per node."""
    prefix = f"{agency.country}-{agency.code}-{year}-".upper()
    last = (
        CrossBorderRequest.objects.filter(
            direction=Direction.OUTGOING, reference__startswith=prefix
        )
        .aggregate(last=Max("reference"))
        .get("last")
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _audit(
    actor: User | None,
    request: CrossBorderRequest,
    changes: dict[str, Any],
    action: str = AuditAction.UPDATE,
    **context: Any,
) -> None:
    record(
        actor=actor,
        actor_label="" if actor else "system",
        action=action,
        obj=request,
        case_id=request.case_id,
        changes=changes,
        **context,
    )


def _move(
    request: CrossBorderRequest,
    status: str,
    *,
    actor: User | None,
    fields: dict[str, Any] | None = None,
    seen_version: int | None = None,
    **context: Any,
) -> None:
    """Change the request's status (and fields), versioned and audited; a stale
    `seen_version` is refused (`StaleEdit`)."""
    before = request.status
    seen = request.version if seen_version is None else seen_version
    request.status = status
    for name, value in (fields or {}).items():
        setattr(request, name, value)
    save_versioned(request, seen_version=seen, fields=["status", *(fields or {})])
    changes = {"status": [before, status], "version": [seen, request.version]}
    _audit(actor, request, changes, **context)


def _thread(
    request: CrossBorderRequest,
    *,
    kind: str,
    direction: str,
    text: str = "",
    data: dict[str, Any] | None = None,
    author: User | None = None,
    author_name: str = "",
    message_id: UUID | None = None,
) -> RequestMessage:
    return RequestMessage.objects.create(
        request=request,
        direction=direction,
        kind=kind,
        text=text,
        data=data or {},
        author=author,
        author_name=author_name or (author.full_name if author else ""),
        message_id=message_id or uuid4(),
    )


def _send(
    request: CrossBorderRequest,
    *,
    kind: str,
    author: User,
    text: str = "",
    data: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> RequestMessage:
    """Add an outgoing entry to the thread and write its envelope, in one transaction."""
    message = _thread(
        request,
        kind=kind,
        direction=Direction.OUTGOING,
        text=text,
        data=data,
        author=author,
    )
    stored = [_attach(message, a) for a in attachments or []]
    outbox.enqueue(
        peer=request.peer,
        kind=kind,
        conversation=request.conversation,
        message_id=message.message_id,
        body={
            "text": text,
            "data": data or {},
            "author": author.full_name,
            "attachments": [
                {
                    "name": a.name,
                    "content_type": a.content_type,
                    "sha256": a.sha256,
                    "content": base64.b64encode(bytes(a.content)).decode(),
                }
                for a in stored
            ],
            **(body or {}),
        },
    )
    return message


def check_attachments(files: list[dict[str, Any]]) -> list[str]:
    """What is wrong with documents to send: type (checked on the bytes), size, number."""
    problems = []
    if len(files) > settings.KINLINK_EXCHANGE_MAX_ATTACHMENTS:
        problems.append(
            _("At most %(n)s documents per message.")
            % {"n": settings.KINLINK_EXCHANGE_MAX_ATTACHMENTS}
        )
    for item in files:
        content: bytes = item["content"]
        magic = ALLOWED_TYPES.get(item.get("content_type", ""))
        if magic is None or not content.startswith(magic):
            problems.append(
                _("%(name)s: only PDF, JPEG and PNG documents can be sent.")
                % {"name": item["name"][:80]}
            )
        if len(content) > settings.KINLINK_EXCHANGE_MAX_ATTACHMENT_BYTES:
            problems.append(
                _("%(name)s is larger than %(mb)s MB.")
                % {
                    "name": item["name"][:80],
                    "mb": settings.KINLINK_EXCHANGE_MAX_ATTACHMENT_BYTES // 1_000_000,
                }
            )
    return problems


def _attach(message: RequestMessage, item: dict[str, Any]) -> Attachment:
    content: bytes = item["content"]
    digest = hashlib.sha256(content).hexdigest()
    if item.get("sha256") and item["sha256"] != digest:
        raise Refused(RefusalCode.MALFORMED, "attachment digest")
    return Attachment.objects.create(
        message=message,
        name=str(item["name"])[:200],
        content_type=str(item["content_type"])[:100],
        size=len(content),
        sha256=digest,
        content=content,
    )


# --- sending side ----------------------------------------------------------------------------


def payload_of(request_type: registry.RequestType, case: Case, chosen: list[str]) -> dict[str, Any]:
    """Exactly what will leave: every required field, and the optional ones chosen."""
    return {f.name: f.read(case) for f in request_type.fields if f.required or f.name in chosen}


def active_peers() -> list[Peer]:
    return list(Peer.objects.filter(status=PeerStatus.ACTIVE).order_by("name"))


@transaction.atomic
def request_draft(
    *,
    actor: User,
    case: Case,
    request_type: str,
    peer: Peer,
    questions: str,
    due_on: date | None = None,
    urgency: str = Urgency.NORMAL,
    fields: list[str] | None = None,
    legal_basis: str = "",
    legal_basis_note: str = "",
    origin_override_reason: str = "",
    danger_checked: bool = False,
) -> CrossBorderRequest:
    """Draft a request on a case, to a peer node. Nothing leaves before approval."""
    _require(can_edit_case(actor, case))
    kind = registry.get(request_type)
    if peer.status != PeerStatus.ACTIVE:
        raise ValidationError({"peer": _("This node is not an active peer.")})
    request = CrossBorderRequest(
        conversation=uuid4(),
        reference=_next_reference(case.agency, timezone.localdate().year),
        direction=Direction.OUTGOING,
        request_type=kind.code,
        agency=case.agency,
        peer=peer,
        case=case,
        status=RequestStatus.DRAFT,
        urgency=urgency,
        created_by=actor,
        assigned_to=actor,
    )
    _set_draft(
        request,
        kind,
        questions,
        due_on,
        fields,
        legal_basis,
        legal_basis_note,
        origin_override_reason,
        danger_checked,
    )
    request.save()
    _audit(
        actor,
        request,
        {"status": [None, RequestStatus.DRAFT], "type": [None, kind.code]},
        action=AuditAction.CREATE,
        peer=peer.node_id,
    )
    return request


def _set_draft(
    request: CrossBorderRequest,
    kind: registry.RequestType,
    questions: str,
    due_on: date | None,
    fields: list[str] | None,
    legal_basis: str,
    legal_basis_note: str,
    origin_override_reason: str,
    danger_checked: bool,
) -> None:
    today = timezone.localdate()
    due = due_on or today + timedelta(days=kind.deadline_days)
    errors: dict[str, list[str]] = {}
    if due <= today:
        errors["due_on"] = [_("The reply date must be after today.")]
    if not questions.strip():
        errors["questions"] = [_("Say what you ask the partner to do or answer.")]
    if legal_basis and legal_basis not in LegalBasis.values:
        errors["legal_basis"] = [_("Choose a legal basis from the list.")]
    known = {f.name for f in kind.fields}
    chosen = [name for name in fields or [] if name in known]
    if errors:
        raise ValidationError(errors)
    request.questions = questions.strip()
    request.due_on = due
    request.fields = chosen
    request.legal_basis = legal_basis
    request.legal_basis_note = legal_basis_note.strip()
    request.origin_override_reason = origin_override_reason.strip()
    request.danger_checked = danger_checked


DRAFT_FIELDS = (
    "questions",
    "due_on",
    "urgency",
    "fields",
    "legal_basis",
    "legal_basis_note",
    "origin_override_reason",
    "danger_checked",
)


@transaction.atomic
def request_update(
    *,
    actor: User,
    request: CrossBorderRequest,
    seen_version: int,
    questions: str,
    due_on: date | None = None,
    urgency: str = Urgency.NORMAL,
    fields: list[str] | None = None,
    legal_basis: str = "",
    legal_basis_note: str = "",
    origin_override_reason: str = "",
    danger_checked: bool = False,
) -> CrossBorderRequest:
    """Change a draft (or one sent back by the supervisor). A stale edit is refused."""
    _require(request.direction == Direction.OUTGOING and can_act_on(actor, request))
    if request.status != RequestStatus.DRAFT:
        raise ValidationError(_("Only a draft can be changed."))
    kind = registry.get(request.request_type)
    before = {name: getattr(request, name) for name in DRAFT_FIELDS}
    request.urgency = urgency
    _set_draft(
        request,
        kind,
        questions,
        due_on,
        fields,
        legal_basis,
        legal_basis_note,
        origin_override_reason,
        danger_checked,
    )
    save_versioned(request, seen_version=seen_version, fields=list(DRAFT_FIELDS))
    changes = diff(before, {name: getattr(request, name) for name in DRAFT_FIELDS})
    changes["version"] = [seen_version, request.version]
    _audit(actor, request, changes)
    return request


def sharing_consent(case: Case) -> bool:
    return any(
        ConsentScope.SHARING in (c.scopes or []) and c.withdrawn_on is None and c.given_by
        for c in case.consents.all()
    )


def origin_authority(request: CrossBorderRequest) -> bool:
    """The request goes to a state authority of a country the child fled or belongs to."""
    case = request.case
    assert case is not None  # noqa: S101 -- outgoing requests have a case
    countries = {case.country_of_origin, *(case.nationalities or [])}
    return request.peer.is_state_authority and request.peer.country in countries


def submit_refusals(request: CrossBorderRequest) -> dict[str, list[str]]:
    """Everything that stops sending this request, by form field (SG-09, Art. 37)."""
    case = request.case
    assert case is not None  # noqa: S101
    kind = registry.get(request.request_type)
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if request.peer.status != PeerStatus.ACTIVE:
        add("peer", _("This node is not an active peer any more."))
    if kind.carries_personal_data:
        if not request.danger_checked:
            add(
                "danger_checked",
                _(
                    "Confirm that sending this endangers neither the child nor a member of the "
                    "family (1996 Hague Convention, Art. 37)."
                ),
            )
        if not sharing_consent(case) and not (
            request.legal_basis and len(request.legal_basis_note) >= MIN_REASON
        ):
            add(
                "legal_basis",
                _(
                    "The child's consent to sharing with partners abroad is not recorded: "
                    "record it on the case, or choose a legal basis and explain it in at least "
                    "%(n)s characters."
                )
                % {"n": MIN_REASON},
            )
    needs_reason = case.protection_sought and origin_authority(request)
    if needs_reason and len(request.origin_override_reason) < MIN_REASON:
        add(
            "origin_override_reason",
            _(
                "The child sought international protection and this node is an authority "
                "of the country of origin: contacting it needs a reason of at least "
                "%(n)s characters."
            )
            % {"n": MIN_REASON},
        )
    if request.due_on <= timezone.localdate():
        add("due_on", _("The reply date must be after today."))
    return errors


@transaction.atomic
def request_submit(*, actor: User, request: CrossBorderRequest, seen_version: int) -> Approval:
    """Freeze what will leave and ask a supervisor to approve it. Refused, with every reason,
    while a rule of sending holds."""
    _require(request.direction == Direction.OUTGOING and can_act_on(actor, request))
    if request.status != RequestStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    if errors := submit_refusals(request):
        raise ValidationError(errors)
    assert request.case is not None  # noqa: S101
    kind = registry.get(request.request_type)
    request.payload = payload_of(kind, request.case, request.fields)
    _move(
        request,
        RequestStatus.SUBMITTED,
        actor=actor,
        fields={"payload": request.payload},
        data_sent=sorted(request.payload),
    )
    return workflow.approval_request(
        actor=actor, case=request.case, subject=ApprovalSubject.CROSS_BORDER, object_id=request.pk
    )


@workflow.approval_handler(ApprovalSubject.CROSS_BORDER)
def request_approval_decided(approval: Approval, decider: User) -> None:
    """Approved: the request leaves (its envelope is written now). Sent back: a draft again."""
    request = (
        CrossBorderRequest.objects.select_for_update()
        .select_related("peer", "case")
        .get(pk=approval.object_id)
    )
    if request.status != RequestStatus.SUBMITTED:
        return
    if approval.status != ApprovalStatus.APPROVED:
        _move(request, RequestStatus.DRAFT, actor=decider, fields={"payload": {}})
        return
    if errors := submit_refusals(request):
        raise ValidationError([m for messages in errors.values() for m in messages])
    kind = registry.get(request.request_type)
    now = timezone.now()
    _move(
        request,
        RequestStatus.SENT,
        actor=decider,
        fields={"approved_by": decider, "approved_at": now, "sent_at": now},
        data_sent=sorted(request.payload),
    )
    assert request.case is not None  # noqa: S101
    _send(
        request,
        kind=MessageKind.REQUEST,
        author=request.created_by or decider,
        text=request.questions,
        body={
            "reference": request.reference,
            "type": kind.code,
            "legal_hook": kind.legal_hook,
            "urgency": request.urgency,
            "due_on": request.due_on.isoformat(),
            "payload": request.payload,
            "from_agency": _own_agency_code(request.agency),
            "case_reference": request.case.reference,
            "legal_basis": "consent" if sharing_consent(request.case) else request.legal_basis,
        },
    )


def _outgoing_open(actor: User, request: CrossBorderRequest) -> None:
    _require(request.direction == Direction.OUTGOING and can_act_on(actor, request))
    if request.status in ENDED_STATUSES:
        raise ValidationError(_("This request has ended."))


@transaction.atomic
def request_withdraw(
    *, actor: User, request: CrossBorderRequest, reason: str
) -> CrossBorderRequest:
    """Withdraw a request; the partner is told if it was sent. Replies that come later are
    refused."""
    _outgoing_open(actor, request)
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Say why the request is withdrawn.")})
    was_sent = request.status not in {RequestStatus.DRAFT, RequestStatus.SUBMITTED}
    if request.status == RequestStatus.SUBMITTED:
        pending = workflow.pending_approval(ApprovalSubject.CROSS_BORDER, request.pk)
        if pending is not None:
            Approval.objects.filter(pk=pending.pk).update(
                status=ApprovalStatus.RETURNED, comments=reason.strip(), decided_at=timezone.now()
            )
    _move(
        request,
        RequestStatus.WITHDRAWN,
        actor=actor,
        fields={"ended_at": timezone.now(), "end_reason": reason.strip()},
    )
    if was_sent:
        _send(request, kind=MessageKind.WITHDRAW, author=actor, text=reason.strip())
    return request


@transaction.atomic
def request_close(
    *, actor: User, request: CrossBorderRequest, note: str = ""
) -> CrossBorderRequest:
    """Close a request once its reply is in (or when nothing more is expected)."""
    _outgoing_open(actor, request)
    if request.status in {RequestStatus.DRAFT, RequestStatus.SUBMITTED}:
        raise ValidationError(_("A request that was never sent is withdrawn, not closed."))
    _move(
        request,
        RequestStatus.CLOSED,
        actor=actor,
        fields={"ended_at": timezone.now(), "end_reason": note.strip()},
    )
    _send(request, kind=MessageKind.CLOSE, author=actor, text=note.strip())
    return request


@transaction.atomic
def message_post(
    *,
    actor: User,
    request: CrossBorderRequest,
    text: str,
    attachments: list[dict[str, Any]] | None = None,
) -> RequestMessage:
    """A question, an answer or documents in the request's thread, to the other side."""
    _require(can_act_on(actor, request))
    if request.status in ENDED_STATUSES or request.status in {
        RequestStatus.DRAFT,
        RequestStatus.SUBMITTED,
    }:
        raise ValidationError(_("Messages are exchanged while the request is open."))
    attachments = attachments or []
    problems = check_attachments(attachments)
    if not text.strip() and not attachments:
        problems.append(_("Write a message or add a document."))
    if problems:
        raise ValidationError({"text": problems})
    message = _send(
        request, kind=MessageKind.MESSAGE, author=actor, text=text.strip(), attachments=attachments
    )
    _audit(actor, request, {"message": [None, str(message.message_id)]}, documents=len(attachments))
    return message


@receiver(outbox.envelope_delivered, dispatch_uid="exchange.request_acknowledged")
def request_acknowledged(sender: Any, envelope: OutboundEnvelope, **kwargs: Any) -> None:
    """The partner's signed receipt of the request itself: it is acknowledged."""
    if envelope.kind != MessageKind.REQUEST:
        return
    request = CrossBorderRequest.objects.filter(
        conversation=envelope.conversation, direction=Direction.OUTGOING
    ).first()
    if request is None:
        return
    if request.status == RequestStatus.SENT:
        _move(
            request,
            RequestStatus.ACKNOWLEDGED,
            actor=None,
            fields={"acknowledged_at": envelope.delivered_at},
        )
    elif request.acknowledged_at is None:
        CrossBorderRequest.objects.filter(pk=request.pk).update(
            acknowledged_at=envelope.delivered_at
        )


@receiver(outbox.envelope_dead, dispatch_uid="exchange.request_undelivered")
def request_undelivered(sender: Any, envelope: OutboundEnvelope, **kwargs: Any) -> None:
    """An envelope given up: whoever handles the request is told, with the reason."""
    request = CrossBorderRequest.objects.filter(conversation=envelope.conversation).first()
    if request is None:
        return
    recipients = [u for u in (request.assigned_to, request.created_by) if u is not None]
    notification_send(
        recipients=list({u.pk: u for u in recipients}.values()),
        kind=NotificationKind.REQUEST_UNDELIVERED,
        link=reverse("exchange:request_detail", args=[request.pk]),
        reference=request.reference,
        peer=request.peer.name,
        reason=_reason_label(envelope.last_error),
    )


def _reason_label(error: str) -> Any:
    return RefusalCode(error).label if error in RefusalCode.values else error


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


def _received_attachments(message: RequestMessage, body: dict[str, Any]) -> None:
    items = body.get("attachments") or []
    if not isinstance(items, list):
        raise Refused(RefusalCode.MALFORMED, "attachments")
    files = []
    for item in items:
        try:
            files.append(
                {
                    "name": str(item["name"]),
                    "content_type": str(item["content_type"]),
                    "sha256": str(item["sha256"]),
                    "content": base64.b64decode(item["content"], validate=True),
                }
            )
        except (KeyError, TypeError, ValueError) as error:
            raise Refused(RefusalCode.MALFORMED, "attachment") from error
    if check_attachments(files):
        raise Refused(RefusalCode.REFUSED_BY_RULE, "attachment type or size")
    for item in files:
        _attach(message, item)


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
    message = _thread(
        request,
        kind=MessageKind.REQUEST,
        direction=Direction.INCOMING,
        text=request.questions,
        author_name=str(body.get("author", ""))[:150],
        message_id=opened.message_id,
    )
    _received_attachments(message, body)
    _audit(
        None,
        request,
        {"status": [None, RequestStatus.RECEIVED]},
        action=AuditAction.CREATE,
        peer=peer.node_id,
        data_received=sorted(payload),
    )
    notification_send(
        recipients=_triage_staff(agency),
        kind=NotificationKind.REQUEST_RECEIVED,
        link=reverse("exchange:request_detail", args=[request.pk]),
        reference=request.reference,
        peer=peer.name,
        type=kind.label,
    )


def _incoming_open(actor: User, request: CrossBorderRequest) -> None:
    _require(request.direction == Direction.INCOMING and can_act_on(actor, request))
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
    _require(can_triage(actor))
    if request.status != RequestStatus.RECEIVED:
        raise ValidationError(_("This request was already accepted or declined."))
    handler = assign_to or actor
    if handler.agency_id != request.agency_id or handler.role not in {
        Role.CASEWORKER,
        Role.SUPERVISOR,
    }:
        raise ValidationError({"assign_to": _("Choose a caseworker of this agency.")})
    if case is not None:
        _require(can_edit_case(actor, case) and case.agency_id == request.agency_id)
    else:
        from kinlink.exchange.linked_cases import open_linked_case

        case = open_linked_case(actor=actor, request=request, lead=handler)
    _move(
        request,
        RequestStatus.IN_PROGRESS,
        actor=actor,
        seen_version=seen_version,
        fields={"case": case, "assigned_to": handler, "accepted_at": timezone.now()},
    )
    _send(request, kind=MessageKind.ACCEPT, author=actor, body={"case_reference": case.reference})
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
    _require(can_triage(actor) or request.assigned_to_id == actor.pk)
    if request.status not in {RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS}:
        raise ValidationError(_("This request can no longer be declined."))
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Say why the request is declined.")})
    _move(
        request,
        RequestStatus.DECLINED,
        actor=actor,
        fields={"ended_at": timezone.now(), "end_reason": reason.strip()},
    )
    _send(request, kind=MessageKind.DECLINE, author=actor, text=reason.strip())
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
    _move(
        request,
        RequestStatus.REPLIED,
        actor=actor,
        seen_version=seen_version,
        fields={"reply": plain, "replied_at": timezone.now()},
    )
    _send(
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
    message = _thread(
        request,
        kind=kind,
        direction=Direction.INCOMING,
        text=str(opened.body.get("text", ""))[:8000],
        data=opened.body.get("data") if isinstance(opened.body.get("data"), dict) else {},
        author_name=str(opened.body.get("author", ""))[:150],
        message_id=opened.message_id,
    )
    _received_attachments(message, opened.body)
    return message


@handles(MessageKind.ACCEPT)
def accept_received(opened: Opened, peer: Peer) -> None:
    request = _party_request(opened, peer, Direction.OUTGOING)
    if request.status == RequestStatus.WITHDRAWN:
        raise Refused(RefusalCode.WITHDRAWN)
    if request.status not in {RequestStatus.SENT, RequestStatus.ACKNOWLEDGED}:
        raise Refused(RefusalCode.REFUSED_BY_RULE, f"accept in {request.status}")
    _incoming_entry(request, opened, MessageKind.ACCEPT)
    _move(
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
    _move(
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
    _move(
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
    _audit(None, request, {"message": [None, str(opened.message_id)]}, peer=peer.node_id)
    _tell(request, gettext_lazy("new message"))


@handles(MessageKind.WITHDRAW)
def withdraw_received(opened: Opened, peer: Peer) -> None:
    request = _party_request(opened, peer, Direction.INCOMING)
    if request.status in ENDED_STATUSES:
        return  # already ended here: nothing more to do, the receipt still says it arrived
    _incoming_entry(request, opened, MessageKind.WITHDRAW)
    _move(
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
    _move(
        request,
        RequestStatus.CLOSED,
        actor=None,
        peer=peer.node_id,
        fields={"ended_at": timezone.now()},
    )
    _tell(request, gettext_lazy("closed by the sender"))
