"""The first administrator of a new node is created by `kinlink node setup`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kinlink.accounts.models import Role, User
from kinlink.audit.models import AuditEvent

ARGS = [
    "--agency",
    "Agence X",
    "--agency-code",
    "ax",
    "--country",
    "MA",
    "--username",
    "admin",
    "--full-name",
    "Admin X",
    "--email",
    "admin@example.org",
]


def test_it_creates_the_agency_and_its_administrator(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("KINLINK_ADMIN_PASSWORD", "a long enough pass phrase")
    call_command("node_setup", *ARGS)
    admin = User.objects.get(username="admin")
    assert admin.role == Role.NODE_ADMIN
    assert admin.agency is not None and admin.agency.country == "MA"
    assert admin.check_password("a long enough pass phrase")
    assert AuditEvent.objects.filter(object_id=str(admin.pk), action="create").exists()


def test_it_refuses_a_short_password_and_creates_nothing(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("KINLINK_ADMIN_PASSWORD", "too short")
    with pytest.raises(CommandError, match="at least 15 characters"):
        call_command("node_setup", *ARGS)
    assert not User.objects.exists()


def test_it_runs_only_once(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("KINLINK_ADMIN_PASSWORD", "a long enough pass phrase")
    call_command("node_setup", *ARGS)
    with pytest.raises(CommandError, match="already has an administrator"):
        call_command("node_setup", *ARGS)
    assert User.objects.count() == 1


def test_the_agency_it_creates_is_in_the_audit_trail(db: Any, monkeypatch: Any) -> None:
    from kinlink.directory.models import Agency

    monkeypatch.setenv("KINLINK_ADMIN_PASSWORD", "a long enough pass phrase")
    call_command("node_setup", *ARGS)
    agency = Agency.objects.get(code="ax")
    event = AuditEvent.objects.get(object_id=str(agency.pk), action="create")
    assert event.actor is None and event.actor_label == "system"
    assert event.changes["country"] == [None, "MA"]
