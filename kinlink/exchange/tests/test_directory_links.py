"""Where the exchange meets the directory: a peer registered from an agency of the shared
directory must publish the key the directory names; an Art. 33 consent sent by the receiving
state's node lifts the SG-07 guard on the placement abroad."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kinlink.cases.models import Case
from kinlink.cases.services import case_facts_update, consent_record
from kinlink.cases.workflow import approval_decide
from kinlink.directory.models import Agency
from kinlink.exchange import inbox, keys
from kinlink.exchange import requests as exchange
from kinlink.exchange.peers import peer_register
from kinlink.exchange.tests.support import SimulatedPeer
from kinlink.plans.safeguards import receiving_state_consented
from kinlink.plans.services import placement_abroad_save

pytestmark = pytest.mark.django_db


def _document(ring: keys.KeyRing, settings: Any, node_id: str) -> dict[str, Any]:
    own = settings.KINLINK_NODE_ID, settings.KINLINK_NODE_URL
    settings.KINLINK_NODE_ID, settings.KINLINK_NODE_URL = node_id, f"http://{node_id}.invalid"
    document = keys.node_document(ring)
    settings.KINLINK_NODE_ID, settings.KINLINK_NODE_URL = own
    return document


def _agency_with_node(ring: keys.KeyRing, **extra: Any) -> Agency:
    return Agency.objects.create(
        name="Servizio Sociale Internazionale",
        country="IT",
        code="ssi-it",
        node_address="https://kinlink.ssi.example.org",
        node_key_fingerprint=keys.thumbprint(ring.signing_key().public()),
        **extra,
    )


def test_a_peer_registered_from_the_directory_takes_its_address_and_country(
    node_keys: Any, node_admin: Any, settings: Any
) -> None:
    ring = keys.new_ring()
    agency = _agency_with_node(ring)
    peer = peer_register(
        actor=node_admin, agency=agency, document=_document(ring, settings, "it-ssi")
    )
    assert (peer.base_url, peer.country, peer.name) == (
        "https://kinlink.ssi.example.org",
        "IT",
        "Servizio Sociale Internazionale",
    )
    assert peer.fingerprint == keys.fingerprint(ring.signing_key().public())


def test_a_node_that_publishes_another_key_than_the_directory_names_is_not_registered(
    node_keys: Any, node_admin: Any, settings: Any
) -> None:
    agency = _agency_with_node(keys.new_ring())
    impostor = keys.new_ring()
    with pytest.raises(ValidationError) as refused:
        peer_register(
            actor=node_admin, agency=agency, document=_document(impostor, settings, "it-ssi")
        )
    assert "not the ones the directory gives" in str(refused.value)
    assert not agency.peers.exists()


def test_the_receiving_states_consent_sent_by_its_node_lifts_the_placement_guard(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    consent_record(
        actor=caseworker_a,
        case=case_a,
        consent={"given_by": "child", "scopes": ["sharing"], "language": "ara"},
    )
    case_facts_update(actor=None, case=case_a, decided_solution="third_country")
    placement_abroad_save(
        actor=caseworker_a, case=case_a, receiving_country="FR", carer_kind="relative"
    )
    case_a.refresh_from_db()
    assert receiving_state_consented(case_a) is not None  # France must consent first
    request = exchange.request_draft(
        actor=caseworker_a,
        case=case_a,
        request_type="art33",
        peer=guinea.peer,
        questions="Report on the child and reasons for the placement with his aunt in Lyon.",
        danger_checked=True,
    )
    approval_decide(
        actor=supervisor_a,
        approval=exchange.request_submit(
            actor=caseworker_a, request=request, seen_version=request.version
        ),
        approve=True,
    )
    inbox.receive(guinea.seal(kind="accept", conversation=request.conversation, body={}))
    decided_on = (timezone.localdate() - timedelta(days=1)).isoformat()
    answer = inbox.receive(
        guinea.seal(
            kind="reply",
            conversation=request.conversation,
            body={
                "data": {
                    "decision": "granted",
                    "decided_on": decided_on,
                    "authority": "Bureau de l'entraide civile, Paris",
                    "reference": "BECI-2026-114",
                    "conditions": "",
                }
            },
        )
    )
    assert answer.status == 200
    case_a.refresh_from_db()
    assert case_a.placement_abroad.consent_reference == "BECI-2026-114"
    assert receiving_state_consented(case_a) is None
