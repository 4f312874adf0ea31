"""Soak test of the exchange: nodes on loopback, N envelopes, processes killed at random.

    .venv/bin/python bench/exchange_soak.py [--messages 10000] [--nodes 3] [--seed 1]

Starts 2 or 3 Kinlink nodes (Morocco, Guinea, Italy), each its own web server, worker and
SQLite database, registered as peers of each other with the production retry settings. On
each directed pair of nodes a request is sent, then N messages in all are written through the
services (`message_post`, the outbox in the same transaction) while a chaos loop SIGKILLs a
random node's server or worker (or both) every few seconds and restarts it a few seconds later.
When every message is written the chaos stops and the network drains. Then, from the nodes'
own databases:

- delivered: outbox envelopes with a valid signed receipt;
- lost: messages written on a sender and absent from the receiver's inbox;
- applied_twice: message ids with more than one "received" event in the receiver's audit
  trail (the audit is append-only and not unique by message: it counts every application);
- p50_s / p99_s: seconds from the message's commit on the sender to its storage on the
  receiver; `p99_after_recovery_s` counts from when the receiver was last up again instead,
  for messages that waited for a node to come back.

The last line is `messages=N delivered=N lost=0 applied_twice=0 p50_s=… p99_s=…`.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.network.harness import Node, migrated_template

COUNTRIES = ["MA", "GN", "IT"]

OPEN_REQUEST = """
from datetime import date
from kinlink.cases.services import case_register
case = case_register(actor=caseworker, team=caseworker.teams.first(), lead_caseworker=caseworker,
    identity={"given_name": "Soak", "family_name": "Test", "sex": "male", "age_estimate": 15,
              "nationality_status": "known", "nationalities": ["GN"], "languages": [],
              "country_of_origin": "GN", "place_of_origin": "", "current_location": "",
              "case_type": "uasc_host", "separation_status": "unaccompanied",
              "referral_source": "ngo", "referral_date": date.today(), "risk_level": "low",
              "aliases": []},
    consent={"given_by": "child", "scopes": ["services", "sharing"]})
ids = []
for node_id in @PEERS@:
    request = x.request_draft(actor=caseworker, case=case, request_type="welfare_check",
        peer=Peer.objects.get(node_id=node_id), questions="Soak test.", danger_checked=True)
    approval_decide(actor=supervisor, approve=True,
        approval=x.request_submit(actor=caseworker, request=request, seen_version=request.version))
    ids.append(str(request.pk))
result = ids
"""

WRITE = """
requests = list(CrossBorderRequest.objects.filter(pk__in=@IDS@).select_related("peer"))
for number in range(@COUNT@):
    x.message_post(actor=caseworker, request=requests[number % len(requests)],
                   text=f"soak {number}")
result = @COUNT@
"""


def db(node: Node) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{node.folder / 'db.sqlite3'}?mode=ro", uri=True, timeout=60)


def pending(node: Node) -> int:
    with db(node) as connection:
        return int(
            connection.execute(
                "SELECT COUNT(*) FROM exchange_outboundenvelope WHERE status = 'pending'"
            ).fetchone()[0]
        )


def parse(stamp: str) -> float:
    """A stored time as seconds since the epoch (SQLite keeps UTC without a zone)."""
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def chaos(
    nodes: list[Node], stop: threading.Event, rng: random.Random, ups: dict[str, list[float]]
) -> int:
    kills = 0
    while not stop.wait(rng.uniform(2, 6)):
        node = rng.choice(nodes)
        what = rng.choice(["server", "worker", "both"])
        if what in {"server", "both"}:
            node.kill_server()
        if what in {"worker", "both"}:
            node.kill_worker()
        kills += 1
        stop.wait(rng.uniform(1, 5))
        revive(node, ups)
    return kills


def revive(node: Node, ups: dict[str, list[float]]) -> None:
    """Start what is down again; a start that fails on a loaded machine is tried again."""
    for _attempt in range(5):
        try:
            if node.server is None or node.server.poll() is not None:
                node.kill_server()
                node.start_server()
                ups[node.node_id].append(time.time())
            if node.worker is None or node.worker.poll() is not None:
                node.start_worker()
            return
        except RuntimeError as failed:
            print(f"{failed}; trying again", flush=True)
            time.sleep(5)
    raise RuntimeError(f"{node.name}: could not be started again")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=3, choices=[2, 3])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drain-minutes", type=float, default=15)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    folder = Path(tempfile.mkdtemp(prefix="kinlink-soak-"))
    print(f"working in {folder}", flush=True)
    template = migrated_template(folder)
    nodes = [Node(c.lower(), c, folder / c.lower()) for c in COUNTRIES[: options.nodes]]
    for node in nodes:
        node.fast_retries = False  # the production back-off: 2 s doubling, capped at 120 s
        node.startup_seconds = 120
        node.create(template)
        node.start_server()
    for node in nodes:
        for other in nodes:
            if other is not node:
                node.register(other)
    for node in nodes:
        node.start_worker()
    requests = {
        node.node_id: node.py(
            OPEN_REQUEST.replace("@PEERS@", repr([o.node_id for o in nodes if o is not node]))
        )
        for node in nodes
    }
    print("requests open on every directed pair; writing messages under chaos", flush=True)
    ups: dict[str, list[float]] = {n.node_id: [time.time()] for n in nodes}
    stop = threading.Event()
    kills: list[int] = []
    monkey = threading.Thread(target=lambda: kills.append(chaos(nodes, stop, rng, ups)))
    monkey.start()
    shares = [options.messages // len(nodes)] * len(nodes)
    shares[0] += options.messages - sum(shares)
    started = time.time()
    writers = [
        threading.Thread(
            target=node.py,
            args=(
                WRITE.replace("@IDS@", repr(requests[node.node_id])).replace("@COUNT@", str(share)),
            ),
        )
        for node, share in zip(nodes, shares, strict=True)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    written = time.time() - started
    stop.set()
    monkey.join()
    for node in nodes:
        revive(node, ups)
    print(f"written in {written:.0f} s with {kills[0]} kills; draining", flush=True)
    deadline = time.time() + options.drain_minutes * 60
    while time.time() < deadline and any(pending(n) for n in nodes):
        time.sleep(2)
    report(nodes, ups, options.messages)
    for node in nodes:
        node.stop()


def report(nodes: list[Node], ups: dict[str, list[float]], expected: int) -> None:
    sent: dict[str, tuple[str, str]] = {}  # message id → (receiver, created)
    delivered = 0
    for node in nodes:
        with db(node) as connection:
            rows = connection.execute(
                "SELECT e.message_id, p.node_id, e.created_at, e.status FROM"
                " exchange_outboundenvelope e JOIN exchange_peer p ON e.peer_id = p.id"
                " WHERE e.kind = 'message'"
            ).fetchall()
        for message_id, receiver, created, status in rows:
            sent[message_id] = (receiver, created)
            delivered += status == "delivered"
    stored: dict[str, str] = {}
    applications: dict[str, int] = {}
    for node in nodes:
        with db(node) as connection:
            for message_id, at in connection.execute(
                "SELECT message_id, created_at FROM exchange_inboundenvelope WHERE kind = 'message'"
            ):
                stored[message_id] = at
            for (context,) in connection.execute(
                "SELECT context FROM audit_auditevent WHERE action = 'receive'"
            ):
                key = str(json.loads(context)["message_id"]).replace("-", "")
                applications[key] = applications.get(key, 0) + 1
    lost = sum(1 for m in sent if m not in stored)
    twice = sum(1 for count in applications.values() if count > 1)
    latencies, after_recovery = [], []
    for message_id, (receiver, created) in sent.items():
        if message_id not in stored:
            continue
        start, end = parse(created), parse(stored[message_id])
        latencies.append(end - start)
        back = max((u for u in ups[receiver] if u <= end), default=start)
        after_recovery.append(end - max(start, back))
    latencies.sort()
    after_recovery.sort()

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    print(f"written={len(sent)} expected={expected}")
    print(
        f"p99_after_recovery_s={pct(after_recovery, 0.99):.1f} "
        f"mean_s={statistics.fmean(latencies) if latencies else float('nan'):.1f}"
    )
    print(
        f"messages={len(sent)} delivered={delivered} lost={lost} applied_twice={twice} "
        f"p50_s={pct(latencies, 0.5):.1f} p99_s={pct(latencies, 0.99):.1f}"
    )


if __name__ == "__main__":
    main()
