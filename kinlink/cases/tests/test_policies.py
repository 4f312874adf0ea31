"""Who sees which case: scope is data, and what one may not see does not exist (404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import make_user
from kinlink.accounts.models import Notification, NotificationKind, User
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases.models import BreakGlassGrant, Case
from kinlink.cases.policies import visible_cases
from kinlink.cases.services import break_glass_open, case_assign

REASON = "The child is at the hospital and his caseworker cannot be reached"


def visible(user: User) -> set[Case]:
    return set(visible_cases(user))


@pytest.fixture
def teammate_a(agency: Any, team_a: Any) -> User:
    """A second caseworker of team A: Amina does not see her cases unless she co-works them."""
    return make_user("teammate_a", "caseworker", agency, [team_a])


@pytest.fixture
def supervisor_b(agency: Any, team_b: Any) -> User:
    return make_user("supervisor_b", "supervisor", agency, [team_b])


@pytest.fixture
def teammate_case(register_case: Any, teammate_a: User) -> Case:
    return register_case(actor=teammate_a, given_name="Ibrahim", family_name="Diallo")


@pytest.fixture
def coworked_case(register_case: Any, teammate_a: User, supervisor_a: User, caseworker_a: User):
    case = register_case(actor=teammate_a, given_name="Fatou", family_name="Camara", sex="female")
    return case_assign(
        actor=supervisor_a, case=case, seen_version=case.version, add=[(caseworker_a, "coworker")]
    )


@pytest.fixture
def guarded_case(case_a: Case, supervisor_a: User, guardian: User) -> Case:
    return case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )


def test_a_caseworker_sees_the_cases_she_leads_and_co_works_only(
    caseworker_a: User, case_a: Case, coworked_case: Case, teammate_case: Case, case_b: Case
) -> None:
    assert visible(caseworker_a) == {case_a, coworked_case}


def test_a_caseworker_gets_404_for_a_teammates_case(
    client: Any, caseworker_a: User, teammate_case: Case
) -> None:
    client.force_login(caseworker_a)
    assert client.get(reverse("cases:detail", args=[teammate_case.pk])).status_code == 404


def test_a_supervisor_sees_every_case_of_her_teams_and_no_other(
    supervisor_a: User, case_a: Case, coworked_case: Case, teammate_case: Case, case_b: Case
) -> None:
    assert visible(supervisor_a) == {case_a, coworked_case, teammate_case}


def test_a_caseworker_of_team_b_sees_nothing_of_team_a(
    client: Any, caseworker_b: User, case_a: Case, case_b: Case
) -> None:
    assert visible(caseworker_b) == {case_b}
    client.force_login(caseworker_b)
    assert client.get(reverse("cases:detail", args=[case_a.pk])).status_code == 404
    listing = client.post(reverse("cases:list"), {"scope": "team"}).content.decode()
    assert case_b.reference in listing
    assert case_a.reference not in listing
    assert "El Amine" not in listing


def test_a_guardian_sees_only_the_cases_he_is_appointed_to(
    client: Any, guardian: User, guarded_case: Case, teammate_case: Case, case_b: Case
) -> None:
    assert visible(guardian) == {guarded_case}
    client.force_login(guardian)
    assert client.get(reverse("cases:detail", args=[guarded_case.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[teammate_case.pk])).status_code == 404


def test_a_guardian_cannot_edit_the_case_he_sees(guardian: User, guarded_case: Case) -> None:
    assert not visible_cases(guardian, "edit").exists()


@pytest.mark.parametrize("persona", ["analyst", "node_admin"])
def test_analysts_and_administrators_see_no_case(
    request: Any, client: Any, persona: str, case_a: Case
) -> None:
    user = request.getfixturevalue(persona)
    assert not visible_cases(user).exists()
    client.force_login(user)
    assert client.get(reverse("cases:detail", args=[case_a.pk])).status_code == 404
    assert client.get(reverse("cases:list")).status_code == 404
    assert client.post(reverse("cases:list"), {"q": "Mohamed"}).status_code == 404


def test_an_analyst_reads_statistics_without_a_single_name(
    client: Any, analyst: User, case_a: Case, case_b: Case
) -> None:
    client.force_login(analyst)
    response = client.get(reverse("cases:statistics"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 cases in all" in html
    for name in (case_a.given_name, case_a.family_name, case_a.given_name_original, "Yonas"):
        assert name not in html
    assert case_a.reference not in html


def test_a_caseworker_of_another_agency_sees_nothing_of_agency_a(
    client: Any, outsider: User, case_a: Case
) -> None:
    assert not visible_cases(outsider).exists()
    client.force_login(outsider)
    assert client.get(reverse("cases:detail", args=[case_a.pk])).status_code == 404
    listing = client.post(reverse("cases:list"), {"scope": "team", "q": "Mohamed"})
    assert case_a.reference not in listing.content.decode()


def test_a_caseworker_of_another_agency_cannot_break_the_glass_on_agency_a(
    outsider: User, case_a: Case
) -> None:
    with pytest.raises(ValidationError):
        break_glass_open(actor=outsider, reference=case_a.reference, reason=REASON)
    assert not BreakGlassGrant.objects.exists()


def test_breaking_the_glass_opens_a_case_for_three_hours_audited_and_told_to_the_supervisor(
    client: Any, caseworker_b: User, supervisor_b: User, supervisor_a: User, case_a: Case
) -> None:
    detail = reverse("cases:detail", args=[case_a.pk])
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False) as clock:
        client.force_login(caseworker_b)
        assert client.get(detail).status_code == 404

        response = client.post(
            reverse("cases:break_glass"), {"reference": case_a.reference.lower(), "reason": REASON}
        )
        assert response.status_code == 302
        assert response["Location"] == detail
        assert client.get(detail).status_code == 200

        event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS)
        assert event.actor == caseworker_b
        assert event.case_id == case_a.pk
        assert event.context["reason"] == REASON

        told = Notification.objects.get(kind=NotificationKind.BREAK_GLASS)
        assert told.recipient == supervisor_b
        assert told.params == {"actor": caseworker_b.full_name, "reference": case_a.reference}
        assert not Notification.objects.filter(recipient=supervisor_a).exists()

        clock.shift(timedelta(hours=2, minutes=59))
        assert case_a in visible(caseworker_b)
        clock.shift(timedelta(minutes=2))
        assert case_a not in visible(caseworker_b)
        client.logout()  # the idle limit would end the session anyway
        client.force_login(caseworker_b)
        assert client.get(detail).status_code == 404


def test_breaking_the_glass_with_a_short_reason_grants_nothing(
    client: Any, caseworker_b: User, supervisor_b: User, case_a: Case
) -> None:
    client.force_login(caseworker_b)
    response = client.post(
        reverse("cases:break_glass"), {"reference": case_a.reference, "reason": "urgent"}
    )
    assert response.status_code == 200
    assert "at least 20 characters" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS).exists()
    assert not Notification.objects.exists()
    assert client.get(reverse("cases:detail", args=[case_a.pk])).status_code == 404


def test_the_break_glass_service_refuses_a_short_reason(caseworker_b: User, case_a: Case) -> None:
    with pytest.raises(ValidationError) as error:
        break_glass_open(actor=caseworker_b, reference=case_a.reference, reason="  too short  ")
    assert "reason" in error.value.message_dict
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("persona", ["guardian", "analyst", "node_admin"])
def test_who_cannot_edit_cases_cannot_break_the_glass(
    request: Any, client: Any, persona: str, case_a: Case
) -> None:
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(
        reverse("cases:break_glass"), {"reference": case_a.reference, "reason": REASON}
    )
    assert response.status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_the_emergency_access_confirmation_shows_the_expiry_in_the_nodes_time_zone(
    client: Any, settings: Any, caseworker_b: User, case_a: Case
) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"  # UTC+5:30, whatever the season
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        client.force_login(caseworker_b)
        response = client.post(
            reverse("cases:break_glass"),
            {"reference": case_a.reference, "reason": REASON},
            follow=True,
        )
    html = response.content.decode()
    # 09:00 UTC + 3 hours is 12:00 UTC, 17:30 in Kolkata, written the English way.
    assert "Emergency access granted until 5:30 p.m." in html
    assert "12:00" not in html


def test_the_emergency_access_expiry_is_written_the_readers_way(
    client: Any, settings: Any, caseworker_b: User, case_a: Case
) -> None:
    from kinlink.accounts.services import user_set_language

    settings.TIME_ZONE = "Asia/Kolkata"
    user_set_language(user=caseworker_b, language="fr")
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        client.force_login(caseworker_b)
        response = client.post(
            reverse("cases:break_glass"),
            {"reference": case_a.reference, "reason": REASON},
            follow=True,
        )
    assert "17:30" in response.content.decode()
