"""Two people edit the same case: the first save wins, the second is shown what changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases.models import Case
from kinlink.cases.services import case_update
from kinlink.cases.tests.form_posts import edit_post
from kinlink.core.concurrency import StaleEdit


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def update_events(case: Case) -> list[AuditEvent]:
    """Edits of the case by people (those carry a version); track facts kept by services do not."""
    events = AuditEvent.objects.filter(
        case_id=case.pk, object_id=str(case.pk), action=AuditAction.UPDATE
    )
    return [e for e in events if "version" in e.changes]


def test_the_second_of_two_edits_opened_at_the_same_version_is_refused_and_explained(
    caseworker_a: User, supervisor_a: User, case_a: Case
) -> None:
    amina, youssef = signed_in(caseworker_a), signed_in(supervisor_a)
    url = reverse("cases:edit", args=[case_a.pk])
    assert amina.get(url).status_code == 200
    assert youssef.get(url).status_code == 200
    opened_at = edit_post(case_a)  # what both forms carry, version included

    first = amina.post(url, {**opened_at, "current_location": "Rabat"})
    assert first.status_code == 302

    second = youssef.post(url, {**opened_at, "given_name": "Mohammed"})
    assert second.status_code == 409
    html = second.content.decode()
    assert caseworker_a.full_name in html  # who saved first
    assert "current location changed" in html  # what she changed (the trail keeps no place)
    assert "Mohammed" in html  # what he tried to save, for him to redo

    case_a.refresh_from_db()
    assert case_a.current_location == "Rabat"
    assert case_a.given_name == "Mohamed"
    assert case_a.version == 2
    [event] = update_events(case_a)
    assert event.actor == caseworker_a
    assert event.changes == {"current_location": ["***", "***"], "version": [1, 2]}


def test_the_409_page_offers_the_form_at_the_current_version(
    caseworker_a: User, supervisor_a: User, case_a: Case
) -> None:
    url = reverse("cases:edit", args=[case_a.pk])
    opened_at = edit_post(case_a)
    signed_in(caseworker_a).post(url, {**opened_at, "current_location": "Rabat"})
    youssef = signed_in(supervisor_a)
    html = youssef.post(url, {**opened_at, "given_name": "Mohammed"}).content.decode()
    assert 'name="version" value="2"' in html

    case_a.refresh_from_db()
    retry = youssef.post(url, edit_post(case_a, given_name="Mohammed"))
    assert retry.status_code == 302
    case_a.refresh_from_db()
    assert (case_a.given_name, case_a.current_location) == ("Mohammed", "Rabat")


def test_the_service_raises_stale_edit_for_an_old_version(
    caseworker_a: User, supervisor_a: User, case_a: Case
) -> None:
    seen = case_a.version
    case_update(
        actor=caseworker_a, case=case_a, seen_version=seen, identity={"current_location": "Rabat"}
    )
    stale_copy = Case.objects.get(pk=case_a.pk)
    with pytest.raises(StaleEdit) as error:
        case_update(
            actor=supervisor_a,
            case=stale_copy,
            seen_version=seen,
            identity={"current_location": "Fes"},
        )
    assert error.value.seen_version == seen
    assert error.value.current.current_location == "Rabat"  # type: ignore[attr-defined]
    case_a.refresh_from_db()
    assert case_a.current_location == "Rabat"
    assert len(update_events(case_a)) == 1


def test_a_stale_edit_leaves_no_trace_in_the_audit_trail(caseworker_a: User, case_a: Case) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(StaleEdit):
        case_update(
            actor=caseworker_a,
            case=case_a,
            seen_version=case_a.version + 5,
            identity={"current_location": "Fes"},
        )
    assert AuditEvent.objects.count() == before


def test_an_edit_opened_before_a_reassignment_says_the_assignment_changed(
    caseworker_a: User, supervisor_a: User, case_a: Case, team_b: Any
) -> None:
    from kinlink.cases.services import case_assign

    opened_at = edit_post(case_a)
    case_assign(actor=supervisor_a, case=case_a, seen_version=case_a.version, team=team_b)
    response = signed_in(caseworker_a).post(
        reverse("cases:edit", args=[case_a.pk]), {**opened_at, "current_location": "Rabat"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "team: Team A → Team B" in html
    assert "Another change to this case" not in html
    case_a.refresh_from_db()
    assert case_a.current_location == "Tangier"
