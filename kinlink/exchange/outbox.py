"""The outbox: envelopes written with the change they carry, delivered by the worker.

`enqueue` seals an envelope inside the caller's transaction: if the change rolls back, so does
the envelope; if it commits, the envelope is on disk before anyone is told it was sent.
`deliver_due` (the worker's periodic job) posts each peer's envelopes in the order they were
written and marks one delivered only on a receipt signed by the peer for exactly the bytes
sent. A failure waits with exponential back-off (with jitter, capped), and holds back the
peer's later envelopes so that they arrive in order. A typed refusal from the peer ends the
envelope at once (`DEAD`, with the reason); a peer that stays unreachable ends it after
`KINLINK_EXCHANGE_GIVE_UP_AFTER`. An administrator can retry a dead envelope.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.core.faults import crash_point
from kinlink.exchange import keys
from kinlink.exchange.envelopes import BadReceipt, RefusalCode, digest, seal, verify_receipt
from kinlink.exchange.models import OutboundEnvelope, OutboundStatus, Peer, PeerStatus
from kinlink.exchange.peers import can_manage_peers, peer_refresh_keys

logger = logging.getLogger(__name__)

# Sent inside the transaction that records the outcome: envelope.
envelope_delivered = Signal()
envelope_dead = Signal()


def lease() -> timedelta:
    """How long a worker holds an envelope it is posting: longer than a post can take, short
    enough that a worker killed mid-post delays the envelope by seconds, not minutes."""
    return timedelta(seconds=2 * settings.KINLINK_EXCHANGE_TIMEOUT_SECONDS + 5)


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait before the next try: base × 2^(n−1), capped, ±20 % jitter so that peers coming
    back are not hit by every sender at the same second."""
    base = settings.KINLINK_EXCHANGE_RETRY_BASE_SECONDS
    cap = settings.KINLINK_EXCHANGE_RETRY_CAP_SECONDS
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * (rng or random).uniform(0.8, 1.2))


def enqueue(
    *,
    peer: Peer,
    kind: str,
    conversation: uuid.UUID,
    body: dict[str, Any],
    message_id: uuid.UUID | None = None,
) -> OutboundEnvelope:
    """Seal and store an envelope for `peer`, in the caller's transaction."""
    if peer.status != PeerStatus.ACTIVE:
        raise ValueError(f"peer {peer.node_id} is not active")
    now = timezone.now()
    message_id = message_id or uuid.uuid4()
    token = seal(
        ring=keys.load(),
        sender=settings.KINLINK_NODE_ID,
        recipient=peer.node_id,
        recipient_key=peer.encryption_key(),
        message_id=message_id,
        kind=kind,
        request=conversation,
        body=body,
        now=now,
    )
    envelope = OutboundEnvelope.objects.create(
        message_id=message_id,
        peer=peer,
        kind=kind,
        conversation=conversation,
        token=token,
        digest=digest(token),
        size=len(token),
        queued_at=now,
        next_attempt_at=now,
    )
    record(
        actor=None,
        actor_label="system",
        action=AuditAction.SEND,
        obj=envelope,
        changes={"status": [None, OutboundStatus.PENDING]},
        peer=peer.node_id,
        kind=kind,
        message_id=message_id,
        conversation=conversation,
        size=len(token),
    )
    return envelope


@dataclass
class Attempt:
    """What one post of an envelope gave: a receipt, a final refusal, or a passing failure."""

    receipt: str = ""
    refusal: str = ""
    error: str = ""


def _post(client: httpx.Client, envelope: OutboundEnvelope) -> Attempt:
    try:
        response = client.post(
            envelope.peer.inbox_url,
            content=bytes(envelope.token),
            headers={
                "Content-Type": "application/jose",
                "X-Kinlink-From": settings.KINLINK_NODE_ID,
            },
        )
    except httpx.HTTPError as error:
        return Attempt(error=type(error).__name__)
    if response.status_code == 200:
        return Attempt(receipt=response.text)
    if 400 <= response.status_code < 500 and response.status_code not in {408, 429}:
        try:
            code = str(response.json().get("error", ""))
        except ValueError:
            code = ""
        if code in RefusalCode.values:
            return Attempt(refusal=code)
    return Attempt(error=f"HTTP {response.status_code}")


def _signing_key_of(peer: Peer) -> Any:
    def lookup(node_id: str, kid: str) -> dict[str, Any] | None:
        if node_id != peer.node_id:
            raise KeyError(node_id)
        key = peer.signing_key(kid)
        if key is None and peer_refresh_keys(peer=peer):
            key = peer.signing_key(kid)
        return key

    return lookup


def _claim(envelope: OutboundEnvelope, now: datetime) -> bool:
    """Lease the envelope to this worker so that a second worker leaves it alone."""
    return bool(
        OutboundEnvelope.objects.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
            pk=envelope.pk,
            status=OutboundStatus.PENDING,
        ).update(lease_until=now + lease())
    )


def _settle(envelope: OutboundEnvelope, attempt: Attempt, now: datetime) -> bool:
    """Record the outcome of one post; True when the envelope is done (delivered or dead)."""
    claims: dict[str, Any] | None = None
    if attempt.receipt:
        try:
            claims = verify_receipt(
                attempt.receipt,
                peer=envelope.peer.node_id,
                signing_key_of=_signing_key_of(envelope.peer),
                message_id=envelope.message_id,
                sent_digest=envelope.digest,
            )
        except BadReceipt as error:
            attempt = Attempt(error=f"bad receipt ({error})")
    with transaction.atomic():
        envelope.attempts += 1
        envelope.last_attempt_at = now
        envelope.lease_until = None
        fields = ["attempts", "last_attempt_at", "lease_until"]
        if claims is not None:
            envelope.status = OutboundStatus.DELIVERED
            envelope.delivered_at = now
            envelope.receipt = attempt.receipt
            envelope.last_error = ""
            fields += ["status", "delivered_at", "receipt", "last_error"]
        else:
            give_up = now - envelope.queued_at > settings.KINLINK_EXCHANGE_GIVE_UP_AFTER
            envelope.last_error = (attempt.refusal or attempt.error)[:200]
            fields.append("last_error")
            if attempt.refusal or give_up:
                envelope.status = OutboundStatus.DEAD
                envelope.dead_at = now
                fields += ["status", "dead_at"]
            else:
                envelope.next_attempt_at = now + backoff(envelope.attempts)
                fields.append("next_attempt_at")
        envelope.save(update_fields=fields)
        if envelope.status != OutboundStatus.PENDING:
            record(
                actor=None,
                actor_label="system",
                action=AuditAction.UPDATE,
                obj=envelope,
                changes={"status": [OutboundStatus.PENDING, envelope.status]},
                peer=envelope.peer.node_id,
                message_id=envelope.message_id,
                attempts=envelope.attempts,
                error=envelope.last_error,
            )
            signal = envelope_delivered if claims is not None else envelope_dead
            signal.send(sender=OutboundEnvelope, envelope=envelope)
    return envelope.status != OutboundStatus.PENDING


def deliver_due(*, budget_seconds: float = 25.0, client: httpx.Client | None = None) -> int:
    """Post what is due, peer by peer and in order, for at most `budget_seconds`. Returns
    how many envelopes were settled (delivered or given up)."""
    started = time.monotonic()
    settled = 0
    own_client = client is None
    client = client or httpx.Client(timeout=settings.KINLINK_EXCHANGE_TIMEOUT_SECONDS)
    try:
        peers = Peer.objects.filter(
            status=PeerStatus.ACTIVE,
            outbox__status=OutboundStatus.PENDING,
            outbox__next_attempt_at__lte=timezone.now(),
        ).distinct()
        for peer in peers:
            while time.monotonic() - started < budget_seconds:
                head = (
                    OutboundEnvelope.objects.filter(peer=peer, status=OutboundStatus.PENDING)
                    .select_related("peer")
                    .order_by("created_at")
                    .first()
                )
                now = timezone.now()
                if head is None or head.next_attempt_at > now or not _claim(head, now):
                    break
                attempt = _post(client, head)
                crash_point("outbox_after_post")
                if not _settle(head, attempt, timezone.now()):
                    break  # the peer is failing: its later envelopes wait their turn
                settled += 1
    finally:
        if own_client:
            client.close()
    return settled


@transaction.atomic
def retry(*, envelope: OutboundEnvelope, actor: Any) -> OutboundEnvelope:
    """Put a dead envelope back in the queue, at the head of its peer's line (an
    administrator's decision)."""
    if not can_manage_peers(actor):
        raise PermissionDenied
    envelope.refresh_from_db()
    if envelope.status != OutboundStatus.DEAD:
        raise ValidationError(_("Only an envelope that could not be delivered is sent again."))
    updated = OutboundEnvelope.objects.filter(pk=envelope.pk, status=OutboundStatus.DEAD).update(
        status=OutboundStatus.PENDING,
        attempts=0,
        queued_at=timezone.now(),
        next_attempt_at=timezone.now(),
        dead_at=None,
    )
    if updated:
        record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=envelope,
            changes={"status": [OutboundStatus.DEAD, OutboundStatus.PENDING]},
            message_id=envelope.message_id,
        )
    envelope.refresh_from_db()
    return envelope
