"""What the staff of a node do in the integration tests, as Python run on that node."""

from __future__ import annotations

from typing import Any

from tests.network.harness import Node

REGISTER = """
from datetime import date
from kinlink.cases.services import case_register, consent_record
case = case_register(
    actor=caseworker, team=caseworker.teams.first(), lead_caseworker=caseworker,
    identity={
        "given_name": @GIVEN@, "family_name": "Diallo", "sex": "male", "age_estimate": 15,
        "nationality_status": "known", "nationalities": ["GN"], "languages": ["fuc"],
        "country_of_origin": "GN", "place_of_origin": "Labé", "current_location": "Tangier",
        "case_type": "uasc_host", "separation_status": "unaccompanied",
        "referral_source": "border_police", "referral_date": date.today(), "risk_level": "high",
        "aliases": [],
    },
    consent={"given_by": "child", "scopes": ["services", "tracing", "sharing"], "language": "fuc"},
)
"""


def send_request(
    node: Node, to: Node, *, given: str, kind: str = "family_evaluation", worker: bool = True
) -> str:
    """Register a child on `node`, draft a request to `to`, submit and approve it: the
    envelope is in the outbox when this returns. Answers the conversation id."""
    return str(
        node.py(
            REGISTER.replace("@GIVEN@", repr(given))
            + f"""
peer = Peer.objects.get(node_id={to.node_id!r})
request = x.request_draft(actor=caseworker, case=case, request_type={kind!r}, peer=peer,
    questions="Please meet the mother and evaluate the home.", danger_checked=True)
approval = x.request_submit(actor=caseworker, request=request, seen_version=request.version)
approval_decide(actor=supervisor, approval=approval, approve=True)
result = str(request.conversation)
"""
        )
    )


def state(node: Node, conversation: str) -> dict[str, Any]:
    """What a node holds of one conversation: its request rows, thread and envelopes — read
    from the node's database file directly (read-only), which costs milliseconds where
    starting Django costs seconds."""
    key = conversation.replace("-", "")
    with node.database() as db:
        requests = db.execute(
            "SELECT direction, status FROM exchange_crossborderrequest WHERE conversation = ?",
            (key,),
        ).fetchall()
        messages = db.execute(
            "SELECT COUNT(*) FROM exchange_requestmessage m JOIN exchange_crossborderrequest r"
            " ON m.request_id = r.id WHERE r.conversation = ?",
            (key,),
        ).fetchone()[0]
        inbound = db.execute(
            "SELECT COUNT(*) FROM exchange_inboundenvelope WHERE conversation = ?", (key,)
        ).fetchone()[0]
        outbound = db.execute(
            "SELECT kind, status, attempts FROM exchange_outboundenvelope"
            " WHERE conversation = ? ORDER BY created_at",
            (key,),
        ).fetchall()
    return {
        "requests": [list(row) for row in requests],
        "messages": messages,
        "inbound": inbound,
        "outbound": [tuple(row) for row in outbound],
    }


def status_of(node: Node, conversation: str, direction: str) -> str | None:
    rows = state(node, conversation)["requests"]
    return next((s for d, s in rows if d == direction), None)
