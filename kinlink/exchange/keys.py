"""The node's own keys: an Ed25519 key that signs and an X25519 key that receives encrypted
envelopes, kept in a key ring file outside the database (`KINLINK_KEYS_DIR`).

Rotation adds a new pair and retires the old one without deleting it: envelopes sealed to the
old encryption key while they were in flight still open, and the published key document is
endorsed by the old signing key so that peers who trusted it trust the new one (`node_document`).
A retired key is dropped only by `prune`, after the grace period.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from joserfc import jws
from joserfc.jwk import OKPKey

from kinlink.core.crypto import private_folder

SIGNING_ALG = "Ed25519"
KEY_WRAP_ALG = "ECDH-ES+A256KW"
CONTENT_ALG = "A256GCM"
RING_FILE = "keyring.json"


class KeysMissing(Exception):
    """The node has no key ring yet: `kinlink keys init` makes one."""


def _now() -> datetime:
    return datetime.now(UTC)


def thumbprint(public_jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public key, base64url (43 characters): the form
    the directory records for an agency's node (`Agency.node_key_fingerprint`)."""
    return str(OKPKey.import_key(public_jwk).thumbprint())


def fingerprint_of(thumbprint_b64: str) -> str:
    """A thumbprint as 16 groups of 4 hex digits, the form administrators read to each other
    on the telephone; empty when it is not a SHA-256 thumbprint."""
    try:
        raw = _b64decode(thumbprint_b64.strip()).hex().upper()
    except ValueError:
        return ""
    if len(raw) != 64:
        return ""
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def fingerprint(public_jwk: dict[str, Any]) -> str:
    """The key's thumbprint as administrators read it (`fingerprint_of`)."""
    return fingerprint_of(thumbprint(public_jwk))


def _b64decode(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class RingKey:
    """One key of the ring, with when it was made and, once rotated out, retired."""

    jwk: dict[str, Any]  # private
    created_at: str
    retired_at: str | None = None

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])

    @property
    def use(self) -> str:
        return str(self.jwk["use"])

    @property
    def key(self) -> OKPKey:
        return OKPKey.import_key(self.jwk)

    def public(self) -> dict[str, Any]:
        return OKPKey.import_key(self.jwk).as_dict(private=False)


@dataclass
class KeyRing:
    """The node's keys, newest last. The active pair is the newest not retired."""

    keys: list[RingKey] = field(default_factory=list)
    # The previous signing key's endorsement of the current key document (a JWS), if rotated.
    endorsement_kid: str | None = None

    def active(self, use: str) -> RingKey:
        for ring_key in reversed(self.keys):
            if ring_key.use == use and ring_key.retired_at is None:
                return ring_key
        raise KeysMissing(use)

    def by_kid(self, kid: str) -> RingKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def signing_key(self) -> RingKey:
        return self.active("sig")

    def encryption_key(self) -> RingKey:
        return self.active("enc")


def keys_dir() -> Path:
    return Path(settings.KINLINK_KEYS_DIR)


def load() -> KeyRing:
    path = keys_dir() / RING_FILE
    if not path.exists():
        raise KeysMissing(str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    return KeyRing(
        keys=[RingKey(**k) for k in data["keys"]], endorsement_kid=data.get("endorsement_kid")
    )


def save(ring: KeyRing) -> None:
    """Write the ring atomically, readable by the node's user only."""
    folder = keys_dir()
    private_folder(folder)
    data = {
        "keys": [k.__dict__ for k in ring.keys],
        "endorsement_kid": ring.endorsement_kid,
    }
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".keyring-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1)
        os.chmod(temporary, 0o600)
        os.replace(temporary, folder / RING_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _new_pair(stamp: str) -> list[RingKey]:
    suffix = stamp.replace(":", "").replace("-", "")[:15]
    pair = []
    curves: tuple[tuple[Literal["Ed25519", "X25519"], str], ...] = (
        ("Ed25519", "sig"),
        ("X25519", "enc"),
    )
    for curve, use in curves:
        key = OKPKey.generate_key(curve, parameters={"use": use})
        # The kid is the key's own thumbprint, prefixed for humans: unique and self-checking.
        kid = f"{use}-{suffix}-{key.thumbprint()[:12]}"
        jwk = key.as_dict(private=True) | {"kid": kid, "use": use}
        pair.append(RingKey(jwk=jwk, created_at=stamp))
    return pair


def new_ring() -> KeyRing:
    """A fresh ring with one pair of keys, not saved."""
    return KeyRing(keys=_new_pair(_now().isoformat(timespec="seconds")))


def init() -> KeyRing:
    """Make the node's first pair of keys; refused if a ring exists (rotate instead)."""
    if (keys_dir() / RING_FILE).exists():
        raise FileExistsError(str(keys_dir() / RING_FILE))
    ring = new_ring()
    save(ring)
    return ring


def rotate() -> KeyRing:
    """Add a new pair; the old one is retired (kept to open envelopes already in flight and to
    endorse the new key document)."""
    ring = load()
    stamp = _now().isoformat(timespec="seconds")
    old_signing = ring.signing_key()
    for ring_key in ring.keys:
        if ring_key.retired_at is None:
            ring_key.retired_at = stamp
    ring.keys.extend(_new_pair(stamp))
    ring.endorsement_kid = old_signing.kid
    save(ring)
    return ring


def prune(older_than: timedelta) -> int:
    """Forget retired keys retired longer ago than `older_than`; returns how many."""
    ring = load()
    limit = _now() - older_than
    kept = [
        k for k in ring.keys if k.retired_at is None or datetime.fromisoformat(k.retired_at) > limit
    ]
    dropped = len(ring.keys) - len(kept)
    ring.keys = kept
    if ring.endorsement_kid and ring.by_kid(ring.endorsement_kid) is None:
        ring.endorsement_kid = None
    save(ring)
    return dropped


def node_document(ring: KeyRing) -> dict[str, Any]:
    """What the node publishes at /.well-known/kinlink/node: its identity and public keys,
    signed by its signing key and, after a rotation, endorsed by the previous one.

    `document` is the signed JWS; `endorsement` the previous key's signature of the same
    payload. A peer accepts a document signed by a key it trusts or endorsed by one.
    """
    payload = {
        "node_id": settings.KINLINK_NODE_ID,
        "inbox": settings.KINLINK_NODE_URL.rstrip("/") + "/exchange/inbox",
        "issued_at": _now().isoformat(timespec="seconds"),
        "keys": [
            k.public() | {"status": "retired" if k.retired_at else "active"} for k in ring.keys
        ],
    }
    body = json.dumps(payload, sort_keys=True).encode()
    signing = ring.signing_key()
    result: dict[str, Any] = {
        "document": jws.serialize_compact(
            {"alg": SIGNING_ALG, "kid": signing.kid}, body, signing.key, algorithms=[SIGNING_ALG]
        )
    }
    if ring.endorsement_kid and (previous := ring.by_kid(ring.endorsement_kid)):
        result["endorsement"] = jws.serialize_compact(
            {"alg": SIGNING_ALG, "kid": previous.kid},
            body,
            previous.key,
            algorithms=[SIGNING_ALG],
        )
    return result
