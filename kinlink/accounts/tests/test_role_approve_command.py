"""`kinlink role approve`: on a node with one administrator, the operator at the shell is the
second pair of eyes; the decision is the system's in the audit trail."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kinlink.accounts.models import RoleChange, RoleChangeStatus
from kinlink.audit.models import AuditAction, AuditEvent


def test_the_operator_lists_and_approves_a_pending_role_change(
    caseworker_a: Any, node_admin: Any
) -> None:
    change = RoleChange.objects.create(
        user=caseworker_a, from_role="caseworker", to_role="supervisor", requested_by=node_admin
    )
    listing = StringIO()
    call_command("role_approve", stdout=listing)
    assert str(change.pk) in listing.getvalue()
    call_command("role_approve", str(change.pk), stdout=StringIO())
    change.refresh_from_db()
    caseworker_a.refresh_from_db()
    assert change.status == RoleChangeStatus.APPROVED
    assert caseworker_a.role == "supervisor"
    event = AuditEvent.objects.filter(action=AuditAction.APPROVE).get()
    assert event.actor is None and event.actor_label == "system"


@pytest.mark.django_db
def test_an_unknown_or_malformed_id_is_refused_and_changes_nothing() -> None:
    for wrong in ("not-an-id", "3f2b1c7e-0000-4000-8000-000000000000"):
        with pytest.raises(CommandError, match="No pending role change"):
            call_command("role_approve", wrong)
