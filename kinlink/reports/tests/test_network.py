"""Network statistics in one node: what is sent (counts only, small cells hidden), and what the
receiving side refuses — a count under 5, a field statistics do not carry, a category that is
not in a table's list — with a typed, audited refusal and nothing kept."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.core.models import NodeSettings
from kinlink.exchange import keys
from kinlink.exchange.models import OutboundEnvelope
from kinlink.exchange.tests.support import SimulatedPeer, register_simulated_peer
from kinlink.reports import network
from kinlink.reports.models import ReceivedStatistics

pytestmark = pytest.mark.django_db

CONVERSATION = uuid.uuid4()


@pytest.fixture
def peer(settings: Any, tmp_path: Any, db: Any) -> SimulatedPeer:
    settings.KINLINK_KEYS_DIR = tmp_path / "keys"
    keys.init()
    return register_simulated_peer("gn-node", "Network node in Guinea")


def body(**tables: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": 1,
        "periods": [
            {
                "start": "2026-10-01",
                "end": "2026-10-31",
                "tables": tables or {"registered_by_type": {"uasc_host": 12, "left_behind": None}},
            }
        ],
    }


def post(client: Any, token: bytes) -> Any:
    return client.post(reverse("exchange:inbox"), data=token, content_type="application/jose")


def last_refusal() -> dict[str, Any]:
    event = AuditEvent.objects.filter(action=AuditAction.REFUSE).latest("sequence")
    return dict(event.context)


def test_statistics_from_a_peer_are_kept_for_the_network_dashboard(
    client: Any, peer: SimulatedPeer, analyst: Any
) -> None:
    response = post(client, peer.seal(kind="statistics", conversation=CONVERSATION, body=body()))
    assert response.status_code == 200
    kept = ReceivedStatistics.objects.get()
    assert kept.period_start == date(2026, 10, 1)
    assert kept.tables["registered_by_type"] == {"uasc_host": 12, "left_behind": None}
    client.force_login(analyst)
    page = client.get(reverse("reports:network"), {"month": "2026-10"}).content.decode()
    assert "Network node in Guinea" in page
    assert "<td>12</td>" in page


def test_a_second_message_for_the_same_month_replaces_the_first(
    client: Any, peer: SimulatedPeer
) -> None:
    post(client, peer.seal(kind="statistics", conversation=CONVERSATION, body=body()))
    newer = body(registered_by_type={"uasc_host": 15})
    post(client, peer.seal(kind="statistics", conversation=CONVERSATION, body=newer))
    assert ReceivedStatistics.objects.get().tables == {"registered_by_type": {"uasc_host": 15}}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (body(registered_by_type={"uasc_host": 3}), "statistics:small_cell:registered_by_type"),
        (body(registered_by_sex={"female": 1}), "statistics:small_cell:registered_by_sex"),
        (body(names={"Mamadou": 7}), "statistics:identifying_field"),
        (
            body(registered_by_nationality={"Mamadou Diallo": 7}),
            "statistics:unknown_category:registered_by_nationality",
        ),
        (
            {"format": 1, "periods": [], "references": ["GN-2026-00007"]},
            "statistics:identifying_field",
        ),
        (
            {
                "format": 1,
                "periods": [
                    {"start": "2026-10-01", "end": "2026-10-31", "tables": {}, "child": "x"}
                ],
            },
            "statistics:identifying_field",
        ),
        (body(open_by_step={"identified": "12"}), "statistics:malformed:open_by_step"),
    ],
)
def test_a_statistics_message_that_could_single_a_child_out_is_refused(
    client: Any, peer: SimulatedPeer, message: dict[str, Any], reason: str
) -> None:
    response = post(client, peer.seal(kind="statistics", conversation=CONVERSATION, body=message))
    assert response.status_code == 409
    assert json.loads(response.content)["error"] == "refused_by_rule"
    assert not ReceivedStatistics.objects.exists()
    refused = last_refusal()
    assert refused["kind"] == "statistics"
    assert refused["detail"] == reason
    # The audit trail names the rule, never what was sent.
    assert "Mamadou" not in json.dumps(refused) and "GN-2026" not in json.dumps(refused)


def test_the_node_sends_its_statistics_to_the_network_node_it_names(
    peer: SimulatedPeer, known: dict[str, Any]
) -> None:
    assert network.statistics_send() is None  # no network node named yet
    NodeSettings.objects.filter(pk=NodeSettings.current().pk).update(
        network_statistics_peer="gn-node"
    )
    envelope = network.statistics_send(today=date(2026, 6, 15))
    assert envelope is not None
    assert envelope.kind == "statistics" and envelope.peer == peer.peer
    assert OutboundEnvelope.objects.filter(kind="statistics").count() == 1
    sent = network.statistics_body(date(2026, 6, 15))
    assert [p["start"] for p in sent["periods"]] == ["2026-05-01", "2026-06-01"]
    june = sent["periods"][1]["tables"]
    # Two children left behind were referred on 1 June: a small cell, hidden.
    assert june["registered_by_type"] == {"left_behind": None}
    for period in sent["periods"]:
        network.check_body({"format": 1, "periods": [period]})  # what is sent passes the check
    text = json.dumps(sent)
    for name in ("Amir", "El Amine", "MA-2026"):
        assert name not in text
