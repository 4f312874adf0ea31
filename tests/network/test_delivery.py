"""Requests between two real nodes over HTTP, with faults: every envelope is applied exactly
once, whatever fails on the way."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.network.harness import Node, Relay, wait_for
from tests.network.scenario import send_request, state, status_of

pytestmark = pytest.mark.network


def delivered(node: Node, conversation: str, kind: str = "request") -> bool:
    return any(k == kind and s == "delivered" for k, s, _ in state(node, conversation)["outbound"])


def test_a_request_goes_from_draft_to_reply_and_closure_across_two_nodes(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    conversation = send_request(morocco, guinea, given="Mamadou")
    wait_for(lambda: status_of(morocco, conversation, "outgoing") == "acknowledged")
    assert status_of(guinea, conversation, "incoming") == "received"
    guinea.py(
        f"""
request = CrossBorderRequest.objects.get(conversation={conversation!r})
rx.incoming_accept(actor=supervisor, request=request, seen_version=request.version,
                  assign_to=caseworker)
result = request.case.reference
"""
    )
    wait_for(lambda: status_of(morocco, conversation, "outgoing") == "in_progress")
    guinea.py(
        f"""
from datetime import date
request = CrossBorderRequest.objects.get(conversation={conversation!r})
rx.incoming_reply(actor=caseworker, request=request, seen_version=request.version, data={{
    "who_was_met": "The mother, Aissatou, and her brother",
    "home_conditions": "Two rooms in Labé, water nearby",
    "capacity": "Willing to care for him; needs help with school fees",
    "risks": "", "evaluator_name": "Mariama Barry", "evaluated_on": date.today(),
    "recommendation": "with_support"}})
result = True
"""
    )
    wait_for(lambda: status_of(morocco, conversation, "outgoing") == "replied")
    landed = morocco.py(
        f"""
from kinlink.assessments.models import FamilyEvaluation
request = CrossBorderRequest.objects.get(conversation={conversation!r})
evaluation = FamilyEvaluation.objects.get(case=request.case)
x.request_close(actor=caseworker, request=request, note="Evaluation received, thank you.")
result = [evaluation.received_from, evaluation.recommendation]
"""
    )
    assert landed == ["Agency GN", "with_support"]
    wait_for(lambda: status_of(guinea, conversation, "incoming") == "closed")
    # Each side audited what it sent and received, and no envelope was applied twice.
    sides = [state(node, conversation) for node in (morocco, guinea)]
    assert sides[0]["inbound"] == 2  # accept, reply
    assert sides[1]["inbound"] == 2  # request, close
    assert all(s == "delivered" for side in sides for _, s, _ in side["outbound"])
    # What was sent and received is in each node's audit trail…
    for node, action in ((morocco, "send"), (guinea, "receive")):
        with node.database() as db:
            events = db.execute(
                "SELECT COUNT(*) FROM audit_auditevent WHERE action = ? AND context LIKE ?",
                (action, f"%{conversation}%"),
            ).fetchone()[0]
        assert events >= 2
    # …and nothing about the child is in either node's logs.
    for node in (morocco, guinea):
        for log in ("server.log", "worker.log"):
            text = (node.folder / log).read_text(errors="replace")
            assert "Mamadou" not in text and "Diallo" not in text and "Labé" not in text


def test_a_request_sent_while_the_receiver_is_down_arrives_once_it_is_back(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    guinea.kill_server()
    conversation = send_request(morocco, guinea, given="Ousmane")
    wait_for(lambda: state(morocco, conversation)["outbound"][0][2] >= 2)  # it tried, and tries
    assert status_of(morocco, conversation, "outgoing") == "sent"
    guinea.start_server()
    wait_for(lambda: delivered(morocco, conversation))
    assert state(guinea, conversation)["inbound"] == 1
    assert status_of(morocco, conversation, "outgoing") == "acknowledged"


def test_a_sender_killed_between_its_commit_and_the_delivery_delivers_after_restart(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    morocco.kill_worker()
    conversation = send_request(morocco, guinea, given="Ibrahima")
    morocco.kill_server()  # the whole node goes down with the envelope committed, unsent
    time.sleep(1)
    assert state(guinea, conversation)["inbound"] == 0
    morocco.start_server()
    morocco.start_worker()
    wait_for(lambda: delivered(morocco, conversation))
    assert state(guinea, conversation)["inbound"] == 1


def test_a_sender_killed_after_posting_and_before_recording_the_receipt_is_not_applied_twice(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    morocco.kill_worker()
    conversation = send_request(morocco, guinea, given="Lamine")
    morocco.start_worker(faults="outbox_after_post")
    wait_for(lambda: morocco.worker is not None and morocco.worker.poll() is not None)
    assert state(guinea, conversation)["inbound"] == 1  # it arrived; the sender never knew
    assert not delivered(morocco, conversation)
    morocco.start_worker()
    wait_for(lambda: delivered(morocco, conversation))
    assert state(guinea, conversation)["inbound"] == 1
    assert state(guinea, conversation)["requests"] == [["incoming", "received"]]


def test_a_receiver_killed_after_storing_and_before_answering_is_not_applied_twice(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    guinea.kill_server()
    guinea.start_server(faults="inbox_after_commit")
    conversation = send_request(morocco, guinea, given="Moussa")
    wait_for(lambda: guinea.server is not None and guinea.server.poll() is not None)
    assert state(guinea, conversation)["inbound"] == 1  # stored before the crash
    assert not delivered(morocco, conversation)
    guinea.start_server()
    wait_for(lambda: delivered(morocco, conversation))
    assert state(guinea, conversation)["inbound"] == 1
    assert state(guinea, conversation)["messages"] == 1


def test_the_same_envelope_delivered_three_times_is_applied_once(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    morocco.kill_worker()
    conversation = send_request(morocco, guinea, given="Adama")
    token = morocco.py(
        f"""
result = bytes(OutboundEnvelope.objects.get(conversation={conversation!r}).token).decode()
"""
    )
    answers = [
        httpx.post(f"{guinea.url}/exchange/inbox", content=token.encode(), timeout=10)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.text for a in answers}) == 1  # the original receipt, each time
    morocco.start_worker()
    wait_for(lambda: delivered(morocco, conversation))
    assert state(guinea, conversation)["inbound"] == 1


def test_a_cut_link_delays_delivery_and_loses_nothing(network: dict[str, Node]) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    relay = Relay(guinea.port)
    relay.start()
    # Morocco reaches Guinea's inbox through the relay from now on.
    morocco.py(
        f"""
Peer.objects.filter(node_id={guinea.node_id!r}).update(
    inbox_url="http://127.0.0.1:{relay.port}/exchange/inbox")
result = True
"""
    )
    try:
        relay.cut()
        conversation = send_request(morocco, guinea, given="Kevin")
        wait_for(lambda: state(morocco, conversation)["outbound"][0][2] >= 2)
        assert state(guinea, conversation)["inbound"] == 0
        relay.start()  # the line is back, on the same port
        wait_for(lambda: delivered(morocco, conversation))
        assert state(guinea, conversation)["inbound"] == 1
        relay.cut()
    finally:
        morocco.py(
            f"""
Peer.objects.filter(node_id={guinea.node_id!r}).update(inbox_url="{guinea.url}/exchange/inbox")
result = True
"""
        )


def test_keys_rotated_on_both_sides_break_no_message_in_flight(network: dict[str, Node]) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    # An envelope sealed to Guinea's current key waits in Morocco's outbox…
    morocco.kill_worker()
    conversation = send_request(morocco, guinea, given="Dawit")
    # …while Guinea rotates its keys: the old one stays to open what is in flight.
    guinea.manage("keys_rotate")
    guinea.kill_server()
    guinea.start_server()
    morocco.start_worker()
    wait_for(lambda: delivered(morocco, conversation))
    # Guinea now signs with a key Morocco never saw: Morocco follows the endorsed rotation.
    guinea.py(
        f"""
request = CrossBorderRequest.objects.get(conversation={conversation!r})
rx.incoming_accept(actor=supervisor, request=request, seen_version=request.version)
result = True
"""
    )
    wait_for(lambda: status_of(morocco, conversation, "outgoing") == "in_progress")
    kids = morocco.py(
        f"""
result = [k["kid"] for k in Peer.objects.get(node_id={guinea.node_id!r}).keys]
"""
    )
    assert len(kids) == 4  # the two old keys, kept as retired, and the two new ones
