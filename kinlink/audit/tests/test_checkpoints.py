"""Audit checkpoints in one node: as the sender (a signed statement of the chain head, to the
witness named in the settings) and as the witness (a peer's statement checked and kept; one
that rewrites what was witnessed is kept as a conflict; a forged one is refused)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kinlink.audit import checkpoints
from kinlink.audit.models import (
    AuditAction,
    AuditChainHead,
    AuditEvent,
    HeldCheckpoint,
    SentCheckpoint,
)
from kinlink.audit.services import event_digest, record
from kinlink.core.models import NodeSettings
from kinlink.exchange import keys
from kinlink.exchange.models import OutboundEnvelope
from kinlink.exchange.tests.support import SimulatedPeer, register_simulated_peer

pytestmark = pytest.mark.django_db

CONVERSATION = uuid.uuid4()
HASH_A, HASH_B = "a" * 64, "b" * 64


@pytest.fixture
def peer(settings: Any, tmp_path: Path, db: Any) -> SimulatedPeer:
    settings.KINLINK_KEYS_DIR = tmp_path / "keys"
    keys.init()
    return register_simulated_peer("gn-node", "Witness in Guinea")


def post(client: Any, token: bytes) -> Any:
    return client.post(reverse("exchange:inbox"), data=token, content_type="application/jose")


def statement_from(peer: SimulatedPeer, sequence: int, digest: str, **extra: Any) -> bytes:
    signed = checkpoints.sign_statement(
        sequence=sequence, hash=digest, at=timezone.now(), ring=peer.ring, node=peer.node_id
    )
    body = {"format": 1, "statement": signed} | extra
    return peer.seal(kind="audit_checkpoint", conversation=CONVERSATION, body=body)


def some_events(count: int) -> None:
    for _ in range(count):
        record(actor=None, actor_label="system", action=AuditAction.VIEW)


# --- the sender ---------------------------------------------------------------------------


def test_without_a_witness_no_checkpoint_is_sent(peer: SimulatedPeer) -> None:
    assert checkpoints.checkpoint_send() is None
    assert not SentCheckpoint.objects.exists()


def test_the_chain_head_is_signed_and_queued_for_the_witness(peer: SimulatedPeer) -> None:
    some_events(3)
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(audit_witness_peer="gn-node")
    head = AuditChainHead.objects.get(pk=1)
    envelope = checkpoints.checkpoint_send()
    assert envelope is not None
    assert OutboundEnvelope.objects.get(pk=envelope.pk).kind == "audit_checkpoint"
    sent = SentCheckpoint.objects.get()
    assert (sent.sequence, sent.hash, sent.witness) == (head.sequence, head.hash, "gn-node")
    statement, kid = checkpoints.read_statement(sent.signed)
    assert (statement.sequence, statement.hash) == (head.sequence, head.hash)
    own = keys.load().by_kid(kid)
    assert own is not None and checkpoints.check_signature(sent.signed, own.public())
    # Sending is itself in the trail, after the head it signed.
    event = AuditEvent.objects.latest("sequence")
    assert event.action == AuditAction.CHECKPOINT
    assert event.sequence > head.sequence
    assert event.context["checkpoint_sequence"] == head.sequence


def test_a_witness_that_is_not_an_active_peer_gets_nothing(peer: SimulatedPeer) -> None:
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(audit_witness_peer="xx-unknown")
    assert checkpoints.checkpoint_send() is None


# --- the witness ---------------------------------------------------------------------------


def test_a_peers_checkpoint_is_checked_and_kept(client: Any, peer: SimulatedPeer) -> None:
    response = post(client, statement_from(peer, 41, HASH_A))
    assert response.status_code == 200
    held = HeldCheckpoint.objects.get()
    assert (held.peer_id, held.sequence, held.hash, held.conflict) == (
        peer.peer.pk,
        41,
        HASH_A,
        False,
    )


def test_a_longer_chain_follows_and_a_shorter_one_is_a_conflict(
    client: Any, peer: SimulatedPeer
) -> None:
    post(client, statement_from(peer, 41, HASH_A))
    post(client, statement_from(peer, 60, HASH_B))
    assert not HeldCheckpoint.objects.filter(conflict=True).exists()
    post(client, statement_from(peer, 50, "c" * 64))
    assert HeldCheckpoint.objects.get(sequence=50).conflict
    event = AuditEvent.objects.filter(action=AuditAction.CHECKPOINT).latest("sequence")
    assert event.context["conflict"] is True and event.context["peer"] == "gn-node"


def test_another_hash_for_a_sequence_already_witnessed_is_a_conflict(
    client: Any, peer: SimulatedPeer
) -> None:
    post(client, statement_from(peer, 41, HASH_A))
    post(client, statement_from(peer, 41, HASH_A))
    assert not HeldCheckpoint.objects.filter(conflict=True).exists()
    post(client, statement_from(peer, 41, HASH_B))
    assert HeldCheckpoint.objects.filter(conflict=True).count() == 1


@pytest.mark.parametrize(
    ("forgery", "detail"),
    [
        ("another_node", "another_node"),
        ("other_key", "bad_signature"),
        ("malformed_hash", "malformed"),
        ("not_a_statement", "malformed"),
    ],
)
def test_a_forged_checkpoint_is_refused_and_nothing_is_kept(
    client: Any, peer: SimulatedPeer, forgery: str, detail: str
) -> None:
    now = timezone.now()
    if forgery == "another_node":
        signed = checkpoints.sign_statement(
            sequence=1, hash=HASH_A, at=now, ring=peer.ring, node="ma-other"
        )
    elif forgery == "other_key":
        signed = checkpoints.sign_statement(
            sequence=1, hash=HASH_A, at=now, ring=keys.new_ring(), node=peer.node_id
        )
    elif forgery == "malformed_hash":
        signed = checkpoints.sign_statement(
            sequence=1, hash="not-a-hash", at=now, ring=peer.ring, node=peer.node_id
        )
    else:
        signed = "a.b.c"
    token = peer.seal(
        kind="audit_checkpoint", conversation=CONVERSATION, body={"format": 1, "statement": signed}
    )
    response = post(client, token)
    assert response.status_code == 409
    assert json.loads(response.content)["error"] == "refused_by_rule"
    assert not HeldCheckpoint.objects.exists()
    refusal = AuditEvent.objects.filter(action=AuditAction.REFUSE).latest("sequence")
    assert refusal.context["peer"] == "gn-node"
    assert refusal.context["detail"] == f"audit_checkpoint:{detail}"


# --- checking one's own trail against a witness's file -----------------------------------------


def _witness_file(tmp_path: Path, statements: list[str], node: str | None = None) -> Path:
    from django.conf import settings

    path = tmp_path / "checkpoints.json"
    document = {
        "format": 1,
        "witness": "gn-node",
        "node": node or settings.KINLINK_NODE_ID,
        "checkpoints": [{"statement": s, "conflict": False} for s in statements],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _own_statement() -> str:
    head = AuditChainHead.objects.get(pk=1)
    return checkpoints.sign_statement(sequence=head.sequence, hash=head.hash, at=timezone.now())


def test_an_untouched_trail_matches_its_witness(
    peer: SimulatedPeer, tmp_path: Path, capsys: Any
) -> None:
    some_events(5)
    first = _own_statement()
    some_events(5)
    path = _witness_file(tmp_path, [first, _own_statement()])
    call_command("audit_verify", checkpoints=path)
    assert "Witnessed checkpoints match: 2 checked" in capsys.readouterr().out


def test_a_trail_rewritten_with_every_hash_recomputed_is_caught_by_the_witness(
    peer: SimulatedPeer, tmp_path: Path
) -> None:
    some_events(5)
    witnessed = _own_statement()
    some_events(3)
    # The administrator's rewrite: one event changed, then every hash after it computed again
    # and the head moved, so the chain verifies on its own.
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_label = %s WHERE sequence = %s",  # noqa: S608
            ["someone else", 2],
        )
    previous = AuditEvent.objects.get(sequence=1).hash
    for event in AuditEvent.objects.filter(sequence__gte=2).order_by("sequence"):
        event.prev_hash = previous
        digest = event_digest(event)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE sequence = %s",  # noqa: S608
                [previous, digest, event.sequence],
            )
        previous = digest
    AuditChainHead.objects.filter(pk=1).update(hash=previous)
    call_command("audit_verify")  # the chain alone sees nothing
    path = _witness_file(tmp_path, [witnessed])
    with pytest.raises(CommandError, match="with another hash: the trail was rewritten"):
        call_command("audit_verify", checkpoints=path)


def test_a_witness_file_of_another_node_or_forged_statements_is_refused(
    peer: SimulatedPeer, tmp_path: Path
) -> None:
    some_events(2)
    with pytest.raises(CommandError, match="another node"):
        call_command("audit_verify", checkpoints=_witness_file(tmp_path, [], node="xx-other"))
    # A witness cannot accuse with a statement of its own making: the finding says the
    # statement is not signed by a key of this node.
    forged = checkpoints.sign_statement(sequence=1, hash=HASH_A, at=timezone.now(), ring=peer.ring)
    with pytest.raises(CommandError, match="signed by a key this node does not hold"):
        call_command("audit_verify", checkpoints=_witness_file(tmp_path, [forged]))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Cannot read broken\.json"):
        call_command("audit_verify", checkpoints=tmp_path / "broken.json")


# --- the administrator's page -----------------------------------------------------------------


def test_the_administrator_sees_what_was_sent_and_downloads_what_is_held(
    client: Any, peer: SimulatedPeer, node_admin: Any
) -> None:
    post(client, statement_from(peer, 41, HASH_A))
    post(client, statement_from(peer, 30, HASH_B))
    client.force_login(node_admin)
    page = client.get(reverse("audit:checkpoints")).content.decode()
    assert "Witness in Guinea (gn-node)" in page
    assert "1 checkpoint contradicts the ones before it" in page
    download = client.get(reverse("audit:checkpoints_held", args=[peer.peer.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="checkpoints-gn-node.json"'
    document = json.loads(download.content)
    assert document["node"] == "gn-node"
    assert [c["conflict"] for c in document["checkpoints"]] == [True, False]


def test_no_one_but_the_administrator_reaches_the_checkpoints(
    client: Any, peer: SimulatedPeer, supervisor_a: Any
) -> None:
    client.force_login(supervisor_a)
    assert client.get(reverse("audit:checkpoints")).status_code == 404
    url = reverse("audit:checkpoints_held", args=[peer.peer.pk])
    assert client.get(url).status_code == 404


def test_checkpoints_are_sent_again_each_day(peer: SimulatedPeer) -> None:
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(audit_witness_peer="gn-node")
    checkpoints.checkpoint_send(now=timezone.now() - timedelta(days=1))
    checkpoints.checkpoint_send()
    assert SentCheckpoint.objects.count() == 2
