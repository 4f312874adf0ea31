"""The inbox: what this node does with an envelope posted to it.

Checks that need no memory are `envelopes.open_envelope`'s. Then, in one transaction: the
message id is recorded (unique), the message's effect is applied by the handler of its kind,
the receipt is signed and stored, and the audit trail says what arrived from whom. A message id
seen before with the same bytes gets the original answer again and changes nothing; with other
bytes it is a replay and is refused. Every refusal is audited, without the envelope's content.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.core.faults import crash_point
from kinlink.exchange import keys
from kinlink.exchange.envelopes import (
    Opened,
    RefusalCode,
    Refused,
    digest,
    open_envelope,
    sign_receipt,
)
from kinlink.exchange.models import InboundEnvelope, InboundStatus, Peer
from kinlink.exchange.peers import peer_refresh_keys

logger = logging.getLogger(__name__)

# kind → what receiving it does; raises `Refused` to refuse it (nothing of it is kept).
Handler = Callable[[Opened, Peer], None]
_HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return register


@dataclass(frozen=True)
class Answer:
    """What the inbox answers over HTTP: 200 with the signed receipt, or 4xx with the code."""

    status: int
    body: str
    content_type: str = "application/jose"


def _refusal(code: RefusalCode, status: int = 400) -> Answer:
    return Answer(
        status=status,
        body=json.dumps({"error": str(code)}),
        content_type="application/json",
    )


STATUS_OF = {
    RefusalCode.OVERSIZE: 413,
    RefusalCode.UNKNOWN_SENDER: 403,
    RefusalCode.UNKNOWN_KEY: 403,
    RefusalCode.BAD_SIGNATURE: 403,
    RefusalCode.REPLAYED: 409,
    RefusalCode.NOT_ADDRESSEE: 403,
    RefusalCode.WITHDRAWN: 409,
    RefusalCode.UNKNOWN_REQUEST: 404,
    RefusalCode.REFUSED_BY_RULE: 409,
}


def _signing_key_of(node_id: str, kid: str) -> dict[str, Any] | None:
    """A registered, active peer's trusted signing key; an unknown kid asks the peer for its
    current keys once (a rotation)."""
    peer = Peer.active(node_id)
    if peer is None:
        raise KeyError(node_id)
    key = peer.signing_key(kid)
    if key is None and peer_refresh_keys(peer=peer):
        key = peer.signing_key(kid)
    return key


def _audit_refusal(code: RefusalCode, sender: str, message_id: Any = None) -> None:
    with transaction.atomic():
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.REFUSE,
            refusal=str(code),
            claimed_sender=sender[:64],
            message_id=message_id,
        )
    logger.warning("envelope refused: %s", code)


def receive(token: bytes, *, claimed_sender: str = "") -> Answer:
    """Take one posted envelope; answer with a receipt or a typed refusal."""
    now = timezone.now()
    try:
        opened = open_envelope(
            token,
            ring=keys.load(),
            node_id=settings.KINLINK_NODE_ID,
            signing_key_of=_signing_key_of,
            max_bytes=settings.KINLINK_EXCHANGE_MAX_BYTES,
            now=now,
        )
    except Refused as refused:
        _audit_refusal(refused.code, claimed_sender)
        return _refusal(refused.code, STATUS_OF.get(refused.code, 400))
    try:
        answer = _apply(opened, len(token))
    except IntegrityError:
        # The same message arrived twice at once: the other delivery stored it first.
        answer = _repeat(opened)
    crash_point("inbox_after_commit")
    return answer


def _repeat(opened: Opened) -> Answer:
    earlier = InboundEnvelope.objects.get(message_id=opened.message_id)
    if earlier.digest != opened.digest:
        _audit_refusal(RefusalCode.REPLAYED, opened.sender, opened.message_id)
        return _refusal(RefusalCode.REPLAYED, 409)
    if earlier.status == InboundStatus.APPLIED:
        return Answer(status=200, body=earlier.receipt)
    code = RefusalCode(earlier.refusal)
    return _refusal(code, STATUS_OF.get(code, 400))


def _apply(opened: Opened, size: int) -> Answer:
    with transaction.atomic():
        if InboundEnvelope.objects.filter(message_id=opened.message_id).exists():
            return _repeat(opened)
        peer = Peer.objects.get(node_id=opened.sender)
        handler = _HANDLERS.get(opened.kind)
        row = InboundEnvelope.objects.create(
            message_id=opened.message_id,
            peer=peer,
            kind=opened.kind,
            conversation=opened.request,
            digest=opened.digest,
            size=size,
            status=InboundStatus.APPLIED,
            issued_at=opened.issued_at,
        )
        refusal: RefusalCode | None = None
        detail = ""
        try:
            with transaction.atomic():  # the effect rolls back alone if it is refused
                if handler is None:
                    raise Refused(RefusalCode.MALFORMED, f"kind {opened.kind[:20]}")
                handler(opened, peer)
        except Refused as refused:
            refusal, detail = refused.code, refused.detail[:100]
        if refusal is not None:
            row.status, row.refusal = InboundStatus.REFUSED, refusal
            row.save(update_fields=["status", "refusal"])
            record(
                actor=None,
                actor_label="system",
                action=AuditAction.REFUSE,
                obj=row,
                peer=peer.node_id,
                kind=opened.kind,
                refusal=str(refusal),
                detail=detail,
                message_id=opened.message_id,
                conversation=opened.request,
            )
            return _refusal(refusal, STATUS_OF.get(refusal, 400))
        row.receipt = sign_receipt(
            ring=keys.load(),
            node_id=settings.KINLINK_NODE_ID,
            sender=peer.node_id,
            message_id=opened.message_id,
            received_digest=opened.digest,
            status="accepted",
            now=timezone.now(),
        )
        row.save(update_fields=["receipt"])
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.RECEIVE,
            obj=row,
            peer=peer.node_id,
            kind=opened.kind,
            message_id=opened.message_id,
            conversation=opened.request,
            size=size,
        )
        return Answer(status=200, body=row.receipt)


__all__ = ["Answer", "digest", "handles", "receive"]
