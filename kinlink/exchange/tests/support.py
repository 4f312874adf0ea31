"""Test helpers: this node's keys in a temporary folder, and a simulated peer — a key ring of
its own, registered here as an active peer — whose envelopes the tests seal as the peer
would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from kinlink.exchange import keys
from kinlink.exchange.envelopes import seal
from kinlink.exchange.models import Peer, PeerStatus


@dataclass
class SimulatedPeer:
    node_id: str
    ring: keys.KeyRing
    peer: Peer

    def seal(
        self,
        *,
        kind: str,
        conversation: uuid.UUID,
        body: dict[str, Any],
        message_id: uuid.UUID | None = None,
        to: str | None = None,
        now: Any = None,
    ) -> bytes:
        own = keys.load()
        return seal(
            ring=self.ring,
            sender=self.node_id,
            recipient=to or settings.KINLINK_NODE_ID,
            recipient_key=own.encryption_key().public(),
            message_id=message_id or uuid.uuid4(),
            kind=kind,
            request=conversation,
            body=body,
            now=now or timezone.now(),
        )


def register_simulated_peer(
    node_id: str = "gn-peer", name: str = "Partner in Guinea", country: str = "GN", **extra: Any
) -> SimulatedPeer:
    ring = keys.new_ring()
    public = [k.public() | {"status": "active"} for k in ring.keys]
    peer = Peer.objects.create(
        node_id=node_id,
        name=name,
        country=country,
        base_url=f"http://{node_id}.invalid",
        inbox_url=f"http://{node_id}.invalid/exchange/inbox",
        keys=public,
        fingerprint=keys.fingerprint(ring.signing_key().public()),
        status=PeerStatus.ACTIVE,
        confirmed_at=timezone.now(),
        **extra,
    )
    return SimulatedPeer(node_id=node_id, ring=ring, peer=peer)


def request_body(**overrides: Any) -> dict[str, Any]:
    """The body of a tracing request as a peer sends it."""
    body: dict[str, Any] = {
        "text": "Please trace the mother of this boy in Labé.",
        "author": "Mariama Barry",
        "attachments": [],
        "reference": "GN-SPG-2026-00001",
        "type": "tracing",
        "legal_hook": "HC1996 Art. 31(c)",
        "urgency": "normal",
        "due_on": (timezone.localdate() + timezone.timedelta(days=42)).isoformat(),
        "payload": {
            "child": {
                "given_name": "Mamadou",
                "family_name": "Diallo",
                "sex": "male",
                "age_on_sending": 15,
                "nationalities": ["GN"],
                "languages": ["fuc"],
                "country_of_origin": "GN",
                "place_of_origin": "Labé",
            },
            "relatives": [{"full_name": "Aissatou Diallo", "relationship": "mother"}],
        },
        "from_agency": {"code": "spg", "name": "SPG", "country": "GN"},
        "case_reference": "GN-2026-00007",
        "legal_basis": "consent",
    }
    body.update(overrides)
    return body
