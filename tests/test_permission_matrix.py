"""Who gets what from every URL of the node.

One row per named route: how to fill its parameters and what each persona gets from a GET.
A route added to `config.urls` without a row here fails `test_the_table_has_a_row_for_every_route`.

Outcomes: "200"; "404" (out of scope: the page does not exist for this persona); "405" (POST-only);
"login" (302 to the sign-in page); "→ /path/" (302 elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kinlink.accounts.models import User
from kinlink.cases.models import Case
from kinlink.cases.services import case_assign
from kinlink.cases.tests.form_posts import edit_post

ANONYMOUS = "anonymous"
PERSONAS = [
    ANONYMOUS,
    "caseworker_a",
    "supervisor_a",
    "caseworker_b",
    "guardian",
    "analyst",
    "node_admin",
    "outsider",
]
SIGNED_IN = PERSONAS[1:]
CASE_STAFF = ["caseworker_a", "supervisor_a", "caseworker_b", "guardian", "outsider"]
REGISTRARS = ["caseworker_a", "supervisor_a", "caseworker_b", "outsider"]
LOGIN = "login"


@dataclass(frozen=True)
class Row:
    """`params`: which of case/user/team the URL takes; `allowed`: who gets `ok`, others `other`."""

    params: str = ""
    allowed: tuple[str, ...] = ()
    ok: str = "200"
    other: str = "404"
    special: dict[str, str] = field(default_factory=dict)

    def expected(self, persona: str) -> str:
        if persona in self.special:
            return self.special[persona]
        if persona == ANONYMOUS:
            return LOGIN
        return self.ok if persona in self.allowed else self.other


def everyone(outcome: str, **special: str) -> Row:
    return Row(allowed=tuple(SIGNED_IN), ok=outcome, special=special)


ADMIN_ONLY = ("node_admin",)

ROUTES: dict[str, Row] = {
    # Each role lands where its work is.
    "home": Row(
        allowed=tuple(CASE_STAFF),
        ok="→ /cases/",
        special={"analyst": "→ /cases/statistics/", "node_admin": "→ /accounts/users/"},
    ),
    "healthz": everyone("200", anonymous="200"),
    "set_language": everyone("405", anonymous="405"),
    "accounts:login": everyone("→ /", anonymous="200"),
    "accounts:logout": everyone("405"),
    "accounts:notifications": everyone("200"),
    "accounts:user_list": Row(allowed=ADMIN_ONLY),
    "accounts:user_create": Row(allowed=ADMIN_ONLY),
    "accounts:user_edit": Row("user", allowed=ADMIN_ONLY),
    "accounts:user_password": Row("user", allowed=ADMIN_ONLY),
    "accounts:team_list": Row(allowed=ADMIN_ONLY),
    "accounts:team_create": Row(allowed=ADMIN_ONLY),
    "accounts:team_edit": Row("team", allowed=ADMIN_ONLY),
    "accounts:node_settings": Row(allowed=ADMIN_ONLY),
    "cases:list": Row(allowed=tuple(CASE_STAFF)),
    "cases:register": Row(allowed=tuple(REGISTRARS)),
    "cases:duplicates": everyone("405"),
    "cases:break_glass": Row(allowed=tuple(REGISTRARS)),
    "cases:statistics": Row(allowed=("supervisor_a", "analyst")),
    "cases:detail": Row("case", allowed=("caseworker_a", "supervisor_a", "guardian")),
    "cases:edit": Row("case", allowed=("caseworker_a", "supervisor_a")),
    "cases:person_add": Row("case", allowed=("caseworker_a", "supervisor_a")),
    "cases:consent_add": Row("case", allowed=("caseworker_a", "supervisor_a")),
    "cases:first_response": Row("case", allowed=tuple(SIGNED_IN), ok="405"),
    "cases:assign": Row("case", allowed=("supervisor_a",)),
}


def named_routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the URL map as "namespace:name"; an unnamed route is an error."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from named_routes(pattern.url_patterns, inner)
        else:
            assert isinstance(pattern, URLPattern)
            assert pattern.name, f"the route {pattern.pattern} has no name"
            yield prefix + pattern.name


def outcome(response: HttpResponse) -> str:
    if response.status_code == 302:
        location = response["Location"]
        return LOGIN if location.startswith("/accounts/login/?") else f"→ {location}"
    return str(response.status_code)


@pytest.fixture
def world(
    case_a: Case,
    caseworker_a: User,
    supervisor_a: User,
    caseworker_b: User,
    guardian: User,
    analyst: User,
    node_admin: User,
    outsider: User,
    team_a: Any,
) -> dict[str, Any]:
    case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )
    return {
        "caseworker_a": caseworker_a,
        "supervisor_a": supervisor_a,
        "caseworker_b": caseworker_b,
        "guardian": guardian,
        "analyst": analyst,
        "node_admin": node_admin,
        "outsider": outsider,
        "case": {"case_id": case_a.pk},
        "user": {"user_id": caseworker_a.pk},
        "team": {"team_id": team_a.pk},
    }


def test_the_table_has_a_row_for_every_route() -> None:
    routes = list(named_routes())
    assert len(routes) == len(set(routes)), "two routes share a name"
    assert sorted(routes) == sorted(ROUTES)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_a_get_as_the_table_says(
    persona: str, world: dict[str, Any], client: Any
) -> None:
    if persona != ANONYMOUS:
        client.force_login(world[persona])
    answers = {}
    for name, row in ROUTES.items():
        url = reverse(name, kwargs=world[row.params] if row.params else None)
        answers[name] = outcome(client.get(url))
    assert answers == {name: row.expected(persona) for name, row in ROUTES.items()}


def test_anonymous_visitors_are_sent_to_sign_in_with_only_the_path_kept(
    world: dict[str, Any], client: Any
) -> None:
    response = client.get("/cases/?q=Mohamed")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/cases/"


# POST-only routes: what a POST does, in and out of scope.


@pytest.mark.parametrize("persona", ["caseworker_b", "guardian", "analyst", "node_admin"])
def test_a_first_response_cannot_be_recorded_out_of_scope(
    persona: str, world: dict[str, Any], client: Any, case_a: Case
) -> None:
    client.force_login(world[persona])
    response = client.post(
        reverse("cases:first_response", args=[case_a.pk]), {"version": case_a.version}
    )
    assert response.status_code == 404
    case_a.refresh_from_db()
    assert case_a.first_response_at is None


def test_the_lead_caseworker_records_the_first_response(
    world: dict[str, Any], client: Any, case_a: Case
) -> None:
    client.force_login(world["caseworker_a"])
    case_a.refresh_from_db()
    response = client.post(
        reverse("cases:first_response", args=[case_a.pk]), {"version": case_a.version}
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.first_response_at is not None


def test_anonymous_posts_are_sent_to_sign_in(world: dict[str, Any], client: Any) -> None:
    for name, row in ROUTES.items():
        if row.expected(ANONYMOUS) != LOGIN:
            continue
        url = reverse(name, kwargs=world[row.params] if row.params else None)
        assert outcome(client.post(url, {})) == LOGIN, name


@pytest.mark.parametrize("persona", ["guardian", "analyst", "node_admin"])
def test_the_duplicate_check_answers_404_to_who_cannot_register(
    persona: str, world: dict[str, Any], client: Any
) -> None:
    client.force_login(world[persona])
    response = client.post(reverse("cases:duplicates"), {"given_name": "Muhammad"})
    assert response.status_code == 404


def test_the_duplicate_check_shows_a_caseworker_her_own_case(
    world: dict[str, Any], client: Any, case_a: Case
) -> None:
    client.force_login(world["caseworker_a"])
    response = client.post(
        reverse("cases:duplicates"),
        {"given_name": "Muhammad", "family_name": "Alamin", "age_estimate": "15"},
    )
    assert response.status_code == 200
    assert case_a.reference in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["caseworker_b", "guardian", "analyst", "node_admin", "outsider"]
)
def test_an_edit_posted_out_of_scope_is_404_and_changes_nothing(
    persona: str, world: dict[str, Any], client: Any, case_a: Case
) -> None:
    case_a.refresh_from_db()
    client.force_login(world[persona])
    response = client.post(
        reverse("cases:edit", args=[case_a.pk]), edit_post(case_a, current_location="Rabat")
    )
    assert response.status_code == 404
    case_a.refresh_from_db()
    assert case_a.current_location == "Tangier"


@pytest.mark.parametrize("persona", ["caseworker_a", "supervisor_a", "analyst"])
def test_only_the_node_admin_can_post_a_new_account(
    persona: str, world: dict[str, Any], client: Any
) -> None:
    client.force_login(world[persona])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "intruder",
            "full_name": "Intruder",
            "email": "intruder@example.org",
            "role": "node_admin",
            "language": "en",
            "password1": "a long enough pass phrase",
            "password2": "a long enough pass phrase",
        },
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="intruder").exists()


def test_the_node_admin_cannot_open_an_account_of_another_agency(
    world: dict[str, Any], client: Any
) -> None:
    client.force_login(world["node_admin"])
    response = client.get(reverse("accounts:user_edit", args=[world["outsider"].pk]))
    assert response.status_code == 404


def test_signing_out_ends_the_session(world: dict[str, Any], client: Any) -> None:
    client.force_login(world["caseworker_a"])
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert outcome(client.get(reverse("cases:list"))) == LOGIN
