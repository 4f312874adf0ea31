"""Envelopes between nodes: signed, then encrypted (JWS inside JWE, joserfc), and the signed
receipts that prove their delivery.

`seal` makes the bytes the outbox stores and sends; `open_envelope` checks everything that can
be checked without the database's memory of earlier messages, in this order, and refuses with
a typed `Refused` at the first failure: size, form, encryption to one of this node's keys,
integrity, signature by a registered peer's trusted key, addressee, validity window. Duplicate
and replayed message ids are the inbox's business (`inbox.receive`), since they need storage.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from kinlink.exchange.keys import CONTENT_ALG, KEY_WRAP_ALG, SIGNING_ALG, KeyRing

FORMAT_VERSION = 1
# A node may be down for days: an envelope stays valid that long in outboxes and retries.
LIFETIME = timedelta(days=30)
# Clocks of two nodes disagree by this much at most before a message counts as from the future.
CLOCK_SKEW = timedelta(minutes=5)


class RefusalCode(models.TextChoices):
    """Why a node refused an envelope (or a sender gave up on one): one code each."""

    OVERSIZE = "oversize", _("Too large")
    MALFORMED = "malformed", _("Not an envelope")
    UNSIGNED = "unsigned", _("Not signed")
    WRONG_RECIPIENT = "wrong_recipient", _("Addressed to another node")
    TAMPERED = "tampered", _("Altered on the way")
    UNKNOWN_SENDER = "unknown_sender", _("From a node that is not a registered peer")
    UNKNOWN_KEY = "unknown_key", _("Signed with a key the peer never published")
    BAD_SIGNATURE = "bad_signature", _("Signature does not match")
    EXPIRED = "expired", _("Expired")
    NOT_YET_VALID = "not_yet_valid", _("Dated in the future")
    REPLAYED = "replayed", _("Message id already used for another message")
    NOT_ADDRESSEE = "not_addressee", _("The sending node is not a party to this request")
    WITHDRAWN = "withdrawn", _("The request was withdrawn")
    UNKNOWN_REQUEST = "unknown_request", _("No such request")
    REFUSED_BY_RULE = "refused_by_rule", _("Refused by a rule of the request")


class Refused(Exception):
    """An envelope refused, with its code and a technical detail (never personal data)."""

    def __init__(self, code: RefusalCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(token: bytes) -> str:
    """SHA-256 of the exact bytes sent, base64url: what a receipt proves was received."""
    return _b64(hashlib.sha256(token).digest())


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Opened:
    """An envelope that passed every check: who sent what, about which request."""

    message_id: uuid.UUID
    sender: str
    kind: str
    request: uuid.UUID
    body: dict[str, Any]
    issued_at: datetime
    digest: str


def seal(
    *,
    ring: KeyRing,
    sender: str,
    recipient: str,
    recipient_key: dict[str, Any],
    message_id: uuid.UUID,
    kind: str,
    request: uuid.UUID,
    body: dict[str, Any],
    now: datetime,
) -> bytes:
    """Sign the message with this node's key, then encrypt it to the recipient's key."""
    claims = {
        "v": FORMAT_VERSION,
        "message_id": str(message_id),
        "from": sender,
        "to": recipient,
        "kind": kind,
        "request": str(request),
        "iat": _stamp(now),
        "exp": _stamp(now + LIFETIME),
        "body": body,
    }
    signing = ring.signing_key()
    signed = jws.serialize_compact(
        {"alg": SIGNING_ALG, "kid": signing.kid},
        json.dumps(claims, separators=(",", ":"), sort_keys=True).encode(),
        signing.key,
        algorithms=[SIGNING_ALG],
    )
    encrypted = jwe.encrypt_compact(
        {"alg": KEY_WRAP_ALG, "enc": CONTENT_ALG, "kid": recipient_key["kid"]},
        signed.encode(),
        OKPKey.import_key(recipient_key),
        algorithms=[KEY_WRAP_ALG, CONTENT_ALG],
    )
    return encrypted.encode()


def _header(segment: str) -> dict[str, Any]:
    header = json.loads(_unb64(segment))
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    return header


# Given a peer's node id and a kid, the peer's public signing key — or None when the peer is
# unknown (KeyError) or never published that key (None, after the caller tried a refresh).
KeyLookup = Callable[[str, str], dict[str, Any] | None]


def open_envelope(
    token: bytes,
    *,
    ring: KeyRing,
    node_id: str,
    signing_key_of: KeyLookup,
    max_bytes: int,
    now: datetime,
) -> Opened:
    """Check an incoming envelope and return what it says; `Refused` at the first failure."""
    if len(token) > max_bytes:
        raise Refused(RefusalCode.OVERSIZE, f"{len(token)} bytes")
    try:
        text = token.decode("ascii").strip()
    except UnicodeDecodeError as error:
        raise Refused(RefusalCode.MALFORMED, "not ASCII") from error
    parts = text.split(".")
    if len(parts) != 5:
        try:
            json.loads(text)
        except ValueError:
            raise Refused(RefusalCode.MALFORMED, "not a compact JWE") from None
        raise Refused(RefusalCode.UNSIGNED, "plain JSON")
    try:
        header = _header(parts[0])
    except ValueError as error:
        raise Refused(RefusalCode.MALFORMED, "JWE header") from error
    if header.get("alg") != KEY_WRAP_ALG or header.get("enc") != CONTENT_ALG:
        raise Refused(RefusalCode.MALFORMED, "JWE algorithms")
    own = ring.by_kid(str(header.get("kid", "")))
    if own is None or own.use != "enc":
        raise Refused(RefusalCode.WRONG_RECIPIENT, "not encrypted to a key of this node")
    try:
        plain = jwe.decrypt_compact(text, own.key, algorithms=[KEY_WRAP_ALG, CONTENT_ALG])
    except (JoseError, ValueError) as error:
        raise Refused(RefusalCode.TAMPERED, type(error).__name__) from error
    signed = (plain.plaintext or b"").decode("ascii", errors="replace")
    inner = signed.split(".")
    if len(inner) != 3:
        raise Refused(RefusalCode.UNSIGNED, "content is not a JWS")
    try:
        inner_header = _header(inner[0])
        claims = json.loads(_unb64(inner[1]))
    except ValueError as error:
        raise Refused(RefusalCode.MALFORMED, "JWS content") from error
    if inner_header.get("alg") != SIGNING_ALG or not inner[2]:
        raise Refused(RefusalCode.UNSIGNED, f"alg {inner_header.get('alg')!r}")
    if not isinstance(claims, dict) or claims.get("v") != FORMAT_VERSION:
        raise Refused(RefusalCode.MALFORMED, "claims")
    sender = str(claims.get("from", ""))
    try:
        public = signing_key_of(sender, str(inner_header.get("kid", "")))
    except KeyError:
        raise Refused(RefusalCode.UNKNOWN_SENDER, sender[:64]) from None
    if public is None:
        raise Refused(RefusalCode.UNKNOWN_KEY, str(inner_header.get("kid", ""))[:64])
    try:
        jws.deserialize_compact(signed, OKPKey.import_key(public), algorithms=[SIGNING_ALG])
    except (JoseError, ValueError) as error:
        raise Refused(RefusalCode.BAD_SIGNATURE, type(error).__name__) from error
    if claims.get("to") != node_id:
        raise Refused(RefusalCode.WRONG_RECIPIENT, "addressed to another node id")
    try:
        issued = datetime.fromisoformat(claims["iat"])
        expires = datetime.fromisoformat(claims["exp"])
        message_id = uuid.UUID(claims["message_id"])
        request = uuid.UUID(claims["request"])
        kind = str(claims["kind"])
        body = claims["body"]
    except (KeyError, TypeError, ValueError) as error:
        raise Refused(RefusalCode.MALFORMED, "claims") from error
    if not isinstance(body, dict) or issued.tzinfo is None or expires.tzinfo is None:
        raise Refused(RefusalCode.MALFORMED, "claims")
    if expires < now - CLOCK_SKEW:
        raise Refused(RefusalCode.EXPIRED, _stamp(expires))
    if issued > now + CLOCK_SKEW:
        raise Refused(RefusalCode.NOT_YET_VALID, _stamp(issued))
    return Opened(
        message_id=message_id,
        sender=sender,
        kind=kind,
        request=request,
        body=body,
        issued_at=issued,
        digest=digest(token),
    )


def sign_receipt(
    *,
    ring: KeyRing,
    node_id: str,
    sender: str,
    message_id: uuid.UUID,
    received_digest: str,
    status: str,
    now: datetime,
) -> str:
    """The receiver's signed statement: this message, with this digest, arrived here."""
    claims = {
        "receipt_for": str(message_id),
        "digest": received_digest,
        "from": node_id,
        "to": sender,
        "status": status,
        "received_at": _stamp(now),
    }
    signing = ring.signing_key()
    return jws.serialize_compact(
        {"alg": SIGNING_ALG, "kid": signing.kid},
        json.dumps(claims, separators=(",", ":"), sort_keys=True).encode(),
        signing.key,
        algorithms=[SIGNING_ALG],
    )


class BadReceipt(Exception):
    """A receipt that does not prove delivery: unsigned, wrongly signed, or for other bytes."""


def verify_receipt(
    receipt: str,
    *,
    peer: str,
    signing_key_of: KeyLookup,
    message_id: uuid.UUID,
    sent_digest: str,
) -> dict[str, Any]:
    """The receipt's claims if the peer signed it for exactly the bytes sent."""
    try:
        parts = receipt.strip().split(".")
        header = _header(parts[0])
        public = signing_key_of(peer, str(header.get("kid", "")))
        if public is None:
            raise BadReceipt("unknown key")
        verified = jws.deserialize_compact(
            receipt.strip(), OKPKey.import_key(public), algorithms=[SIGNING_ALG]
        )
        claims = json.loads(verified.payload)
    except (JoseError, ValueError, IndexError, KeyError) as error:
        raise BadReceipt(type(error).__name__) from error
    if (
        claims.get("receipt_for") != str(message_id)
        or claims.get("digest") != sent_digest
        or claims.get("from") != peer
    ):
        raise BadReceipt("receipt is for another message")
    return dict(claims)
