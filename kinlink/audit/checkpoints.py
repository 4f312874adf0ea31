"""Audit checkpoints: a peer node witnesses this node's audit trail (ADR 0029).

The hash chain shows any edit to a stored event, but a node's own administrator could rewrite
the whole trail and compute every hash again. So once a day (`jobs.send_audit_checkpoint`) the
node signs its chain head — the last event's sequence and hash — with its exchange signing key
and sends it, in an envelope of kind `audit_checkpoint`, to the peer named in the node
settings (`NodeSettings.audit_witness_peer`).

- The witness (`checkpoint_received`) checks the statement's signature against the peer's
  trusted key and keeps it (`HeldCheckpoint`). A statement that cannot follow those held
  before it — a shorter chain, or another hash for a sequence already witnessed — is kept
  marked as a conflict and audited: the sender's history was rewritten.
- The witness's administrator exports what it holds for a peer (`checkpoints_held_document`);
  the sender's `kinlink audit verify --checkpoints FILE` checks that its own trail still has,
  at each witnessed sequence, the witnessed hash, and that each statement is its own.

A statement names no case and no person: a sequence number, a hash and a time.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from kinlink.audit.models import (
    AuditAction,
    AuditChainHead,
    AuditEvent,
    HeldCheckpoint,
    SentCheckpoint,
)
from kinlink.audit.services import record
from kinlink.core.models import NodeSettings
from kinlink.exchange import keys
from kinlink.exchange.envelopes import Opened, RefusalCode, Refused
from kinlink.exchange.inbox import handles
from kinlink.exchange.models import OutboundEnvelope, Peer
from kinlink.exchange.outbox import enqueue

logger = logging.getLogger(__name__)

KIND = "audit_checkpoint"
FORMAT = 1
SIGNING_ALG = "EdDSA"
TYPE = "kinlink-audit-checkpoint"
# Every checkpoint of one sender belongs to one conversation.
NAMESPACE = uuid.UUID("0e6f1c1e-95a4-4d8e-8d8b-2f5f3c2a7b41")
HASH = re.compile(r"^[0-9a-f]{64}$")


def _refuse(what: str) -> Refused:
    return Refused(RefusalCode.REFUSED_BY_RULE, f"audit_checkpoint:{what}")


def _b64json(part: str) -> dict[str, Any]:
    padded = part + "=" * (-len(part) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


# --- signing and reading a statement ----------------------------------------------------------


def sign_statement(
    *,
    sequence: int,
    hash: str,
    at: datetime,
    ring: keys.KeyRing | None = None,
    node: str | None = None,
) -> str:
    """The chain head as a compact JWS signed with this node's exchange signing key (`ring`
    and `node` name another signer: a test's simulated peer)."""
    signing = (ring or keys.load()).signing_key()
    claims = {
        "typ": TYPE,
        "node": node or settings.KINLINK_NODE_ID,
        "sequence": sequence,
        "hash": hash,
        "at": at.isoformat(),
    }
    return jws.serialize_compact(
        {"alg": SIGNING_ALG, "kid": signing.kid},
        json.dumps(claims, separators=(",", ":"), sort_keys=True).encode(),
        signing.key,
        algorithms=[SIGNING_ALG],
    )


@dataclass(frozen=True)
class Statement:
    node: str
    sequence: int
    hash: str
    at: datetime
    kid: str


def read_statement(signed: str) -> tuple[Statement, str]:
    """The statement's claims and the kid it names, before its signature is checked.
    Raises ValueError for anything that is not a checkpoint statement."""
    parts = signed.split(".")
    if len(parts) != 3 or not parts[2]:
        raise ValueError("not a compact JWS")
    header, claims = _b64json(parts[0]), _b64json(parts[1])
    if header.get("alg") != SIGNING_ALG or claims.get("typ") != TYPE:
        raise ValueError("not a checkpoint statement")
    sequence, digest = claims.get("sequence"), claims.get("hash")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        raise ValueError("sequence")
    if not isinstance(digest, str) or not HASH.match(digest):
        raise ValueError("hash")
    at = datetime.fromisoformat(str(claims.get("at")))
    if at.tzinfo is None:
        raise ValueError("at")
    kid = str(header.get("kid", ""))
    return Statement(str(claims.get("node", "")), sequence, digest, at, kid), kid


def check_signature(signed: str, public: dict[str, Any]) -> bool:
    try:
        jws.deserialize_compact(signed, OKPKey.import_key(public), algorithms=[SIGNING_ALG])
    except (JoseError, ValueError):
        return False
    return True


# --- the sender ---------------------------------------------------------------------------------


@transaction.atomic
def checkpoint_send(*, now: datetime | None = None) -> OutboundEnvelope | None:
    """Sign the chain head and put it in the outbox for the witness, if one is named."""
    node_id = NodeSettings.current().audit_witness_peer
    if not node_id:
        return None
    peer = Peer.active(node_id)
    if peer is None:
        logger.warning("audit checkpoint not sent: the witness node is not an active peer")
        return None
    now = now or timezone.now()
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    sequence, digest = (head.sequence, head.hash) if head else (0, "0" * 64)
    signed = sign_statement(sequence=sequence, hash=digest, at=now)
    SentCheckpoint.objects.create(
        sequence=sequence, hash=digest, signed=signed, witness=node_id, sent_at=now
    )
    envelope = enqueue(
        peer=peer,
        kind=KIND,
        conversation=uuid.uuid5(NAMESPACE, settings.KINLINK_NODE_ID),
        body={"format": FORMAT, "statement": signed},
    )
    record(
        actor=None,
        actor_label="system",
        action=AuditAction.CHECKPOINT,
        checkpoint_sequence=sequence,
        witness=node_id,
    )
    return envelope


# --- the witness --------------------------------------------------------------------------------


@handles(KIND)
def checkpoint_received(opened: Opened, peer: Peer) -> None:
    """Keep a peer's signed chain head; mark and audit one that rewrites what was witnessed."""
    body = opened.body
    if body.get("format") != FORMAT or not isinstance(body.get("statement"), str):
        raise _refuse("malformed")
    signed = body["statement"]
    try:
        statement, kid = read_statement(signed)
    except ValueError:
        raise _refuse("malformed") from None
    if statement.node != opened.sender:
        raise _refuse("another_node")
    public = peer.signing_key(kid)
    if public is None or not check_signature(signed, public):
        raise _refuse("bad_signature")
    latest = HeldCheckpoint.objects.filter(peer=peer, conflict=False).order_by("-sequence").first()
    same_sequence = HeldCheckpoint.objects.filter(
        peer=peer, sequence=statement.sequence, conflict=False
    ).first()
    conflict = (latest is not None and statement.sequence < latest.sequence) or (
        same_sequence is not None and same_sequence.hash != statement.hash
    )
    HeldCheckpoint.objects.create(
        peer=peer,
        sequence=statement.sequence,
        hash=statement.hash,
        signed_at=statement.at,
        signed=signed,
        received_at=timezone.now(),
        message_id=opened.message_id,
        conflict=conflict,
    )
    record(
        actor=None,
        actor_label="system",
        action=AuditAction.CHECKPOINT,
        peer=peer.node_id,
        checkpoint_sequence=statement.sequence,
        conflict=conflict,
    )
    if conflict:
        logger.error("audit checkpoint from a peer contradicts what it sent before")


def checkpoints_held_document(peer: Peer) -> dict[str, Any]:
    """What this node witnessed for a peer, for the peer's `audit verify --checkpoints`."""
    held = HeldCheckpoint.objects.filter(peer=peer).order_by("sequence", "received_at")
    return {
        "format": FORMAT,
        "witness": settings.KINLINK_NODE_ID,
        "node": peer.node_id,
        "exported_at": timezone.now().isoformat(),
        "checkpoints": [
            {
                "statement": c.signed,
                "received_at": c.received_at.isoformat(),
                "conflict": c.conflict,
            }
            for c in held
        ],
    }


# --- verifying one's own trail against a witness -----------------------------------------------


@dataclass(frozen=True)
class WitnessReport:
    checked: int
    problems: list[str]
    # Statements signed by a key pruned from the ring since: their hash is still compared.
    unverified: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_against(document: Any) -> WitnessReport:
    """Check this node's trail against the checkpoints a witness holds for it.

    Each statement must be signed by one of this node's keys (current or kept after a
    rotation) and name this node; the event at its sequence must still carry its hash."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return WitnessReport(0, ["the file is not a list of audit checkpoints"])
    if document.get("node") != settings.KINLINK_NODE_ID:
        return WitnessReport(0, ["the checkpoints are of another node"])
    entries = document.get("checkpoints")
    if not isinstance(entries, list):
        return WitnessReport(0, ["the file is not a list of audit checkpoints"])
    ring = keys.load()
    problems: list[str] = []
    checked = unverified = 0
    for number, entry in enumerate(entries, start=1):
        signed = entry.get("statement") if isinstance(entry, dict) else None
        try:
            statement, kid = read_statement(str(signed))
        except ValueError:
            problems.append(f"checkpoint {number}: not a checkpoint statement")
            continue
        key = ring.by_kid(kid)
        if key is None:
            unverified += 1
        elif not check_signature(str(signed), key.public()):
            problems.append(f"checkpoint {number}: not signed by this node's keys")
            continue
        if statement.node != settings.KINLINK_NODE_ID:
            problems.append(f"checkpoint {number}: names another node")
            continue
        checked += 1
        if statement.sequence == 0:
            continue
        event = AuditEvent.objects.filter(sequence=statement.sequence).first()
        # Without the key, the statement's origin is unproven: say so beside the finding.
        unproven = " (signed by a key this node does not hold)" if key is None else ""
        if event is None:
            problems.append(
                f"event #{statement.sequence} was witnessed on {statement.at:%Y-%m-%d} "
                f"and is missing now{unproven}"
            )
        elif event.hash != statement.hash:
            problems.append(
                f"event #{statement.sequence} was witnessed on {statement.at:%Y-%m-%d} "
                f"with another hash: the trail was rewritten{unproven}"
            )
    return WitnessReport(checked, problems, unverified)
