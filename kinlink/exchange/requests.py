"""Services of cross-border requests on the sending side.

`request_draft` → `request_submit` (the payload is frozen, a supervisor is asked) → approved:
the request envelope is written in the approval's transaction (`SENT`) → the partner's signed
receipt (`ACKNOWLEDGED`) → accepted (`IN_PROGRESS`) → replied (`REPLIED`) → `request_close`;
`request_withdraw` at any time before it ends. Either side writes in the thread with
`message_post`. The receiving side and what the partner's envelopes do here are in
`receiving`; what both share (status moves, thread entries, envelopes, documents) in `thread`.

Sending personal data needs the child's consent to sharing abroad or a recorded legal basis,
the do-no-harm check (HC 1996 Art. 37), and — for a child who sought international
protection — never the authorities of the country of origin without a recorded reason (SG-09).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.accounts.models import NotificationKind, User
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff
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
from kinlink.exchange import outbox, registry
from kinlink.exchange.envelopes import RefusalCode
from kinlink.exchange.models import (
    ENDED_STATUSES,
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
from kinlink.exchange.policies import can_act_on
from kinlink.exchange.thread import (
    MIN_REASON,
    audit,
    check_attachments,
    move,
    next_reference,
    own_agency_code,
    require,
    send,
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
    require(can_edit_case(actor, case))
    kind = registry.get(request_type)
    if peer.status != PeerStatus.ACTIVE:
        raise ValidationError({"peer": _("This node is not an active peer.")})
    request = CrossBorderRequest(
        conversation=uuid4(),
        reference=next_reference(case.agency, timezone.localdate().year),
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
    audit(
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
    require(request.direction == Direction.OUTGOING and can_act_on(actor, request))
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
    audit(actor, request, changes)
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
    require(request.direction == Direction.OUTGOING and can_act_on(actor, request))
    if request.status != RequestStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    if errors := submit_refusals(request):
        raise ValidationError(errors)
    assert request.case is not None  # noqa: S101
    kind = registry.get(request.request_type)
    request.payload = payload_of(kind, request.case, request.fields)
    move(
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
    # Only the request's own row is locked: PostgreSQL locks no row of an outer join.
    request = (
        CrossBorderRequest.objects.select_for_update(of=("self",))
        .select_related("peer", "case")
        .get(pk=approval.object_id)
    )
    if request.status != RequestStatus.SUBMITTED:
        return
    if approval.status != ApprovalStatus.APPROVED:
        move(request, RequestStatus.DRAFT, actor=decider, fields={"payload": {}})
        return
    if errors := submit_refusals(request):
        raise ValidationError([m for messages in errors.values() for m in messages])
    kind = registry.get(request.request_type)
    now = timezone.now()
    move(
        request,
        RequestStatus.SENT,
        actor=decider,
        fields={"approved_by": decider, "approved_at": now, "sent_at": now},
        data_sent=sorted(request.payload),
    )
    assert request.case is not None  # noqa: S101
    send(
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
            "from_agency": own_agency_code(request.agency),
            "case_reference": request.case.reference,
            "legal_basis": "consent" if sharing_consent(request.case) else request.legal_basis,
        },
    )


def _outgoing_open(actor: User, request: CrossBorderRequest) -> None:
    require(request.direction == Direction.OUTGOING and can_act_on(actor, request))
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
    move(
        request,
        RequestStatus.WITHDRAWN,
        actor=actor,
        fields={"ended_at": timezone.now(), "end_reason": reason.strip()},
    )
    if was_sent:
        send(request, kind=MessageKind.WITHDRAW, author=actor, text=reason.strip())
    return request


@transaction.atomic
def request_close(
    *, actor: User, request: CrossBorderRequest, note: str = ""
) -> CrossBorderRequest:
    """Close a request once its reply is in (or when nothing more is expected)."""
    _outgoing_open(actor, request)
    if request.status in {RequestStatus.DRAFT, RequestStatus.SUBMITTED}:
        raise ValidationError(_("A request that was never sent is withdrawn, not closed."))
    move(
        request,
        RequestStatus.CLOSED,
        actor=actor,
        fields={"ended_at": timezone.now(), "end_reason": note.strip()},
    )
    send(request, kind=MessageKind.CLOSE, author=actor, text=note.strip())
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
    require(can_act_on(actor, request))
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
    message = send(
        request, kind=MessageKind.MESSAGE, author=actor, text=text.strip(), attachments=attachments
    )
    audit(actor, request, {"message": [None, str(message.message_id)]}, documents=len(attachments))
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
        move(
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
