"""`make network`: three demonstration nodes of a network on this machine, exchanging requests.

Morocco (http://127.0.0.1:8001, the full demonstration agency), Guinea (…:8002) and Italy
(…:8003): each its own web server, worker, SQLite database and keys under var/network/, each
registered as a peer of the others with its fingerprint confirmed. On first start the nodes
exchange a few requests, as their staff would, so that every side has something to show:

- Morocco → Guinea, family evaluation of Mamadou Diallo: accepted and replied; the
  evaluation is in Mamadou's case in Morocco (step 5);
- Morocco → Guinea, tracing of Moussa Traoré's family: waiting in Guinea's inbox;
- Guinea → Morocco, welfare check on Aissatou Bah: waiting in Morocco's inbox;
- Morocco → Italy, follow-up report request for Yonas Tesfaye: a draft, not yet submitted.

The nodes run until Ctrl-C; their data stays in var/network/ (`make clean` removes it).
"""

from __future__ import annotations

import shutil
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.network.harness import Node, migrated_template, wait_for

ROOT = Path(__file__).resolve().parents[1] / "var" / "network"
PEOPLE = {
    "MA": ("amina", "youssef", "omar", "Agence nationale (Maroc)"),
    "GN": ("mariama", "alpha", "ibrahima", "Direction nationale de l'enfance (Guinée)"),
    "IT": ("giulia", "marco", "paola", "Servizio Sociale Internazionale (Italia)"),
}

SEED_MOROCCO = """
from kinlink.cases.services import consent_record
amina, youssef = User.objects.get(username="amina"), User.objects.get(username="youssef")
def child(given, family):
    return Case.objects.get(given_name=given, family_name=family)
def send(case, peer_id, kind, questions, submit=True):
    if not x.sharing_consent(case):
        consent_record(actor=amina, case=case, consent={"given_by": "child", "scopes": ["sharing"]})
    request = x.request_draft(actor=amina, case=case, request_type=kind,
        peer=Peer.objects.get(node_id=peer_id), questions=questions, danger_checked=True)
    if submit:
        approval = x.request_submit(actor=amina, request=request, seen_version=request.version)
        approval_decide(actor=youssef, approval=approval, approve=True)
    return str(request.conversation)
result = {
    "evaluation": send(child("Mamadou", "Diallo"), "gn-guinea", "family_evaluation",
        "His mother Aissatou lives in Labé. Please meet her, evaluate the home and tell whether "
        "she can care for him."),
    "tracing": send(child("Moussa", "Traoré"), "gn-guinea", "tracing",
        "Moussa says his father sells fabric at the Madina market in Conakry. Please trace him."),
    "follow_up": send(child("Yonas", "Tesfaye"), "it-italy", "follow_up_report",
        "His uncle in Rome may receive him; we will ask for follow-up reports.", submit=False),
}
"""

SEED_GUINEA_WELFARE = """
from kinlink.cases.services import consent_record
mariama, alpha = User.objects.get(username="mariama"), User.objects.get(username="alpha")
case = Case.objects.get(given_name="Fatoumata")
request = x.request_draft(actor=mariama, case=case, request_type="welfare_check",
    peer=Peer.objects.get(node_id="ma-morocco"), danger_checked=True,
    questions="Her mother in Labé has had no news of her cousin Aissatou Bah, thought to be in "
              "Tangier. Can you tell us how she is?")
approval_decide(actor=alpha, approval=x.request_submit(actor=mariama, request=request,
    seen_version=request.version), approve=True)
result = str(request.conversation)
"""


def reply_to_evaluation(guinea: Node, conversation: str) -> None:
    guinea.py(
        f"""
from datetime import date, timedelta
alpha, mariama = User.objects.get(username="alpha"), User.objects.get(username="mariama")
request = CrossBorderRequest.objects.get(conversation={conversation!r})
rx.incoming_accept(actor=alpha, request=request, seen_version=request.version, assign_to=mariama)
request.refresh_from_db()
rx.incoming_reply(actor=mariama, request=request, seen_version=request.version, data={{
    "who_was_met": "His mother Aissatou Diallo and his maternal uncle Thierno",
    "home_conditions": "A two-room house in Labé with a courtyard; water from a shared well",
    "capacity": "The mother wants him back; the uncle can pay school fees for a year",
    "risks": "The father, who left, is not in contact", "evaluator_name": "Mariama Barry",
    "evaluated_on": date.today() - timedelta(days=1), "recommendation": "with_support"}},
    text="The family is ready to receive him, with support for school.")
result = True
"""
    )


def in_inbox(node: Node, conversation: str) -> bool:
    with node.database() as db:
        return bool(
            db.execute(
                "SELECT 1 FROM exchange_crossborderrequest WHERE conversation = ?",
                (conversation.replace("-", ""),),
            ).fetchone()
        )


def main() -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    nodes = {
        "MA": Node("morocco", "MA", ROOT / "morocco", port=8001),
        "GN": Node("guinea", "GN", ROOT / "guinea", port=8002),
        "IT": Node("italy", "IT", ROOT / "italy", port=8003),
    }
    ready = ROOT / "ready"
    fresh = not ready.exists()
    if fresh:  # a first start, or one that stopped half-way: start again from nothing
        shutil.rmtree(ROOT)
        ROOT.mkdir(parents=True)
    for node in nodes.values():
        node.fast_retries = False
    if fresh:
        print("Creating the three nodes (about a minute)…", flush=True)
        template = migrated_template(ROOT)
        for country, node in nodes.items():
            node.create(template, generic=False, full_demo=country == "MA")
    for node in nodes.values():
        node.start_server()
    if fresh:
        for country, node in nodes.items():
            for other_country, other in nodes.items():
                if other is not node:
                    node.register(other, name=PEOPLE[other_country][3], admin=PEOPLE[country][2])
    for node in nodes.values():
        node.start_worker()
    if fresh:
        sent = nodes["MA"].py(SEED_MOROCCO)
        nodes["GN"].py(SEED_GUINEA_WELFARE)
        wait_for(lambda: in_inbox(nodes["GN"], sent["evaluation"]), timeout=120)
        reply_to_evaluation(nodes["GN"], sent["evaluation"])
        ready.touch()
    print("\nThe network is up (password of every account: kinlink-demo-password):")
    for country, node in nodes.items():
        caseworker, supervisor, admin, name = PEOPLE[country]
        people = f"caseworker {caseworker}, supervisor {supervisor}, administrator {admin}"
        print(f"  {name:45} {node.url}  {people}")
    print("Ctrl-C stops the three nodes.", flush=True)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            time.sleep(0.5)
    finally:
        for node in nodes.values():
            node.stop()


if __name__ == "__main__":
    main()
