"""The second factor: TOTP devices, security keys (`security_keys`) and one-time recovery codes
(django-otp), and re-authentication.

A signed-in session is *verified* once the second factor was checked in it
(`MFA_VERIFIED_AT` in the session, which Django renews at sign-in and flushes at sign-out).
Until then `SecondFactorMiddleware` lets the user reach nothing but the second-factor pages.
Who must have a second factor is a node setting (`NodeSettings.mfa_enforcement`); a user who
enrolled one is always asked for it.

Sensitive actions (exports, emergency access, user administration) need a *recent* check: the
password and the second factor within `KINLINK_REAUTH_WINDOW` (`recent_authentication_required`).

Every check, right or wrong, is an audit event; a wrong code changes nothing but django-otp's
throttle, which doubles the wait after each failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

import segno
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.core.models import MFAEnforcement, NodeSettings

MFA_VERIFIED_AT = "kinlink_mfa_at"
REAUTH_AT = "kinlink_reauth_at"
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"

V = TypeVar("V", bound=Callable[..., HttpResponse])


def mfa_required(user: User) -> bool:
    """Whether the node requires this user to have a second factor."""
    enforcement = NodeSettings.current().mfa_enforcement
    if enforcement == MFAEnforcement.EVERYONE:
        return True
    if enforcement == MFAEnforcement.CASE_DATA:
        return user.sees_case_content
    return False


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    """An authenticator app or a security key (recovery codes only back them up)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def remaining_recovery_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def session_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(MFA_VERIFIED_AT))


def mark_verified(request: HttpRequest) -> None:
    """The second factor was just checked: the session is verified and recently confirmed."""
    now = timezone.now().isoformat()
    request.session[MFA_VERIFIED_AT] = now
    request.session[REAUTH_AT] = now


def recently_authenticated(request: HttpRequest) -> bool:
    stamp = request.session.get(REAUTH_AT)
    if not stamp:
        return False
    return timezone.now() - datetime.fromisoformat(stamp) <= settings.KINLINK_REAUTH_WINDOW


def recent_authentication_required(view: V) -> V:
    """Before the view runs, the password and second factor must have been checked within
    `KINLINK_REAUTH_WINDOW`; otherwise the user confirms them and comes back."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not recently_authenticated(request):
            query = urlencode({"next": request.path})
            return HttpResponseRedirect(f"{reverse('accounts:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return cast(V, wrapped)


# Enrolment


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code, drawn on the server."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2))


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for apps that cannot read a QR code."""
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for `user` (the confirmed one, if any, stays until the
    new one is confirmed)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def pending_enrolment(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.KINLINK_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def totp_enrolment_confirm(
    *, request: HttpRequest, user: User, device: TOTPDevice, code: str
) -> list[str] | None:
    """Confirm the new authenticator with a code from it. Returns the new recovery codes (shown
    once), or None for a wrong code (audited, nothing changed)."""
    code = normalise_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(code):
            record(actor=user, action=AuditAction.MFA_FAILED, obj=user, step="enrolment")
            return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        record(
            actor=user,
            action=AuditAction.MFA_CHANGED,
            obj=user,
            changes={"authenticator": ["", "enrolled"], "recovery_codes": ["", len(codes)]},
        )
    mark_verified(request)
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    record(
        actor=user,
        action=AuditAction.MFA_CHANGED,
        obj=user,
        changes={"recovery_codes": ["renewed", len(codes)]},
    )
    return codes


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> None:
    """An administrator removes a user's authenticator, security keys and recovery codes (a lost
    phone or key): the user enrols again at the next sign-in. Never one's own."""
    from kinlink.accounts.policies import can_administer

    if not can_administer(actor) or actor.pk == user.pk or actor.agency_id != user.agency_id:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(
        actor=actor,
        action=AuditAction.MFA_CHANGED,
        obj=user,
        changes={
            "authenticator": ["enrolled", "removed"],
            "security_keys": ["", 0],
            "recovery_codes": ["", 0],
        },
    )


# Checking


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def second_factor_check(*, request: HttpRequest, user: User, code: str) -> bool:
    """Check a TOTP code or a recovery code; a recovery code works once. Audited either way."""
    code = normalise_code(code)
    with transaction.atomic():
        used = ""
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is not None and code.isdigit() and totp.verify_token(code):
            used = "authenticator"
        elif not code.isdigit():
            static = StaticDevice.objects.select_for_update().filter(user=user).first()
            if static is not None and static.verify_token(code):
                used = "recovery_code"
        if not used:
            record(actor=user, action=AuditAction.MFA_FAILED, obj=user, step="sign_in")
            return False
        context: dict[str, Any] = {"factor": used}
        if used == "recovery_code":
            context["recovery_codes_left"] = remaining_recovery_codes(user)
        record(actor=user, action=AuditAction.MFA_VERIFIED, obj=user, **context)
    mark_verified(request)
    return True


def throttled(user: User) -> bool:
    """Whether django-otp currently refuses every code for this user (after failures)."""
    totp = totp_device(user)
    return totp is not None and not totp.verify_is_allowed()[0]


def reauthenticate(
    *, request: HttpRequest, user: User, password: str, code: str, key_checked: bool = False
) -> bool:
    """Confirm the password and, for a user with a second factor, a code or a security key
    (`key_checked`: the key was checked on the confirmation page a moment ago). Audited."""
    ok = (
        authenticate(request, username=user.get_username(), password=password) is not None
        and user.is_active
    )
    factor = ""
    if ok and has_second_factor(user):
        code = normalise_code(code)
        with transaction.atomic():
            totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if key_checked:
                factor = "security_key"
            elif code and totp is not None and code.isdigit() and totp.verify_token(code):
                factor = "authenticator"
            elif code and not code.isdigit():
                static = StaticDevice.objects.select_for_update().filter(user=user).first()
                if static is not None and static.verify_token(code):
                    factor = "recovery_code"
        ok = bool(factor)
    with transaction.atomic():
        context: dict[str, Any] = {"factor": factor} if factor else {}
        action = AuditAction.REAUTH if ok else AuditAction.REAUTH_FAILED
        record(actor=user, action=action, obj=user, **context)
    if ok:
        request.session[REAUTH_AT] = timezone.now().isoformat()
    return ok


def on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The password was just checked: that counts as a recent check for a user who has no
    second factor (one who has is checked again on the second-factor page)."""
    if request is not None and hasattr(request, "session"):
        request.session[REAUTH_AT] = timezone.now().isoformat()
