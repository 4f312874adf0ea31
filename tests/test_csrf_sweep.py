"""Cross-site request forgery: every route of the URL map refuses a POST without a CSRF token
from a browser signed in as someone who may use it, and the refusal changes nothing.

Only the inbox is exempt, by design: peers post envelopes to it and prove who they are by
signature, never by a cookie. The REST API is not under CSRF either, because it never reads
the session: a signed-in browser calling an API write without a token gets 401.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from kinlink.api.core import api
from tests import sweeps
from tests import test_permission_matrix as matrix
from tests.test_permission_matrix import ANONYMOUS, ROUTES

world = matrix.world  # the matrix's fixture: one of every record, on case A

# Peers post signed envelopes to the inbox; a cookie never authenticates anything there.
CSRF_EXEMPT = {"exchange:inbox"}
REFUSED = "errors/403_csrf.html"


class Rollback(Exception):
    pass


@pytest.fixture
def sweep_world(world: dict[str, Any], register_case: Any) -> dict[str, Any]:
    return sweeps.extend_world(world, register_case)


def a_page(persona: str) -> str:
    return reverse("accounts:login" if persona == ANONYMOUS else "accounts:notifications")


def refused_by_csrf(response: Any) -> bool:
    return response.status_code == 403 and REFUSED in [t.name for t in response.templates]


def test_a_post_without_a_csrf_token_is_refused_on_every_route(
    sweep_world: dict[str, Any],
) -> None:
    world = sweep_world
    forms = sweeps.bodies(world)
    routes = sorted(ROUTES)
    clients = {}
    for name in routes:
        persona = sweeps.rightful(name)
        if persona not in clients:
            clients[persona] = sweeps.client_of(world, persona, enforce_csrf_checks=True)
            # A page first, as a browser would: the CSRF cookie is set, the token not sent.
            clients[persona].get(a_page(persona))
    urls = {name: sweeps.url_of(name, world) for name in routes}
    bodies = {}
    for name in routes:
        body = dict(forms.get(urls[name], {}))
        body.pop("csrfmiddlewaretoken", None)
        bodies[name] = body

    assert all("csrftoken" in client.cookies for client in clients.values())
    before, sequence = sweeps.fingerprint(), sweeps.last_sequence()
    answers = {}
    for name in routes:
        if name not in CSRF_EXEMPT:
            response = clients[sweeps.rightful(name)].post(urls[name], bodies[name])
            answers[name] = "refused" if refused_by_csrf(response) else str(response.status_code)
    assert answers == dict.fromkeys(set(routes) - CSRF_EXEMPT, "refused")
    assert sweeps.changed_tables(before, sweeps.fingerprint()) == []
    assert sweeps.audit_since(sequence) == []

    # The same posts with the token are not refused: the 403 above was the missing token.
    # (Whatever they write is rolled back.)
    with_token = {}
    for name in routes:
        client = clients[sweeps.rightful(name)]
        token = client.cookies["csrftoken"].value
        try:
            with transaction.atomic():
                response = client.post(urls[name], {**bodies[name], "csrfmiddlewaretoken": token})
                with_token[name] = refused_by_csrf(response)
                raise Rollback
        except Rollback:
            pass
    assert [name for name, refused in with_token.items() if refused] == []


def test_the_inbox_is_exempt_because_peers_sign_what_they_post() -> None:
    from kinlink.exchange.views import inbox_endpoint

    assert getattr(inbox_endpoint, "csrf_exempt", False) is True


def api_writes() -> list[tuple[str, str]]:
    """(method, path) of every API operation that changes something, from the OpenAPI schema."""
    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.lower() in {"post", "put", "patch", "delete"}
    )


def test_the_api_never_takes_a_signed_in_browser_session_for_a_token(
    sweep_world: dict[str, Any],
) -> None:
    world = sweep_world
    assert len(api_writes()) >= 9
    ids = {
        "case_id": world["case"]["case_id"],
        "task_id": world["task"]["task_id"],
        "visit_id": world["visit"]["visit_id"],
        "request_id": world["request"]["request_id"],
    }
    answers = {}
    for persona in ("caseworker_a", "supervisor_a"):
        client = sweeps.client_of(world, persona, enforce_csrf_checks=True)
        client.get(a_page(persona))
        before, sequence = sweeps.fingerprint(), sweeps.last_sequence()
        for method, path in api_writes():
            url = path.format(**ids)
            response = client.generic(
                method,
                url,
                data="{}",
                content_type="application/json",
                HTTP_IF_MATCH='"v1"',
                HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
            )
            answers[persona, method, path] = response.status_code
        assert sweeps.changed_tables(before, sweeps.fingerprint()) == []
        assert {event[0] for event in sweeps.audit_since(sequence)} <= {"api_call"}
    assert set(answers.values()) == {401}
