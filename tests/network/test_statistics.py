"""Network statistics between two real nodes: Morocco sends its de-identified aggregates to
Guinea, the network node, which shows them; a message with a small cell is refused there."""

from __future__ import annotations

import pytest

from tests.network.harness import Node, wait_for

pytestmark = pytest.mark.network

REGISTER_SIX = """
from datetime import date
from kinlink.cases.services import case_register
for given in ["Amadou", "Bakary", "Cheick", "Demba", "Elhadj", "Fode"]:
    case_register(
        actor=caseworker, team=caseworker.teams.first(), lead_caseworker=caseworker,
        identity={
            "given_name": given, "family_name": "Camara", "sex": "male", "age_estimate": 16,
            "nationality_status": "known", "nationalities": ["GN"], "languages": ["sus"],
            "country_of_origin": "GN", "place_of_origin": "Kindia", "current_location": "Tangier",
            "case_type": "uasc_host", "separation_status": "unaccompanied",
            "referral_source": "border_police", "referral_date": date.today(),
            "risk_level": "medium", "aliases": [],
        },
        consent={"given_by": "child", "scopes": ["services"], "language": "sus"},
    )
"""


def outbound(node: Node, kind: str) -> list[tuple[str, str]]:
    with node.database() as db:
        rows = db.execute(
            "SELECT status, last_error FROM exchange_outboundenvelope WHERE kind = ?"
            " ORDER BY created_at",
            (kind,),
        ).fetchall()
    return [tuple(r) for r in rows]


def test_a_node_sends_its_statistics_and_the_network_node_shows_them(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    before = morocco.py(
        """
from django.utils import timezone
from kinlink.cases.models import Case
from kinlink.reports.network import month_of
month = month_of(timezone.localdate())
this_month = Case.objects.filter(referral_date__range=(month.start, month.end))
result = {
    "GN": sum(1 for n in this_month.values_list("nationalities", flat=True) if n and n[0] == "GN"),
    "uasc_host": this_month.filter(case_type="uasc_host").count(),
}
"""
    )
    morocco.py(
        REGISTER_SIX
        + f"""
from kinlink.core.models import NodeSettings
from kinlink.reports.network import statistics_send
NodeSettings.current()
NodeSettings.objects.filter(pk=1).update(network_statistics_peer={guinea.node_id!r})
result = str(statistics_send().message_id)
"""
    )
    wait_for(lambda: ("delivered", "") in outbound(morocco, "statistics"))
    shown = guinea.py(
        """
from django.utils import timezone
from kinlink.reports.network import dashboard, month_of
from kinlink.reports.models import ReceivedStatistics
month = month_of(timezone.localdate())
kept = ReceivedStatistics.objects.select_related("peer").get(period_start=month.start)
page = dashboard(month)
registered = next(
    i["result"] for i in page["results"] if i["result"].indicator.code == "registered_by_type"
)
result = {
    "peer": kept.peer.node_id,
    "tables": kept.tables["registered_by_nationality"],
    "network": {r.key: r.value for r in registered.rows},
    "nodes": len(page["nodes"]),
}
"""
    )
    assert shown["peer"] == morocco.node_id
    assert shown["tables"]["GN"] == before["GN"] + 6  # the node's own cases, and the six
    assert shown["network"]["uasc_host"] == before["uasc_host"] + 6
    assert shown["nodes"] == 2
    # Counts only: no name of the children registered in Morocco is anywhere in Guinea's
    # database file, which holds the statistics received.
    data = (guinea.folder / "db.sqlite3").read_bytes()
    assert b"Camara" not in data and b"Amadou" not in data and b"Kindia" not in data


def test_the_network_node_refuses_a_statistics_message_with_a_small_cell(
    network: dict[str, Node],
) -> None:
    morocco, guinea = network["morocco"], network["guinea"]
    morocco.py(
        f"""
import uuid
from django.db import transaction
from kinlink.exchange.outbox import enqueue
peer = Peer.objects.get(node_id={guinea.node_id!r})
body = {{"format": 1, "periods": [{{"start": "2026-10-01", "end": "2026-10-31",
        "tables": {{"registered_by_sex": {{"female": 2, "male": 9}}}}}}]}}
with transaction.atomic():
    enqueue(peer=peer, kind="statistics", conversation=uuid.uuid4(), body=body)
result = True
"""
    )
    wait_for(lambda: ("dead", "refused_by_rule") in outbound(morocco, "statistics"))
    with guinea.database() as db:
        details = [
            row[0]
            for row in db.execute(
                "SELECT context FROM audit_auditevent WHERE action = 'refuse'"
            ).fetchall()
        ]
        kept = db.execute(
            "SELECT COUNT(*) FROM reports_receivedstatistics WHERE period_start = '2026-10-01'"
        ).fetchone()[0]
    assert any("statistics:small_cell:registered_by_sex" in d for d in details)
    assert kept == 0
