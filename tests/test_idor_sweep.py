"""Insecure direct object references: every route whose URL names a record, tried with the
record's real id by everyone who must not reach it, with a guessed id by the one who may, and
with one case's id beside another case's record.

The routes come from the URL map (`sweeps.object_routes`), the record ids from the matrix's
`world`, the bodies from the forms the rightful user is shown. What must hold: 404 to a GET
and to a POST (405 where the route never takes that method, as for everyone), nothing written
to any table, and no audit event of a change.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from tests import sweeps
from tests import test_permission_matrix as matrix
from tests.test_permission_matrix import ROUTES, SIGNED_IN, outcome

world = matrix.world  # the matrix's fixture: one of every record, on case A

PERSONAS = (*SIGNED_IN, *sweeps.EXTRA_PERSONAS)
# The extra personas read what their like reads, but for agency-scoped administration.
LIKE = {"teammate_a": "caseworker_b", "other_admin": "node_admin"}
AGENCY_SCOPED = {"user", "team", "role_change", "token"}


class Rollback(Exception):
    pass


@pytest.fixture
def sweep_world(world: dict[str, Any], register_case: Any) -> dict[str, Any]:
    return sweeps.extend_world(world, register_case)


def may_read(persona: str, name: str) -> bool:
    return _may(persona, name, sweeps.readers(ROUTES[name]))


def may_post(persona: str, name: str) -> bool:
    return _may(persona, name, sweeps.posters(name))


def _may(persona: str, name: str, allowed: tuple[str, ...]) -> bool:
    if persona == "other_admin":
        # Elsewhere she is a node administrator like Omar, whose refusals are tried already.
        return ROUTES[name].params not in AGENCY_SCOPED
    return LIKE.get(persona, persona) in allowed


def get_only(world: dict[str, Any], routes: list[str]) -> set[str]:
    """The routes that never take a POST: 405 to everyone, before any record is looked up."""
    return {
        name
        for name in routes
        if rightful_post(world, name, sweeps.url_of(name, world), {}) == "405"
    }


def rightful_post(world: dict[str, Any], name: str, url: str, body: dict[str, Any]) -> str:
    """What the rightful user's POST answers; whatever it wrote is rolled back."""
    client = sweeps.client_of(world, sweeps.rightful(name))
    try:
        with transaction.atomic():
            answer = outcome(client.post(url, body))
            raise Rollback
    except Rollback:
        return answer


def test_every_route_naming_a_record_has_a_row_and_a_rightful_user() -> None:
    routes = sweeps.object_routes()
    assert len(routes) > 80
    assert set(routes) <= set(ROUTES)
    assert {name: bool(sweeps.posters(name)) for name in routes} == dict.fromkeys(routes, True)


def test_no_one_out_of_scope_reaches_a_record_by_its_id(sweep_world: dict[str, Any]) -> None:
    world = sweep_world
    forms = sweeps.bodies(world)
    routes = sweeps.object_routes()
    urls = {name: sweeps.url_of(name, world) for name in routes}
    posts = {name: forms.get(urls[name], {}) for name in routes}
    rightful = {name: rightful_post(world, name, urls[name], posts[name]) for name in routes}
    assert not [name for name, answer in rightful.items() if answer in {"404", "500"}], rightful

    answers, expected = {}, {}
    clients = {persona: sweeps.client_of(world, persona) for persona in PERSONAS}
    before, sequence = sweeps.fingerprint(), sweeps.last_sequence()
    audited = {}
    for persona, client in clients.items():
        for name in routes:
            row = ROUTES[name]
            if not may_read(persona, name):
                answers[persona, name, "GET"] = outcome(client.get(urls[name]))
                expected[persona, name, "GET"] = "405" if sweeps.is_post_only(row) else "404"
            if not may_post(persona, name):
                answers[persona, name, "POST"] = outcome(client.post(urls[name], posts[name]))
                expected[persona, name, "POST"] = "405" if rightful[name] == "405" else "404"
            if events := sweeps.audit_since(sequence):
                audited[persona, name] = events
                sequence = sweeps.last_sequence()
    wrong = {key: answer for key, answer in answers.items() if answer != expected[key]}
    assert wrong == {}
    assert sweeps.changed_tables(before, sweeps.fingerprint()) == []
    assert audited == {}
    assert len(answers) > 500


def _guessed(kwargs: dict[str, Any]) -> dict[str, Any]:
    guessed: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in sweeps.NOT_IDS:
            guessed[key] = value
        elif isinstance(value, int):
            guessed[key] = 10**9
        elif key == "code":
            guessed[key] = "ZZ"
        else:
            guessed[key] = uuid.uuid4()
    return guessed


def test_a_guessed_id_answers_404_even_to_the_rightful_user(sweep_world: dict[str, Any]) -> None:
    world = sweep_world
    answers, expected = {}, {}
    clients = {
        persona: sweeps.client_of(world, persona)
        for persona in ("caseworker_a", "supervisor_a", "node_admin")
    }
    before, sequence = sweeps.fingerprint(), sweeps.last_sequence()
    for name in sweeps.object_routes():
        row = ROUTES[name]
        client = clients[sweeps.rightful(name)]
        url = reverse(name, kwargs=_guessed(world[sweeps.params_key(name)]))
        answers[name, "GET"] = outcome(client.get(url))
        expected[name, "GET"] = "405" if sweeps.is_post_only(row) else "404"
        post = outcome(client.post(url, {}))
        answers[name, "POST"] = "404" if post == "405" and not sweeps.is_post_only(row) else post
        expected[name, "POST"] = "404"
    assert {k: v for k, v in answers.items() if v != expected[k]} == {}
    assert sweeps.changed_tables(before, sweeps.fingerprint()) == []
    assert sweeps.audit_since(sequence) == []


def test_one_cases_id_beside_another_cases_record_answers_404(
    sweep_world: dict[str, Any],
) -> None:
    """Caseworker B leads case B: a URL with case B's id and a record of case A must not
    reach case A's record through her rights on case B."""
    world = sweep_world
    case_b = world["case_b"]
    mixed = [
        name
        for name in sweeps.object_routes()
        if {"case_id"} < set(world[sweeps.params_key(name)]) - sweeps.NOT_IDS
    ]
    assert len(mixed) >= 19
    refuse_posts = get_only(world, mixed)
    posts = {}
    for name in mixed:
        url = sweeps.url_of(name, world)
        page = sweeps.client_of(world, sweeps.rightful(name)).get(url)
        forms = sweeps.post_forms(url, page.content.decode()) if page.status_code == 200 else {}
        posts[name] = forms.get(url, {"version": case_b.version})
    client = sweeps.client_of(world, "caseworker_b")
    assert client.get(reverse("cases:detail", args=[case_b.pk])).status_code == 200
    answers, expected = {}, {}
    before, sequence = sweeps.fingerprint(), sweeps.last_sequence()
    for name in mixed:
        row = ROUTES[name]
        url = reverse(name, kwargs=world[sweeps.params_key(name)] | {"case_id": case_b.pk})
        answers[name, "GET"] = outcome(client.get(url))
        expected[name, "GET"] = "405" if sweeps.is_post_only(row) else "404"
        answers[name, "POST"] = outcome(client.post(url, posts[name]))
        expected[name, "POST"] = "405" if name in refuse_posts else "404"
    assert {k: v for k, v in answers.items() if v != expected[k]} == {}
    assert sweeps.changed_tables(before, sweeps.fingerprint()) == []
    # Opening case B is hers to do and is recorded; nothing else is.
    assert {event[:3] for event in sweeps.audit_since(sequence)} == {
        ("view", "cases.case", "caseworker_b")
    }
    assert sweeps.audit_case_ids_since(sequence) == {case_b.pk}
