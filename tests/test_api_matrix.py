"""The REST API in the permission matrix: every operation of the OpenAPI description, called
with a valid body by a token of each persona, answers as the web pages would: out-of-scope
records 404, forbidden operations 403, no token 401.

An operation added to the API without a row here fails `test_the_table_has_a_row_for_every_
operation`. Every call runs in a savepoint that is rolled back, so each answers on the same
world.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from conftest import CONSENT, identity
from kinlink.api.core import api
from kinlink.api.services import api_token_issue
from kinlink.cases.models import Case, Task
from kinlink.exchange import requests as exchange
from kinlink.exchange.models import CrossBorderRequest
from kinlink.plans.models import FollowUpVisit
from tests import sweeps
from tests import test_permission_matrix as matrix

world = matrix.world  # the matrix's fixture: one of every record, on case A

NO_TOKEN = "no token"
HOLDERS = (
    "caseworker_a",
    "supervisor_a",
    "caseworker_b",
    "teammate_a",
    "guardian",
    "analyst",
    "node_admin",
    "outsider",
)
PERSONAS = (NO_TOKEN, *HOLDERS)
EDITORS = ("caseworker_a", "supervisor_a")
READERS = (*EDITORS, "guardian")


class Rollback(Exception):
    pass


def answers(ok: int, allowed: tuple[str, ...], other: int = 404, **special: int) -> dict[str, int]:
    """`ok` for `allowed`, `other` for the rest of the token holders, 401 without a token."""
    table = {persona: ok if persona in allowed else other for persona in HOLDERS}
    return {NO_TOKEN: 401, **table, **special}


def everyone(ok: int) -> dict[str, int]:
    return answers(ok, HOLDERS)


def _today() -> str:
    return timezone.localdate().isoformat()


def _case(w: dict[str, Any]) -> Case:
    return Case.objects.get(pk=w["case"]["case_id"])


# operation id -> (path values, body, the record whose ETag goes in If-Match, answers)
Body = Callable[[dict[str, Any]], Any]
OPERATIONS: dict[str, tuple[Body | None, Body | None, dict[str, int]]] = {
    # Lists answer 200 to every token, holding only what the user may see (checked below).
    "case_list": (None, None, everyone(200)),
    "case_search": (lambda w: {"query": "Mohamed"}, None, everyone(200)),
    "case_register": (
        lambda w: {
            "team_id": str(w["team"]["team_id"]),
            "lead_caseworker": "caseworker_a",
            "identity": {**identity(), "referral_date": "2026-11-01", "date_of_birth": None},
            "consent": CONSENT,
        },
        None,
        # Registering in team A is for team A's staff; another agency's caseworker does not
        # find the team (a 422 names the field, as for any unknown id).
        answers(201, (*EDITORS, "teammate_a"), other=403, outsider=422),
    ),
    "case_read": (None, None, answers(200, READERS)),
    "case_update": (lambda w: {"current_location": "Rabat"}, _case, answers(200, EDITORS)),
    "people_list": (None, None, answers(200, READERS)),
    "person_add": (
        lambda w: {"full_name": "Aisha El Amine", "relationship": "mother"},
        None,
        answers(201, EDITORS),
    ),
    "task_list": (None, None, everyone(200)),
    "task_complete": (
        None,
        lambda w: Task.objects.get(pk=w["task"]["task_id"]),
        # The guardian sees the task on the case she reads, and may not complete it.
        answers(200, EDITORS, guardian=403),
    ),
    "follow_up_list": (None, None, answers(200, READERS)),
    "follow_up_create": (
        lambda w: {"template": "after_reunification", "start_on": _today()},
        None,
        # Editors reach the case; the world's plan still has visits ahead, so a second one
        # is refused by rule (422), after the scope was passed.
        answers(422, EDITORS),
    ),
    "visit_report": (
        lambda w: {"visited_on": _today(), "child_seen": True, "well_being": "Well"},
        lambda w: FollowUpVisit.objects.get(pk=w["visit"]["visit_id"]),
        answers(201, EDITORS),
    ),
    "request_list": (None, None, everyone(200)),
    "request_read": (None, None, answers(200, READERS)),
    "request_draft": (
        lambda w: {"request_type": "tracing", "peer": "gn-peer", "questions": "His mother?"},
        None,
        answers(201, EDITORS),
    ),
    "request_update": (
        lambda w: {"questions": "His mother, Fatima?", "danger_checked": True},
        lambda w: CrossBorderRequest.objects.get(pk=w["request"]["request_id"]),
        answers(200, EDITORS, guardian=403),
    ),
    "request_submit": (
        None,
        lambda w: CrossBorderRequest.objects.get(pk=w["request"]["request_id"]),
        # Editors reach the draft; it lacks a legal basis, so leaving is refused by rule.
        answers(422, EDITORS, guardian=403),
    ),
}


@functools.cache
def operations() -> dict[str, tuple[str, str]]:
    """operation id -> (method, path) of every operation the OpenAPI description lists."""
    schema = api.get_openapi_schema()
    return {
        operation["operationId"]: (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_the_table_has_a_row_for_every_operation() -> None:
    assert sorted(operations()) == sorted(OPERATIONS)


@pytest.fixture
def sweep_world(world: dict[str, Any], register_case: Any) -> dict[str, Any]:
    world = sweeps.extend_world(world, register_case)
    admins = {"outsider": world["other_admin"]}
    world["tokens"] = {
        persona: api_token_issue(
            actor=admins.get(persona, world["node_admin"]), user=world[persona], name="sweep"
        ).secret
        for persona in HOLDERS
    }
    outgoing = CrossBorderRequest.objects.get(pk=world["request"]["request_id"])
    exchange.request_update(
        actor=world["caseworker_a"],
        request=outgoing,
        seen_version=outgoing.version,
        questions=outgoing.questions,
        danger_checked=True,
    )
    return world


def call(
    world: dict[str, Any], persona: str, operation: str, keep: bool = False
) -> tuple[int, str]:
    """One call, rolled back unless `keep`: (status, body)."""
    method, path = operations()[operation]
    body, versioned, _answers = OPERATIONS[operation]
    ids = {
        "case_id": world["case"]["case_id"],
        "task_id": world["task"]["task_id"],
        "visit_id": world["visit"]["visit_id"],
        "request_id": world["request"]["request_id"],
    }
    headers = {}
    if persona != NO_TOKEN:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world['tokens'][persona]}"
    if versioned is not None:
        headers["HTTP_IF_MATCH"] = f'"v{versioned(world).version}"'
    data = json.dumps(body(world)) if body is not None else None
    client = Client(raise_request_exception=False)
    url = path.format(**ids)
    if keep:
        response = client.generic(method, url, data or "", "application/json", **headers)
        return response.status_code, response.content.decode()
    try:
        with transaction.atomic():
            response = client.generic(method, url, data or "", "application/json", **headers)
            raise Rollback
    except Rollback:
        return response.status_code, response.content.decode()


def test_every_operation_answers_each_persona_as_its_role_allows(
    sweep_world: dict[str, Any],
) -> None:
    world = sweep_world
    got, bodies = {}, {}
    for operation in OPERATIONS:
        for persona in PERSONAS:
            got[operation, persona], bodies[operation, persona] = call(world, persona, operation)
    expected = {
        (operation, persona): row[2][persona]
        for operation, row in OPERATIONS.items()
        for persona in PERSONAS
    }
    wrong = {
        key: (status, bodies[key][:150]) for key, status in got.items() if status != expected[key]
    }
    assert wrong == {}

    # What a list shows a persona outside case A holds nothing of case A.
    case_a = _case(world)
    leaks = {
        key
        for key, text in bodies.items()
        if key[1] not in READERS and (str(case_a.pk) in text or case_a.reference in text)
    }
    assert leaks == set()
    listed = json.loads(bodies["case_list", "caseworker_a"])
    assert [item["id"] for item in listed["items"]] == [str(case_a.pk)]


def test_nothing_changes_when_the_api_refuses(sweep_world: dict[str, Any]) -> None:
    """The refusals again, this time kept: no table moves, only the calls are audited."""
    world = sweep_world
    before, sequence = sweeps.fingerprint(), sweeps.last_sequence()
    refused = {}
    for operation, (_body, _versioned, row) in OPERATIONS.items():
        for persona in PERSONAS:
            if row[persona] in {401, 403, 404}:
                refused[operation, persona] = call(world, persona, operation, keep=True)[0]
    assert len(refused) > 60
    assert set(refused.values()) <= {401, 403, 404}
    # A token records when it was last used, whatever the call's answer.
    assert sweeps.changed_tables(before, sweeps.fingerprint()) in ([], ["api_apitoken"])
    assert {event[0] for event in sweeps.audit_since(sequence)} == {"api_call"}
