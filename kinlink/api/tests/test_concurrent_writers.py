"""Many writers editing one case through the API at once: none is lost. Each edit is either
applied (and bumps the version by one) or refused with 412; nothing is silently overwritten.

The suite runs 10 writers × 20 edits on PostgreSQL; bench/api_concurrency.py runs 50 × 200
and prints the figures.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from kinlink.api.services import api_token_issue
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases.models import Case

WRITERS = int(os.environ.get("KINLINK_API_WRITERS", "10"))
EDITS = int(os.environ.get("KINLINK_API_EDITS", "20"))


def writer(
    token: str, case_id: str, name: str, outcomes: Counter[int], lock: threading.Lock
) -> None:
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    try:
        for n in range(EDITS):
            read = client.get(f"/api/v1/cases/{case_id}", **auth)
            answer = client.patch(
                f"/api/v1/cases/{case_id}",
                data=json.dumps({"current_location": f"{name}-{n}"}),
                content_type="application/json",
                HTTP_IF_MATCH=read["ETag"],
                **auth,
            )
            with lock:
                outcomes[answer.status_code] += 1
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_case_are_applied_or_refused_never_lost(
    case_a: Case, caseworker_a: Any, node_admin: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    token = api_token_issue(actor=node_admin, user=caseworker_a, name="load").secret
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()
    threads = [
        threading.Thread(target=writer, args=(token, str(case_a.pk), f"w{i}", outcomes, lock))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case_a.refresh_from_db()
    # The edits' own events (the case's other updates, such as its first response, aside).
    applied = AuditEvent.objects.filter(
        case_id=case_a.pk,
        action=AuditAction.UPDATE,
        object_id=str(case_a.pk),
        changes__has_key="current_location",
    )
    assert set(outcomes) <= {200, 412}, outcomes
    assert sum(outcomes.values()) == WRITERS * EDITS
    assert outcomes[200] >= 1
    # Every applied edit moved the version by exactly one and left its event.
    assert case_a.version == 1 + outcomes[200]
    assert applied.count() == outcomes[200]
    versions = sorted(e.changes["version"][1] for e in applied)
    assert versions == list(range(2, 2 + outcomes[200]))
    # The last applied edit is the one the case holds (the trail keeps no place, its version).
    last = applied.order_by("-sequence").first()
    assert last is not None and last.changes["version"][1] == case_a.version
    print(f"\nwriters={WRITERS} edits={EDITS} applied={outcomes[200]} refused={outcomes[412]}")
