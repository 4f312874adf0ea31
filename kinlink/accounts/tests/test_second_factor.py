"""Signing in takes a password and a second factor (TOTP or a one-time recovery code); who must
have one is a node setting; sensitive pages ask for both again after 10 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.core.models import MFAEnforcement, NodeSettings

START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code the phone shows now, or `offset` seconds from now (TOTP's t0 moved back)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0 - offset, digits=device.digits)
    return f"{code:06d}"


def sign_in_password(client: Any, username: str = "caseworker_a") -> Any:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": PASSWORD}, follow=False
    )


def enrol(client: Any, user: User) -> tuple[TOTPDevice, list[str]]:
    """Sign in with the password, enrol an authenticator, return it and the recovery codes."""
    sign_in_password(client, user.username)
    page = client.get(reverse("accounts:mfa_enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:mfa_enrol") + "?keep=1", {"code": code_for(device)})
    assert response.status_code == 200
    codes = list(response.context["codes"])
    client.post(reverse("accounts:logout"))
    return TOTPDevice.objects.get(user=user, confirmed=True), codes


def events(action: str, user: User) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(user.pk)).count()


def test_by_default_every_account_must_enrol_before_reaching_any_page(
    client: Any, caseworker_a: User
) -> None:
    assert NodeSettings.current().mfa_enforcement == MFAEnforcement.EVERYONE
    sign_in_password(client)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/enrol/?next=%2Fcases%2F"


def test_the_enrolment_page_draws_the_qr_code_itself_and_shows_the_key(
    client: Any, caseworker_a: User
) -> None:
    sign_in_password(client)
    page = client.get(reverse("accounts:mfa_enrol")).content.decode()
    assert "<svg" in page
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    device = TOTPDevice.objects.get(user=caseworker_a, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")
    assert 'class="secret"' in page


def test_enrolling_shows_ten_recovery_codes_once_and_opens_the_session(
    client: Any, caseworker_a: User
) -> None:
    sign_in_password(client)
    client.get(reverse("accounts:mfa_enrol"))
    device = TOTPDevice.objects.get(user=caseworker_a, confirmed=False)
    response = client.post(reverse("accounts:mfa_enrol") + "?keep=1", {"code": code_for(device)})
    assert len(response.context["codes"]) == 10
    assert StaticToken.objects.filter(device__user=caseworker_a).count() == 10
    assert client.get(reverse("cases:list")).status_code == 200
    assert events(AuditAction.MFA_CHANGED, caseworker_a) == 1


def test_a_wrong_enrolment_code_is_refused_and_nothing_is_enrolled(
    client: Any, caseworker_a: User
) -> None:
    sign_in_password(client)
    client.get(reverse("accounts:mfa_enrol"))
    response = client.post(reverse("accounts:mfa_enrol") + "?keep=1", {"code": "000000"})
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=caseworker_a, confirmed=True).exists()
    assert events(AuditAction.MFA_FAILED, caseworker_a) == 1


def test_after_the_password_an_enrolled_user_is_asked_for_a_code(
    client: Any, caseworker_a: User
) -> None:
    device, _ = enrol(client, caseworker_a)
    sign_in_password(client)
    response = client.get(reverse("cases:list"))
    assert response["Location"] == "/accounts/second-factor/?next=%2Fcases%2F"
    response = client.post(
        reverse("accounts:mfa_verify"), {"code": code_for(device, offset=30), "next": "/cases/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.get(reverse("cases:list")).status_code == 200
    assert events(AuditAction.MFA_VERIFIED, caseworker_a) == 1


def test_a_wrong_totp_code_is_refused_with_a_clear_message_and_audited(
    client: Any, caseworker_a: User
) -> None:
    enrol(client, caseworker_a)
    sign_in_password(client)
    response = client.post(reverse("accounts:mfa_verify"), {"code": "123456"})
    assert response.status_code == 200
    assert "This code is not right" in response.content.decode()
    assert client.get(reverse("cases:list")).status_code == 302
    assert events(AuditAction.MFA_FAILED, caseworker_a) == 1


def test_the_same_totp_code_does_not_work_twice(client: Any, caseworker_a: User) -> None:
    device, _ = enrol(client, caseworker_a)
    code = code_for(device, offset=30)
    sign_in_password(client)
    assert client.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    sign_in_password(client)
    response = client.post(reverse("accounts:mfa_verify"), {"code": code})
    assert response.status_code == 200


def test_a_recovery_code_works_once_and_a_reused_one_is_refused_and_audited(
    client: Any, caseworker_a: User
) -> None:
    _, codes = enrol(client, caseworker_a)
    sign_in_password(client)
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=caseworker_a).count() == 9
    client.post(reverse("accounts:logout"))
    sign_in_password(client)
    response = client.post(reverse("accounts:mfa_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert StaticToken.objects.filter(device__user=caseworker_a).count() == 9
    assert events(AuditAction.MFA_FAILED, caseworker_a) == 1


def test_wrong_codes_slow_the_account_down(client: Any, caseworker_a: User, clock: Any) -> None:
    device, _ = enrol(client, caseworker_a)
    sign_in_password(client)
    client.post(reverse("accounts:mfa_verify"), {"code": "111111"})
    # django-otp now refuses even the right code for a while (1 s, then 2, 4, ...).
    response = client.post(reverse("accounts:mfa_verify"), {"code": code_for(device)})
    assert "Too many wrong codes" in response.content.decode()
    clock.shift(timedelta(seconds=30))
    response = client.post(reverse("accounts:mfa_verify"), {"code": code_for(device)})
    assert response.status_code == 302


def test_a_node_can_require_the_second_factor_only_of_roles_that_see_case_data(
    client: Any, caseworker_a: User, analyst: User
) -> None:
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(mfa_enforcement=MFAEnforcement.CASE_DATA)
    sign_in_password(client, "analyst")
    assert client.get(reverse("cases:statistics")).status_code == 200
    client.post(reverse("accounts:logout"))
    sign_in_password(client, "caseworker_a")
    assert client.get(reverse("cases:list")).status_code == 302


def test_with_enforcement_off_an_unenrolled_user_signs_in_with_the_password(
    client: Any, caseworker_a: User
) -> None:
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(mfa_enforcement=MFAEnforcement.OFF)
    sign_in_password(client)
    assert client.get(reverse("cases:list")).status_code == 200


def test_an_unverified_session_cannot_replace_the_authenticator(
    client: Any, caseworker_a: User
) -> None:
    enrol(client, caseworker_a)
    sign_in_password(client)
    response = client.get(reverse("accounts:mfa_enrol"))
    assert response["Location"] == reverse("accounts:mfa_verify")
    assert TOTPDevice.objects.filter(user=caseworker_a).count() == 1


# Re-authentication before sensitive actions


def test_sensitive_pages_ask_for_the_password_and_code_again_after_ten_minutes(
    client: Any, node_admin: User, caseworker_a: User, clock: Any
) -> None:
    device, _ = enrol(client, node_admin)
    sign_in_password(client, "node_admin")
    client.post(reverse("accounts:mfa_verify"), {"code": code_for(device, offset=30)})
    assert client.get(reverse("accounts:user_create")).status_code == 200
    clock.shift(timedelta(minutes=11))
    response = client.get(reverse("accounts:user_create"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm/?next=%2Faccounts%2Fusers%2Fnew%2F"
    assert client.get(reverse("accounts:user_list")).status_code == 200  # reading is not
    bad = client.post(
        reverse("accounts:reauthenticate"),
        {"password": PASSWORD, "code": "000000", "next": "/accounts/users/new/"},
    )
    assert "Nothing was done" in bad.content.decode()
    clock.shift(timedelta(seconds=5))
    good = client.post(
        reverse("accounts:reauthenticate"),
        {"password": PASSWORD, "code": code_for(device, offset=30), "next": "/accounts/users/new/"},
    )
    assert good["Location"] == "/accounts/users/new/"
    assert client.get(reverse("accounts:user_create")).status_code == 200
    assert events(AuditAction.REAUTH, node_admin) == 1
    assert events(AuditAction.REAUTH_FAILED, node_admin) == 1


def test_emergency_access_asks_for_a_recent_check(
    client: Any, caseworker_a: User, clock: Any
) -> None:
    client.force_login(caseworker_a)
    assert client.get(reverse("cases:break_glass")).status_code == 200
    clock.shift(timedelta(minutes=11))
    response = client.get(reverse("cases:break_glass"))
    assert response["Location"].startswith("/accounts/confirm/")


def test_new_recovery_codes_replace_the_old_ones(client: Any, caseworker_a: User) -> None:
    device, codes = enrol(client, caseworker_a)
    sign_in_password(client)
    client.post(reverse("accounts:mfa_verify"), {"code": code_for(device, offset=30)})
    response = client.post(reverse("accounts:recovery_codes"))
    fresh = response.context["codes"]
    assert set(fresh).isdisjoint(codes)
    assert StaticToken.objects.filter(device__user=caseworker_a, token=codes[1]).count() == 0


def test_an_administrator_resets_a_lost_second_factor_but_not_her_own(
    client: Any, node_admin: User, caseworker_a: User
) -> None:
    enrol(client, caseworker_a)
    client.force_login(node_admin)
    response = client.post(reverse("accounts:user_second_factor_reset", args=[caseworker_a.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker_a).exists()
    assert events(AuditAction.MFA_CHANGED, caseworker_a) == 2
    TOTPDevice.objects.create(user=node_admin, name="authenticator", confirmed=True)
    client.post(reverse("accounts:user_second_factor_reset", args=[node_admin.pk]))
    assert TOTPDevice.objects.filter(user=node_admin).exists()
