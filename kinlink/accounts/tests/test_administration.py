"""The node administrator manages accounts and teams through the pages, never his own access;
everyone chooses the language of their own interface."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from conftest import make_user
from kinlink.accounts.models import Role, RoleChange, Team, User
from kinlink.audit.models import AuditAction, AuditEvent

NEW_PASSWORD = "a long enough pass phrase"


def new_account(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": "leila",
        "full_name": "Leila Haddad",
        "email": "leila@example.org",
        "role": "caseworker",
        "language": "fr",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def test_the_node_admin_creates_an_account_in_his_agency_and_team(
    client: Any, node_admin: User, team_a: Team
) -> None:
    client.force_login(node_admin)
    response = client.post(reverse("accounts:user_create"), new_account(teams=[team_a.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_list")
    leila = User.objects.get(username="leila")
    assert (leila.role, leila.language, leila.agency) == ("caseworker", "fr", node_admin.agency)
    assert list(leila.teams.all()) == [team_a]
    assert leila.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(leila.pk))
    assert event.actor == node_admin
    assert event.changes["role"] == [None, "caseworker"]
    assert "password" not in event.changes


def test_the_new_account_can_sign_in(client: Any, node_admin: User, team_a: Team) -> None:
    client.force_login(node_admin)
    client.post(reverse("accounts:user_create"), new_account(teams=[team_a.pk]))
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "leila", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_an_account_with_a_short_password_is_refused_and_not_created(
    client: Any, node_admin: User
) -> None:
    client.force_login(node_admin)
    response = client.post(
        reverse("accounts:user_create"), new_account(password1="too short", password2="too short")
    )
    assert response.status_code == 200
    assert "at least 15 characters" in response.content.decode()
    assert not User.objects.filter(username="leila").exists()


def test_an_account_with_a_common_password_is_refused_and_not_created(
    client: Any, node_admin: User
) -> None:
    client.force_login(node_admin)
    common = "manchesterunited"
    response = client.post(
        reverse("accounts:user_create"), new_account(password1=common, password2=common)
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not User.objects.filter(username="leila").exists()


def test_a_taken_username_is_refused(client: Any, node_admin: User, caseworker_a: User) -> None:
    client.force_login(node_admin)
    response = client.post(reverse("accounts:user_create"), new_account(username="Caseworker_A"))
    assert response.status_code == 200
    assert "This username is taken." in response.content.decode()
    assert User.objects.filter(username__iexact="caseworker_a").count() == 1


def test_the_node_admin_creates_a_team_in_his_agency(client: Any, node_admin: User) -> None:
    client.force_login(node_admin)
    response = client.post(reverse("accounts:team_create"), {"name": "Team Tangier"})
    assert response.status_code == 302
    team = Team.objects.get(name="Team Tangier")
    assert team.agency == node_admin.agency
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(team.pk)).exists()


def test_a_second_team_of_the_same_name_is_refused(
    client: Any, node_admin: User, team_a: Team
) -> None:
    client.force_login(node_admin)
    response = client.post(reverse("accounts:team_create"), {"name": "team a"})
    assert response.status_code == 200
    assert "A team of this name exists." in response.content.decode()
    assert Team.objects.filter(agency=node_admin.agency).count() == 1


def own_account(user: User, **changes: Any) -> dict[str, Any]:
    data = {
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "language": user.language,
        "is_active": "on",
        "version": user.version,
    }
    data.update(changes)
    return data


def test_the_node_admin_cannot_change_his_own_role(client: Any, node_admin: User) -> None:
    client.force_login(node_admin)
    url = reverse("accounts:user_edit", args=[node_admin.pk])
    response = client.post(url, own_account(node_admin, role="supervisor"))
    assert response.status_code == 200
    assert "Nobody may change their own role, teams or access." in response.content.decode()
    node_admin.refresh_from_db()
    assert node_admin.role == Role.NODE_ADMIN
    assert node_admin.version == 1
    assert not AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(node_admin.pk)
    ).exists()


def test_the_node_admin_cannot_switch_his_own_account_off(client: Any, node_admin: User) -> None:
    client.force_login(node_admin)
    data = own_account(node_admin)
    del data["is_active"]
    response = client.post(reverse("accounts:user_edit", args=[node_admin.pk]), data)
    assert response.status_code == 200
    node_admin.refresh_from_db()
    assert node_admin.is_active


def test_a_change_of_role_waits_for_a_second_administrator(
    client: Any, node_admin: User, caseworker_a: User, agency: Any
) -> None:
    second = make_user("second_admin", "node_admin", agency, [])
    client.force_login(node_admin)
    url = reverse("accounts:user_edit", args=[caseworker_a.pk])
    data = own_account(
        caseworker_a, role="supervisor", teams=[t.pk for t in caseworker_a.teams.all()]
    )
    assert client.post(url, data).status_code == 302
    caseworker_a.refresh_from_db()
    assert caseworker_a.role == Role.CASEWORKER
    change = RoleChange.objects.get(user=caseworker_a)
    assert (change.status, change.to_role) == ("pending", "supervisor")
    # The one who asked cannot approve it.
    decide = reverse("accounts:role_change_decide", args=[change.pk])
    client.post(decide, {"decision": "approve"})
    caseworker_a.refresh_from_db()
    assert caseworker_a.role == Role.CASEWORKER
    client.force_login(second)
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    caseworker_a.refresh_from_db()
    assert caseworker_a.role == Role.SUPERVISOR
    event = AuditEvent.objects.get(action=AuditAction.APPROVE, object_id=str(change.pk))
    assert event.changes["role"] == ["caseworker", "supervisor"]
    assert event.actor_id == second.pk


def test_a_new_administrator_account_stays_off_until_a_second_administrator_approves(
    client: Any, node_admin: User, agency: Any
) -> None:
    client.force_login(node_admin)
    client.post(reverse("accounts:user_create"), new_account(role="node_admin"))
    leila = User.objects.get(username="leila")
    assert not leila.is_active
    # Switching the account on by editing it does not work either.
    data = own_account(leila, is_active="on")
    client.post(reverse("accounts:user_edit", args=[leila.pk]), data)
    leila.refresh_from_db()
    assert not leila.is_active
    change = RoleChange.objects.get(user=leila)
    second = make_user("second_admin", "node_admin", agency, [])
    client.force_login(second)
    client.post(reverse("accounts:role_change_decide", args=[change.pk]), {"decision": "approve"})
    leila.refresh_from_db()
    assert leila.is_active and leila.role == Role.NODE_ADMIN


def test_the_person_concerned_cannot_approve_her_own_change_of_role(
    node_admin: User, agency: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    from kinlink.accounts.services import role_change_decide, user_update

    second = make_user("second_admin", "node_admin", agency, [])
    target = make_user("third_admin", "caseworker", agency, [])
    user_update(
        actor=node_admin, user=target, seen_version=target.version, teams=[], role="node_admin"
    )
    change = RoleChange.objects.get(user=target)
    target.refresh_from_db()
    target.role = "node_admin"  # even were she an administrator already
    with pytest.raises(PermissionDenied):
        role_change_decide(actor=target, change=change, approve=True)
    role_change_decide(actor=second, change=change, approve=False)
    target.refresh_from_db()
    assert target.role == "caseworker"


def test_a_chosen_language_is_saved_and_the_next_page_reads_right_to_left(
    client: Any, caseworker_a: User
) -> None:
    client.force_login(caseworker_a)
    response = client.post(reverse("set_language"), {"language": "ar", "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    caseworker_a.refresh_from_db()
    assert caseworker_a.language == "ar"
    html = client.get("/cases/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_the_saved_language_follows_the_user_to_a_new_session(
    client: Any, caseworker_a: User
) -> None:
    client.force_login(caseworker_a)
    client.post(reverse("set_language"), {"language": "ar", "next": "/cases/"})
    client.logout()
    client.cookies.clear()
    client.force_login(User.objects.get(pk=caseworker_a.pk))
    assert '<html lang="ar" dir="rtl">' in client.get("/cases/").content.decode()


def test_an_unknown_language_falls_back_to_english(client: Any, caseworker_a: User) -> None:
    client.force_login(caseworker_a)
    client.post(reverse("set_language"), {"language": "xx", "next": "/cases/"})
    caseworker_a.refresh_from_db()
    assert caseworker_a.language == "en"
    assert '<html lang="en" dir="ltr">' in client.get("/cases/").content.decode()


def test_the_language_switch_never_redirects_off_the_site(client: Any, caseworker_a: User) -> None:
    client.force_login(caseworker_a)
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_an_account_saved_meanwhile_shows_what_changed_and_keeps_the_input(
    client: Any, node_admin: User, caseworker_a: User
) -> None:
    from kinlink.accounts.services import user_update

    opened = own_account(caseworker_a, teams=[t.pk for t in caseworker_a.teams.all()])
    user_update(
        actor=node_admin,
        user=caseworker_a,
        seen_version=caseworker_a.version,
        teams=list(caseworker_a.teams.all()),
        email="amina@agency.example",
    )
    client.force_login(node_admin)
    response = client.post(
        reverse("accounts:user_edit", args=[caseworker_a.pk]),
        {**opened, "full_name": "Amina Benali-Tazi"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "caseworker_a@example.org → amina@agency.example" in html  # what changed
    assert 'value="Amina Benali-Tazi"' in html  # the input, kept
    assert 'name="version" value="2"' in html  # now on the current version
    caseworker_a.refresh_from_db()
    assert caseworker_a.full_name == "Caseworker A"
    assert caseworker_a.email == "amina@agency.example"


def test_a_team_renamed_meanwhile_shows_the_new_name_and_keeps_the_input(
    client: Any, node_admin: User, team_a: Team
) -> None:
    from kinlink.accounts.services import team_update

    team_update(actor=node_admin, team=team_a, seen_version=team_a.version, name="Tangier")
    client.force_login(node_admin)
    response = client.post(
        reverse("accounts:team_edit", args=[team_a.pk]), {"name": "Tanger", "version": 1}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Team A → Tangier" in html
    assert 'value="Tanger"' in html
    team_a.refresh_from_db()
    assert team_a.name == "Tangier"


def test_settings_saved_meanwhile_show_what_changed_and_keep_the_input(
    client: Any, node_admin: User
) -> None:
    from kinlink.accounts.forms import NodeSettingsForm
    from kinlink.accounts.services import node_settings_update
    from kinlink.core.models import NodeSettings

    current = NodeSettings.current()
    opened = {name: getattr(current, name) for name in NodeSettingsForm.base_fields}
    node_settings_update(actor=node_admin, seen_version=current.version, bid_panel_quorum=5)
    client.force_login(node_admin)
    response = client.post(
        reverse("accounts:node_settings"), {**opened, "risk_high_response_hours": 12}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "3 → 5" in html
    assert 'value="12"' in html
    assert NodeSettings.current().risk_high_response_hours == 24
