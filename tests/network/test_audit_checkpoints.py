"""Audit checkpoints between two real nodes: Morocco's signed chain head reaches Guinea, its
witness; Morocco's trail matches the file Guinea exports, until Morocco's own administrator
rewrites it — then `audit verify --checkpoints` names the event, and a checkpoint of a
shortened trail is marked a conflict at the witness."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from tests.network.harness import PYTHON, ROOT, Node, wait_for

pytestmark = pytest.mark.network


def held(node: Node) -> list[tuple[int, str, int]]:
    with node.database() as db:
        rows = db.execute(
            "SELECT sequence, hash, conflict FROM audit_heldcheckpoint ORDER BY received_at"
        ).fetchall()
    return [tuple(r) for r in rows]


def send_checkpoint(node: Node, witness: Node) -> dict[str, object]:
    result: dict[str, object] = node.py(
        f"""
from kinlink.audit.checkpoints import checkpoint_send
from kinlink.audit.models import SentCheckpoint
from kinlink.core.models import NodeSettings
NodeSettings.current()
NodeSettings.objects.filter(pk=1).update(audit_witness_peer={witness.node_id!r})
checkpoint_send()
sent = SentCheckpoint.objects.latest("sent_at")
result = {{"sequence": sent.sequence, "hash": sent.hash}}
"""
    )
    return result


def export_held(witness: Node, of: Node, path: Path) -> None:
    document = witness.py(
        f"""
from kinlink.audit.checkpoints import checkpoints_held_document
result = checkpoints_held_document(Peer.objects.get(node_id={of.node_id!r}))
"""
    )
    path.write_text(json.dumps(document), encoding="utf-8")


def verify(node: Node, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "manage.py", "audit_verify", "--checkpoints", str(path)],
        cwd=ROOT,
        env=node.env(),
        capture_output=True,
        text=True,
    )


REWRITE = """
from django.db import connection
from kinlink.audit.models import AuditChainHead, AuditEvent
from kinlink.audit.services import event_digest
# What an administrator with the database in hand could do: change an old event, compute
# every later hash again, move the head, so that the chain verifies on its own.
with connection.cursor() as cursor:
    cursor.execute("UPDATE audit_auditevent SET actor_label = 'nobody' WHERE sequence = 3")
previous = AuditEvent.objects.get(sequence=2).hash
for event in AuditEvent.objects.filter(sequence__gte=3).order_by("sequence"):
    event.prev_hash = previous
    digest = event_digest(event)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE sequence = %s",
            [previous, digest, event.sequence],
        )
    previous = digest
AuditChainHead.objects.filter(pk=1).update(hash=previous)
result = AuditEvent.objects.count()
"""

SHORTEN = """
from django.db import connection
from kinlink.audit.models import AuditChainHead, AuditEvent
keep = KEEP
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM audit_auditevent WHERE sequence > %s", [keep])
last = AuditEvent.objects.get(sequence=keep)
AuditChainHead.objects.filter(pk=1).update(sequence=keep, hash=last.hash)
result = keep
"""


def test_a_witness_keeps_the_chain_head_and_sees_a_rewritten_trail(
    network: dict[str, Node], tmp_path: Path
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    sent = send_checkpoint(morocco, guinea)
    wait_for(lambda: any(row[0] == sent["sequence"] for row in held(guinea)))
    assert (sent["sequence"], sent["hash"], 0) in held(guinea)

    path = tmp_path / "checkpoints.json"
    export_held(guinea, morocco, path)
    clean = verify(morocco, path)
    assert clean.returncode == 0, clean.stderr
    assert "Witnessed checkpoints match" in clean.stdout

    # The rewrite below is undone afterwards: the other network tests share these nodes.
    database = morocco.folder / "db.sqlite3"
    snapshot = tmp_path / "morocco-before-the-rewrite.sqlite3"
    copy_database(database, snapshot)
    try:
        morocco.py(REWRITE)
        rewritten = verify(morocco, path)
        assert "Audit chain intact" in rewritten.stdout  # the chain alone is fooled
        assert rewritten.returncode == 1
        assert f"event #{sent['sequence']} was witnessed" in rewritten.stderr
        assert "the trail was rewritten" in rewritten.stderr

        # Then the trail cut short, below what was witnessed: the next checkpoint contradicts it.
        morocco.py(SHORTEN.replace("KEEP", str(int(str(sent["sequence"])) - 2)))
        shorter = send_checkpoint(morocco, guinea)
        wait_for(lambda: any(row[0] == shorter["sequence"] for row in held(guinea)))
        assert (shorter["sequence"], shorter["hash"], 1) in held(guinea)
    finally:
        copy_database(snapshot, database)
        morocco.py(
            """
from kinlink.core.models import NodeSettings
NodeSettings.objects.filter(pk=1).update(audit_witness_peer="")
result = True
"""
        )


def copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: safe while the node's processes hold the file open."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
