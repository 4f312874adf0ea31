"""The audit trail: every write and every read of a case is an event, chained by hash, and any
change made behind the application's back is found by `audit_verify`."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from conftest import PASSWORD, identity
from kinlink.accounts import services as accounts
from kinlink.accounts.models import Team, User
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases import services as cases
from kinlink.cases.models import Case
from kinlink.core.models import NodeSettings


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence").first()  # type: ignore[return-value]


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


@pytest.fixture
def world(
    case_a: Case,
    caseworker_a: User,
    supervisor_a: User,
    caseworker_b: User,
    guardian: User,
    node_admin: User,
    team_a: Team,
) -> dict[str, Any]:
    return {
        "case": case_a,
        "caseworker_a": caseworker_a,
        "supervisor_a": supervisor_a,
        "caseworker_b": caseworker_b,
        "guardian": guardian,
        "node_admin": node_admin,
        "team_a": team_a,
    }


# Each service write and the event it must leave: (action, field, [old, new]).
WRITES: dict[str, tuple[Callable[[dict[str, Any]], Any], str, str, list[Any]]] = {
    "case_update": (
        lambda w: cases.case_update(
            actor=w["caseworker_a"],
            case=w["case"],
            seen_version=w["case"].version,
            identity={"current_location": "Rabat"},
        ),
        AuditAction.UPDATE,
        "current_location",
        ["***", "***"],  # a place the child is: the trail says it changed, not where
    ),
    "case_register": (
        lambda w: cases.case_register(
            actor=w["caseworker_a"],
            team=w["team_a"],
            lead_caseworker=w["caseworker_a"],
            identity=identity(given_name="Ibrahim"),
            consent={"given_by": "child", "scopes": ["services"]},
        ),
        AuditAction.CREATE,
        "given_name",
        [None, "***"],
    ),
    "case_assign": (
        lambda w: cases.case_assign(
            actor=w["supervisor_a"],
            case=w["case"],
            seen_version=w["case"].version,
            add=[(w["guardian"], "guardian")],
        ),
        AuditAction.ASSIGN,
        "assigned",
        [None, ["guardian:guardian"]],
    ),
    "case_person_add": (
        lambda w: cases.case_person_add(
            actor=w["caseworker_a"], case=w["case"], full_name="Awa", relationship="aunt"
        ),
        AuditAction.CREATE,
        "relationship",
        [None, "aunt"],
    ),
    "consent_record": (
        lambda w: cases.consent_record(
            actor=w["caseworker_a"],
            case=w["case"],
            consent={"given_by": "guardian", "scopes": ["tracing"]},
        ),
        AuditAction.CREATE,
        "scopes",
        [None, ["tracing"]],
    ),
    "first_response_record": (
        lambda w: cases.first_response_record(
            actor=w["caseworker_a"], case=w["case"], seen_version=w["case"].version
        ),
        AuditAction.UPDATE,
        "version",
        [1, 2],
    ),
    "user_update": (
        lambda w: accounts.user_update(
            actor=w["node_admin"],
            user=w["caseworker_b"],
            seen_version=w["caseworker_b"].version,
            teams=list(w["caseworker_b"].teams.all()),
            full_name="Karim B.",
        ),
        AuditAction.UPDATE,
        "full_name",
        ["Caseworker B", "Karim B."],
    ),
    "user_set_language": (
        lambda w: accounts.user_set_language(user=w["caseworker_a"], language="fr"),
        AuditAction.UPDATE,
        "language",
        ["en", "fr"],
    ),
    "user_set_password": (
        lambda w: accounts.user_set_password(
            actor=w["node_admin"], user=w["caseworker_b"], password="another long pass phrase"
        ),
        AuditAction.UPDATE,
        "password",
        ["***", "***"],
    ),
    "team_create": (
        lambda w: accounts.team_create(actor=w["node_admin"], name="Team C"),
        AuditAction.CREATE,
        "name",
        [None, "Team C"],
    ),
    "team_update": (
        lambda w: accounts.team_update(
            actor=w["node_admin"], team=w["team_a"], seen_version=1, name="Team Alpha"
        ),
        AuditAction.UPDATE,
        "name",
        ["Team A", "Team Alpha"],
    ),
    "node_settings_update": (
        lambda w: accounts.node_settings_update(
            actor=w["node_admin"],
            seen_version=NodeSettings.current().version,
            risk_low_response_hours=120,
        ),
        AuditAction.UPDATE,
        "risk_low_response_hours",
        [168, 120],
    ),
}


@pytest.mark.parametrize("service", list(WRITES))
def test_every_service_write_records_who_changed_which_field_from_what_to_what(
    world: dict[str, Any], service: str
) -> None:
    call, action, field, old_new = WRITES[service]
    before = AuditEvent.objects.count()
    call(world)
    # A write may cause others (a registration opens a guardian request): find its own event.
    new_events = AuditEvent.objects.filter(sequence__gt=before).order_by("sequence")
    event = next(e for e in new_events if e.action == action and field in e.changes)
    assert event.action == action
    assert event.changes[field] == old_new
    assert event.actor is not None
    assert "intact" in verify()


def test_the_case_event_names_the_case_and_its_actor(world: dict[str, Any]) -> None:
    case = world["case"]
    cases.case_update(
        actor=world["caseworker_a"],
        case=case,
        seen_version=case.version,
        identity={"current_location": "Rabat"},
    )
    event = last_event()
    assert (event.object_type, event.object_id, event.case_id) == (
        "cases.case",
        str(case.pk),
        case.pk,
    )
    assert event.actor_label == "caseworker_a"


def test_the_breaking_of_the_glass_is_recorded_with_its_reason(world: dict[str, Any]) -> None:
    reason = "The child is at the hospital, his caseworker is away"
    cases.break_glass_open(
        actor=world["caseworker_b"], reference=world["case"].reference, reason=reason
    )
    event = last_event()
    assert event.action == AuditAction.BREAK_GLASS
    assert event.context["reason"] == reason
    assert event.case_id == world["case"].pk


def test_viewing_a_case_page_records_a_view(client: Any, world: dict[str, Any]) -> None:
    case = world["case"]
    client.force_login(world["supervisor_a"])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    event = last_event()
    assert event.action == AuditAction.VIEW
    assert event.actor == world["supervisor_a"]
    assert event.case_id == case.pk


def test_a_refused_view_records_nothing(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["caseworker_b"])
    before = AuditEvent.objects.count()
    assert client.get(reverse("cases:detail", args=[world["case"].pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()
    assert AuditEvent.objects.count() == before


def test_signing_in_records_a_login(client: Any, caseworker_a: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "caseworker_a", "password": PASSWORD}
    )
    assert response.status_code == 302
    event = last_event()
    assert event.action == AuditAction.LOGIN
    assert event.actor == caseworker_a


def test_a_failed_sign_in_records_the_name_typed_but_not_the_password(
    client: Any, caseworker_a: User
) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "caseworker_a", "password": "wrong guess 12345"}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_label == "caseworker_a"
    assert "wrong guess" not in str(event.changes) + str(event.context)


def test_audit_verify_passes_on_an_intact_chain(world: dict[str, Any]) -> None:
    count = AuditEvent.objects.count()
    assert count > 5
    assert verify().strip() == f"Audit chain intact: {count} events verified."


# Tampering behind the application's back, with raw SQL naming the table as an intruder would.


def test_the_events_are_stored_in_the_table_the_tampering_tests_alter() -> None:
    assert AuditEvent._meta.db_table == "audit_auditevent"


def middle(world: dict[str, Any]) -> int:
    return AuditEvent.objects.count() // 2


def test_an_event_altered_in_the_database_is_named(world: dict[str, Any]) -> None:
    n = middle(world)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET changes = '{\"forged\": true}' WHERE sequence = %s", [n]
        )
    assert AuditEvent.objects.get(sequence=n).changes == {"forged": True}
    with pytest.raises(CommandError, match=rf"broken at event #{n}:.*altered"):
        verify()


def test_an_event_deleted_from_the_middle_is_named(world: dict[str, Any]) -> None:
    n = middle(world)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = %s", [n])
    with pytest.raises(CommandError, match=rf"broken at event #{n}:.*missing"):
        verify()


def test_the_last_event_deleted_is_found_by_the_chain_head(world: dict[str, Any]) -> None:
    n = AuditEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = %s", [n])
    with pytest.raises(CommandError, match=rf"#{n}"):
        verify()


def test_an_event_inserted_out_of_turn_with_a_forged_hash_is_named(
    world: dict[str, Any],
) -> None:
    head = last_event()
    n = head.sequence + 1
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (sequence, at, actor_label, action, object_type, "
            "object_id, changes, context, prev_hash, hash) "
            "VALUES (%s, CURRENT_TIMESTAMP, 'intruder', 'delete', 'cases.case', %s, "
            "'{}', '{}', %s, %s)",
            [n, str(world["case"].pk), head.hash, "f" * 64],
        )
    with pytest.raises(CommandError, match=rf"broken at event #{n}:"):
        verify()


def test_a_forged_event_before_the_real_ones_is_named(world: dict[str, Any]) -> None:
    """Someone shifts the real events on and slips a forged one in as #1."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET sequence = sequence + 1000000")
        cursor.execute("UPDATE audit_auditevent SET sequence = sequence - 999999")
        cursor.execute(
            "INSERT INTO audit_auditevent (sequence, at, actor_label, action, object_type, "
            "object_id, changes, context, prev_hash, hash) VALUES "
            "(1, CURRENT_TIMESTAMP, 'intruder', 'login', '', '', '{}', '{}', %s, %s)",
            ["0" * 64, "e" * 64],
        )
    with pytest.raises(CommandError, match=r"broken at event #1:"):
        verify()


# The application itself cannot rewrite history.


def test_a_stored_event_cannot_be_saved_again(world: dict[str, Any]) -> None:
    event = last_event()
    event.changes = {"forged": True}
    with pytest.raises(PermissionError):
        event.save()
    assert last_event().changes != {"forged": True}


def test_a_stored_event_cannot_be_deleted(world: dict[str, Any]) -> None:
    with pytest.raises(PermissionError):
        last_event().delete()


def test_events_cannot_be_updated_or_deleted_in_bulk(world: dict[str, Any]) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(action=AuditAction.CREATE).update(actor_label="nobody")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count
    assert "intact" in verify()
