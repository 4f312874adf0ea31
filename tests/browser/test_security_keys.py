"""A security key from registration to sign-in, with Chromium's virtual authenticator (the
DevTools protocol's WebAuthn domain) standing for a USB key: the caseworker names and registers
it on her security page, keeps her recovery codes, signs out, signs in again with her password
and the key, and later confirms it is her with the password and the key to remove it, all under
the node's strict Content-Security-Policy; axe finds nothing serious on the key pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_registers_a_security_key_and_signs_in_with_it(
    live_server: Any, page: Any, caseworker_a: Any, settings: Any
) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from django_otp_webauthn.models import WebAuthnCredential

    from kinlink.accounts.mfa import REAUTH_AT
    from kinlink.audit.models import AuditAction, AuditEvent

    base = live_server.url  # http://localhost:<port>: a secure context, and a name for the RP ID
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [base]
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    # Registration: the node does not require a second factor, so the password signs her in.
    sign_in(page, base, caseworker_a.username, PASSWORD)
    page.goto(f"{base}/accounts/security/")
    page.get_by_label("A name for the key").fill("Blue key")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a security key").click()
    with page.expect_navigation(url="**/accounts/security/keys/done/"):
        page.get_by_role("button", name="Register the key").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    expect(page.locator("main .success-box")).to_have_text("Your security key is added.")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.locator("table.security-keys")).to_contain_text("Blue key")
    assert_accessible(page)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1
    assert WebAuthnCredential.objects.get(user=caseworker_a).name == "Blue key"

    # Sign out, then in: the password, and the key instead of a code.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url="**/accounts/second-factor/**"):
        page.click("main button[type=submit]")
    expect(page.get_by_label("One of your recovery codes")).to_be_visible()
    expect(page.get_by_role("button", name="Use your security key")).to_be_visible()
    assert_accessible(page)
    with page.expect_navigation(url=f"{base}/cases/"):
        page.get_by_role("button", name="Use your security key").click()
    expect(page.locator("h1")).to_have_text("Cases")
    assert AuditEvent.objects.filter(
        action=AuditAction.MFA_VERIFIED, object_id=str(caseworker_a.pk)
    ).exists()
    assert WebAuthnCredential.objects.get(user=caseworker_a).last_used_at is not None

    # Later: her last confirmation is old, so removing the key asks for the password and the key.
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=session_key)
    session[REAUTH_AT] = (timezone.now() - timedelta(hours=1)).isoformat()
    session.save()
    key = WebAuthnCredential.objects.get(user=caseworker_a)
    page.goto(f"{base}/accounts/security/keys/{key.pk}/remove/")
    expect(page.locator("h1")).to_have_text("Confirm it is you")
    page.get_by_label("Your password").fill(PASSWORD)
    with page.expect_navigation(url=f"**/accounts/security/keys/{key.pk}/remove/"):
        page.get_by_role("button", name="Use your security key").click()
    with page.expect_navigation(url="**/accounts/security/"):
        page.get_by_role("button", name="Remove the key").click()
    expect(page.locator(".messages")).to_contain_text("The key “Blue key” was removed.")
    assert not WebAuthnCredential.objects.filter(user=caseworker_a).exists()
    reauth = AuditEvent.objects.get(action=AuditAction.REAUTH, object_id=str(caseworker_a.pk))
    assert reauth.context == {"factor": "security_key"}
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
