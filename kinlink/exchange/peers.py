"""Registering peer nodes and keeping their keys current.

Trust starts with a person: an administrator registers a peer from its published node
document, reads the signing key's fingerprint to the peer's administrator by telephone or in
person, and confirms it. From then on a new key document is accepted only when a key already
trusted signed or endorsed it, so a rotation needs no new check and a stranger cannot slip in
keys of its own.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from kinlink.accounts.models import Role, User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.core.concurrency import save_versioned
from kinlink.directory.models import Agency
from kinlink.exchange.keys import SIGNING_ALG, fingerprint, fingerprint_of
from kinlink.exchange.models import Peer, PeerStatus

DOCUMENT_PATH = "/.well-known/kinlink/node"
TIMEOUT = httpx.Timeout(10.0)


class DocumentRefused(Exception):
    """A node document that cannot be trusted or read."""


def can_manage_peers(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role == Role.NODE_ADMIN)


def _require_admin(actor: User) -> None:
    if not can_manage_peers(actor):
        raise PermissionDenied


def fetch_document(base_url: str) -> dict[str, Any]:
    """GET the peer's node document (its identity and public keys, signed)."""
    try:
        response = httpx.get(base_url.rstrip("/") + DOCUMENT_PATH, timeout=TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise DocumentRefused(type(error).__name__) from error
    if not isinstance(data, dict) or not isinstance(data.get("document"), str):
        raise DocumentRefused("no document")
    return data


def _payload(token: str) -> tuple[str, dict[str, Any]]:
    """The signing kid and the claims of a document, unverified."""
    try:
        compact = jws.extract_compact(token.encode())
        header = dict(compact.headers())
        payload = json.loads(compact.payload)
    except (ValueError, JoseError) as error:
        raise DocumentRefused("unreadable document") from error
    if not isinstance(payload, dict):
        raise DocumentRefused("unreadable document")
    return str(header.get("kid", "")), payload


def _verified_by(token: str, keys: list[dict[str, Any]]) -> bool:
    kid, _claims = _payload(token)
    key = next((k for k in keys if k.get("kid") == kid and k.get("use") == "sig"), None)
    if key is None:
        return False
    try:
        jws.deserialize_compact(token, OKPKey.import_key(key), algorithms=[SIGNING_ALG])
    except (JoseError, ValueError):
        return False
    return True


def read_document(data: dict[str, Any], trusted: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The document's claims, checked: signed by its own active signing key, and — when the
    peer is already known — signed or endorsed by a key trusted for it."""
    token = data["document"]
    kid, claims = _payload(token)
    keys = claims.get("keys")
    if not isinstance(keys, list) or not claims.get("node_id") or not claims.get("inbox"):
        raise DocumentRefused("incomplete document")
    if not _verified_by(token, keys):
        raise DocumentRefused("not signed by its own key")
    if trusted is not None:
        endorsement = data.get("endorsement")
        endorsed = isinstance(endorsement, str) and _payload(endorsement)[1] == claims
        if not (
            _verified_by(token, trusted)
            or (endorsed and isinstance(endorsement, str) and _verified_by(endorsement, trusted))
        ):
            raise DocumentRefused("neither signed nor endorsed by a trusted key")
    signing = next(k for k in keys if k.get("kid") == kid)
    return claims | {"fingerprint": fingerprint(signing)}


@transaction.atomic
def peer_register(
    *,
    actor: User,
    base_url: str = "",
    name: str = "",
    country: str = "",
    agency: Agency | None = None,
    is_state_authority: bool = False,
    document: dict[str, Any] | None = None,
) -> Peer:
    """Register a peer from its node document; it stays `PENDING` until its fingerprint is
    confirmed. `document` is fetched from `base_url` unless given (tests, offline set-up)."""
    _require_admin(actor)
    if agency is not None and agency.node_address:
        base_url = base_url or agency.node_address
        country = country or agency.country
    try:
        claims = read_document(document or fetch_document(base_url), trusted=None)
    except DocumentRefused as error:
        raise ValidationError(
            {"base_url": _("No valid node document could be read at this address.")}
        ) from error
    published = fingerprint_of(agency.node_key_fingerprint) if agency is not None else ""
    if published and published != claims["fingerprint"]:
        # The directory the network shares names another key for this agency's node.
        raise ValidationError(
            {
                "base_url": _(
                    "The keys published at this address are not the ones the directory gives "
                    "for this agency. Do not register it: check with the agency."
                )
            }
        )
    if Peer.objects.filter(node_id=claims["node_id"]).exists():
        raise ValidationError({"base_url": _("This node is already registered.")})
    peer = Peer.objects.create(
        node_id=claims["node_id"],
        name=name.strip() or (agency.name if agency is not None else claims["node_id"]),
        agency=agency,
        country=country,
        is_state_authority=is_state_authority,
        base_url=base_url.rstrip("/"),
        inbox_url=claims["inbox"],
        keys=claims["keys"],
        fingerprint=claims["fingerprint"],
        registered_by=actor,
        keys_refreshed_at=timezone.now(),
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=peer,
        changes={"node_id": [None, peer.node_id], "fingerprint": [None, peer.fingerprint]},
    )
    return peer


def _normalised(text: str) -> str:
    return "".join(text.split()).upper()


@transaction.atomic
def peer_confirm(*, actor: User, peer: Peer, fingerprint_read: str, seen_version: int) -> Peer:
    """Confirm the fingerprint read out of band; envelopes flow from then on. A fingerprint
    that differs is refused: the document may not be the peer's."""
    _require_admin(actor)
    if _normalised(fingerprint_read) != _normalised(peer.fingerprint):
        raise ValidationError(
            {
                "fingerprint": _(
                    "This is not the fingerprint of the key the node published. Do not "
                    "confirm: ask the peer's administrator to read it again."
                )
            }
        )
    before = peer.status
    peer.status = PeerStatus.ACTIVE
    peer.confirmed_by, peer.confirmed_at = actor, timezone.now()
    save_versioned(
        peer, seen_version=seen_version, fields=["status", "confirmed_by", "confirmed_at"]
    )
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=peer,
        changes={"status": [before, peer.status], "version": [seen_version, peer.version]},
    )
    return peer


@transaction.atomic
def peer_set_status(*, actor: User, peer: Peer, status: str, seen_version: int) -> Peer:
    """Suspend a peer (nothing is sent to it or accepted from it) or make it active again."""
    _require_admin(actor)
    if status not in {PeerStatus.ACTIVE, PeerStatus.SUSPENDED} or peer.confirmed_at is None:
        raise ValidationError(_("Confirm the peer's fingerprint first."))
    before = peer.status
    peer.status = status
    save_versioned(peer, seen_version=seen_version, fields=["status"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=peer,
        changes={"status": [before, status], "version": [seen_version, peer.version]},
    )
    return peer


REFRESH_INTERVAL_SECONDS = 60


def peer_refresh_keys(*, peer: Peer, document: dict[str, Any] | None = None) -> bool:
    """Fetch the peer's node document again and take its keys if a trusted key signed or
    endorsed it; at most once a minute (an unknown key in an envelope asks for it). Returns
    whether the keys changed."""
    now = timezone.now()
    if (
        document is None
        and peer.keys_refreshed_at
        and (now - peer.keys_refreshed_at).total_seconds() < REFRESH_INTERVAL_SECONDS
    ):
        return False
    Peer.objects.filter(pk=peer.pk).update(keys_refreshed_at=now)
    try:
        claims = read_document(document or fetch_document(peer.base_url), trusted=peer.keys)
    except DocumentRefused:
        return False
    if claims["node_id"] != peer.node_id:
        return False
    known = {k["kid"]: k for k in peer.keys}
    merged = [known.get(k["kid"], {}) | k for k in claims["keys"]]
    # Keys the peer no longer lists stay trusted as retired: envelopes they signed may still
    # be on their way.
    listed = {k["kid"] for k in claims["keys"]}
    merged += [k | {"status": "retired"} for kid, k in known.items() if kid not in listed]
    if merged == peer.keys:
        return False
    with transaction.atomic():
        before = [k["kid"] for k in peer.keys]
        Peer.objects.filter(pk=peer.pk).update(
            keys=merged, fingerprint=claims["fingerprint"], inbox_url=claims["inbox"]
        )
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.UPDATE,
            obj=peer,
            changes={"keys": [before, [k["kid"] for k in merged]]},
        )
    peer.refresh_from_db()
    return True
