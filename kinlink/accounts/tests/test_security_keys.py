"""Security keys beside the authenticator app: one's own keys listed and removed (after a recent
confirmation, never another's), offered after the password only to who has one, refused answers
audited, the confirmation page accepting a key, and the pages free of inline script.

The ceremony with a real (virtual) key is tests/browser/test_security_keys.py.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.models import WebAuthnCredential

from config.settings import webauthn_rp_id
from conftest import PASSWORD
from kinlink.accounts import security_keys
from kinlink.accounts.models import User
from kinlink.accounts.tests.test_second_factor import code_for, enrol, events, sign_in_password
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.core.models import MFAEnforcement, NodeSettings
from tests.test_security_headers import EVENT_HANDLER, INLINE_SCRIPT

START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def add_key(user: User, name: str = "Blue key") -> WebAuthnCredential:
    """A stored key as the library leaves it after a registration (its public key is never
    used here: these tests need no authenticator)."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=os.urandom(32),
        public_key=b"\xa5\x01\x02",
        sign_count=0,
        aaguid="00000000-0000-0000-0000-000000000000",
    )


def test_the_security_page_lists_ones_own_keys_with_when_added_and_last_used(
    client: Any, caseworker_a: User, caseworker_b: User
) -> None:
    blue = add_key(caseworker_a, "Blue key")
    WebAuthnCredential.objects.filter(pk=blue.pk).update(last_used_at=timezone.now())
    add_key(caseworker_a, "Laptop passkey")
    add_key(caseworker_b, "Karim's key")
    client.force_login(caseworker_a)
    page = client.get(reverse("accounts:security")).content.decode()
    table = page.split('<table class="security-keys">', 1)[1].split("</table>", 1)[0]
    assert "Blue key" in table and "Laptop passkey" in table
    assert "Karim" not in page
    assert "Never" in table  # the laptop passkey was never used
    assert reverse("accounts:security_key_remove", args=[blue.pk]) in table


def test_removing_a_key_asks_for_a_recent_confirmation_first(
    client: Any, caseworker_a: User, clock: Any
) -> None:
    key = add_key(caseworker_a)
    client.force_login(caseworker_a)
    clock.shift(timedelta(minutes=11))
    url = reverse("accounts:security_key_remove", args=[key.pk])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/confirm/?next=")
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_a_key_is_removed_after_the_question_and_the_change_is_audited(
    client: Any, caseworker_a: User
) -> None:
    key = add_key(caseworker_a)
    add_key(caseworker_a, "Spare key")
    client.force_login(caseworker_a)
    url = reverse("accounts:security_key_remove", args=[key.pk])
    assert "Blue key" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("accounts:security")
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.MFA_CHANGED, object_id=str(caseworker_a.pk))
    assert event.changes == {"security_key": ["Blue key", "removed"]}


@pytest.mark.parametrize("method", ["get", "post"])
def test_nobody_can_remove_another_users_key(
    client: Any, caseworker_a: User, caseworker_b: User, method: str
) -> None:
    key = add_key(caseworker_b, "Karim's key")
    client.force_login(caseworker_a)
    response = getattr(client, method)(reverse("accounts:security_key_remove", args=[key.pk]))
    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert events(AuditAction.MFA_CHANGED, caseworker_b) == 0


def test_the_last_second_factor_of_a_user_the_node_requires_it_of_stays(
    client: Any, caseworker_a: User
) -> None:
    assert NodeSettings.current().mfa_enforcement == MFAEnforcement.EVERYONE
    key = add_key(caseworker_a)
    client.force_login(caseworker_a)
    url = reverse("accounts:security_key_remove", args=[key.pk])
    assert "add another one before removing" in client.get(url).content.decode()
    client.post(url)
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_without_a_second_factor_left_the_recovery_codes_go_too(
    client: Any, caseworker_a: User
) -> None:
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(mfa_enforcement=MFAEnforcement.OFF)
    key = add_key(caseworker_a)
    client.force_login(caseworker_a)
    assert security_keys.recovery_codes_for_a_first_key(user=caseworker_a) is not None
    client.post(reverse("accounts:security_key_remove", args=[key.pk]))
    assert not StaticDevice.objects.filter(user=caseworker_a).exists()


def test_a_user_without_a_key_is_not_offered_one_after_the_password(
    client: Any, caseworker_a: User
) -> None:
    enrol(client, caseworker_a)
    sign_in_password(client)
    page = client.get(reverse("accounts:mfa_verify")).content.decode()
    assert "passkey-verification" not in page
    assert "otp_webauthn_config" not in page
    assert 'name="code"' in page


def test_a_user_with_a_key_is_offered_it_and_the_code_form_stays(
    client: Any, caseworker_a: User
) -> None:
    device, _ = enrol(client, caseworker_a)
    add_key(caseworker_a)
    sign_in_password(client)
    page = client.get(reverse("accounts:mfa_verify") + "?next=/cases/").content.decode()
    assert "Use your security key" in page
    assert 'id="passkey-verification-button"' in page
    assert 'name="code"' in page
    response = client.post(
        reverse("accounts:mfa_verify"), {"code": code_for(device, offset=30), "next": "/cases/"}
    )
    assert response["Location"] == "/cases/"


def test_a_user_whose_only_second_factor_is_a_key_is_asked_for_it_after_the_password(
    client: Any, caseworker_a: User
) -> None:
    add_key(caseworker_a)
    sign_in_password(client)
    response = client.get(reverse("cases:list"))
    assert response["Location"] == "/accounts/second-factor/?next=%2Fcases%2F"
    page = client.get(reverse("accounts:mfa_verify")).content.decode()
    assert "Use your security key" in page
    assert "One of your recovery codes" in page


def test_a_refused_key_answer_is_audited_like_a_wrong_code_and_verifies_nothing(
    client: Any, caseworker_a: User
) -> None:
    add_key(caseworker_a)
    sign_in_password(client)
    begin = client.post(reverse("otp_webauthn:credential-authentication-begin"))
    assert begin.status_code == 200
    assert begin.json()["rpId"] == settings.OTP_WEBAUTHN_RP_ID
    assert len(begin.json()["allowCredentials"]) == 1
    forged = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA"},
    }
    response = client.post(
        reverse("otp_webauthn:credential-authentication-complete"),
        json.dumps(forged),
        content_type="application/json",
    )
    assert response.status_code in {400, 403, 404, 422}
    event = AuditEvent.objects.get(action=AuditAction.MFA_FAILED, object_id=str(caseworker_a.pk))
    assert event.context["factor"] == "security_key"
    assert event.context["step"] == "sign_in"
    assert client.get(reverse("cases:list"))["Location"].startswith("/accounts/second-factor/")


def test_a_key_is_registered_only_in_a_recently_confirmed_session_after_naming_it(
    client: Any, caseworker_a: User, clock: Any
) -> None:
    client.force_login(caseworker_a)
    begin = reverse("otp_webauthn:credential-registration-begin")
    refused = client.post(begin)
    assert refused.status_code == 403
    assert refused.json()["code"] == "user_not_verified"
    page = client.post(reverse("accounts:security_key_add"), {"name": "Blue key"})
    assert 'id="passkey-register-button"' in page.content.decode()
    options = client.post(begin).json()
    assert options["rp"] == {"name": "Kinlink", "id": settings.OTP_WEBAUTHN_RP_ID}
    assert options["user"]["name"] == caseworker_a.username
    clock.shift(timedelta(minutes=11))
    assert client.post(begin).status_code == 403


def test_a_first_key_comes_with_recovery_codes_shown_once(client: Any, caseworker_a: User) -> None:
    client.force_login(caseworker_a)
    add_key(caseworker_a)
    first = client.post(reverse("accounts:security_key_done"))
    assert len(first.context["codes"]) == settings.KINLINK_RECOVERY_CODES
    again = client.post(reverse("accounts:security_key_done"))
    assert again["Location"] == reverse("accounts:security")


def test_the_confirmation_page_takes_the_password_and_a_key_checked_a_moment_ago(
    client: Any, caseworker_a: User, clock: Any
) -> None:
    add_key(caseworker_a)
    client.force_login(caseworker_a)
    page = client.get(reverse("accounts:reauthenticate")).content.decode()
    assert "Use your security key" in page and "data-key-reauth" in page
    url = reverse("accounts:reauthenticate")
    without = client.post(url, {"password": PASSWORD, "next": "/accounts/security/"})
    assert "Nothing was done" in without.content.decode()
    session = client.session
    session[security_keys.KEY_CHECKED_AT] = timezone.now().isoformat()
    session.save()
    clock.shift(timedelta(seconds=20))
    good = client.post(url, {"password": PASSWORD, "next": "/accounts/security/"})
    assert good["Location"] == "/accounts/security/"
    event = AuditEvent.objects.get(action=AuditAction.REAUTH, object_id=str(caseworker_a.pk))
    assert event.context == {"factor": "security_key"}
    # The check is used up: a second confirmation needs the key again.
    again = client.post(url, {"password": PASSWORD, "next": "/accounts/security/"})
    assert "Nothing was done" in again.content.decode()


def test_a_key_checked_too_long_ago_does_not_confirm(
    client: Any, caseworker_a: User, clock: Any
) -> None:
    add_key(caseworker_a)
    client.force_login(caseworker_a)
    session = client.session
    session[security_keys.KEY_CHECKED_AT] = timezone.now().isoformat()
    session.save()
    clock.shift(security_keys.KEY_CHECK_WINDOW + timedelta(seconds=1))
    response = client.post(reverse("accounts:reauthenticate"), {"password": PASSWORD})
    assert "Nothing was done" in response.content.decode()


def test_an_administrator_reset_removes_the_keys_too(
    client: Any, node_admin: User, caseworker_a: User
) -> None:
    add_key(caseworker_a)
    client.force_login(node_admin)
    client.post(reverse("accounts:user_second_factor_reset", args=[caseworker_a.pk]))
    assert not WebAuthnCredential.objects.filter(user=caseworker_a).exists()


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        (["kinlink.example.org", "localhost"], "kinlink.example.org"),
        (["127.0.0.1", "localhost"], "localhost"),
        ([".example.org"], "example.org"),
        (["*"], "localhost"),
        ([], "localhost"),
    ],
)
def test_the_relying_party_is_the_first_allowed_host_name(hosts: list[str], expected: str) -> None:
    assert webauthn_rp_id(hosts) == expected


def test_the_key_pages_carry_no_inline_script_but_the_json_settings(
    client: Any, caseworker_a: User
) -> None:
    add_key(caseworker_a)
    sign_in_password(client)
    pages = [client.get(reverse("accounts:mfa_verify")).content.decode()]
    client.force_login(caseworker_a)
    adding = client.post(reverse("accounts:security_key_add"), {"name": "Key"})
    pages.append(adding.content.decode())
    pages.append(client.get(reverse("accounts:reauthenticate")).content.decode())
    for page in pages:
        assert '<script id="otp_webauthn_config" type="application/json">' in page
        assert not INLINE_SCRIPT.search(page)
        assert not EVENT_HANDLER.search(page)
        for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page):
            if src.startswith(settings.STATIC_URL):
                assert finders.find(src.removeprefix(settings.STATIC_URL)), src
    catalog = client.get(reverse("otp_webauthn:js-i18n-catalog"))
    assert catalog.status_code == 200
    assert "javascript" in catalog["Content-Type"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Vérification réussie."), ("ar", "تم التحقق بنجاح."), ("es", "¡Verificación exitosa!")],
)
def test_the_scripts_messages_come_in_the_users_language(
    client: Any, caseworker_a: User, language: str, expected: str
) -> None:
    User.objects.filter(pk=caseworker_a.pk).update(language=language)
    client.force_login(caseworker_a)
    catalog = client.get(reverse("otp_webauthn:js-i18n-catalog")).content.decode()
    assert json.dumps(expected)[1:-1] in catalog or expected in catalog
