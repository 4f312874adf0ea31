"""The node's keys: made once, rotated without breaking what is in flight, and a peer's
rotation followed only when a key already trusted vouches for it."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from django.utils import timezone

from kinlink.exchange import keys
from kinlink.exchange.envelopes import open_envelope, seal
from kinlink.exchange.peers import DocumentRefused, peer_refresh_keys, read_document
from kinlink.exchange.tests.support import SimulatedPeer

pytestmark = pytest.mark.django_db


def test_a_second_init_is_refused(node_keys: keys.KeyRing) -> None:
    with pytest.raises(FileExistsError):
        keys.init()


def test_the_key_ring_is_readable_by_the_node_alone(node_keys: keys.KeyRing) -> None:
    mode = (keys.keys_dir() / keys.RING_FILE).stat().st_mode & 0o777
    assert mode == 0o600


def test_keys_init_leaves_every_folder_it_makes_to_the_node_alone(
    settings: Any, tmp_path: Any
) -> None:
    from kinlink.core import crypto

    root = tmp_path / "srv" / "keys"
    settings.KINLINK_KEYS_DIR = str(root)
    settings.KINLINK_DATA_KEYS_DIR = root / "data"
    settings.KINLINK_DATA_KEK_FILE = root / "data" / "kek.key"
    previous = os.umask(0o022)
    try:
        crypto.init()
        keys.init()
    finally:
        os.umask(previous)
    for folder in (tmp_path / "srv", root, root / "data"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_an_envelope_sealed_to_the_old_key_opens_after_a_rotation(
    node_keys: keys.KeyRing, guinea: SimulatedPeer
) -> None:
    old_encryption = node_keys.encryption_key().public()
    token = seal(
        ring=guinea.ring,
        sender=guinea.node_id,
        recipient="ma-test",
        recipient_key=old_encryption,
        message_id=uuid.uuid4(),
        kind="message",
        request=uuid.uuid4(),
        body={"text": "in flight"},
        now=timezone.now(),
    )
    ring = keys.rotate()
    assert ring.encryption_key().kid != old_encryption["kid"]
    opened = open_envelope(
        token,
        ring=ring,
        node_id="ma-test",
        signing_key_of=lambda node, kid: guinea.peer.signing_key(kid),
        max_bytes=1_000_000,
        now=timezone.now(),
    )
    assert opened.body == {"text": "in flight"}


def _document_of(ring: keys.KeyRing, settings: Any, node_id: str) -> dict[str, Any]:
    settings.KINLINK_NODE_ID = node_id
    settings.KINLINK_NODE_URL = f"http://{node_id}.invalid"
    return keys.node_document(ring)


def test_a_peers_rotation_endorsed_by_its_old_key_is_followed(
    guinea: SimulatedPeer, settings: Any
) -> None:
    ring = guinea.ring
    old_kid = ring.signing_key().kid
    for ring_key in ring.keys:
        ring_key.retired_at = timezone.now().isoformat()
    ring.keys.extend(keys.new_ring().keys)
    ring.endorsement_kid = old_kid
    own = settings.KINLINK_NODE_ID
    document = _document_of(ring, settings, guinea.node_id)
    settings.KINLINK_NODE_ID = own
    assert peer_refresh_keys(peer=guinea.peer, document=document)
    guinea.peer.refresh_from_db()
    assert guinea.peer.signing_key(ring.signing_key().kid) is not None
    assert guinea.peer.signing_key(old_kid)["status"] == "retired"  # type: ignore[index]


def test_a_key_document_no_trusted_key_vouches_for_is_refused(
    guinea: SimulatedPeer, settings: Any
) -> None:
    stranger = keys.new_ring()
    own = settings.KINLINK_NODE_ID
    document = _document_of(stranger, settings, guinea.node_id)
    settings.KINLINK_NODE_ID = own
    with pytest.raises(DocumentRefused):
        read_document(document, trusted=guinea.peer.keys)
    assert not peer_refresh_keys(peer=guinea.peer, document=document)
    guinea.peer.refresh_from_db()
    assert guinea.peer.signing_key(stranger.signing_key().kid) is None


def test_a_fingerprint_that_differs_is_not_confirmed(
    node_keys: Any, node_admin: Any, settings: Any
) -> None:
    from django.core.exceptions import ValidationError

    from kinlink.exchange.peers import peer_confirm, peer_register

    peer_ring = keys.new_ring()
    own = settings.KINLINK_NODE_ID
    document = _document_of(peer_ring, settings, "gn-new")
    settings.KINLINK_NODE_ID = own
    peer = peer_register(
        actor=node_admin,
        base_url="http://gn-new.invalid",
        name="Guinea",
        country="GN",
        document=document,
    )
    assert peer.status == "pending"
    with pytest.raises(ValidationError):
        peer_confirm(
            actor=node_admin, peer=peer, fingerprint_read="0000 1111", seen_version=peer.version
        )
    peer.refresh_from_db()
    assert peer.status == "pending"
    peer_confirm(
        actor=node_admin,
        peer=peer,
        fingerprint_read=keys.fingerprint(peer_ring.signing_key().public()).lower(),
        seen_version=peer.version,
    )
    peer.refresh_from_db()
    assert peer.status == "active"
