"""Security keys and passkeys (WebAuthn) as a second factor beside the authenticator app.

django-otp-webauthn runs the ceremonies: its JavaScript talks to the browser and the key, its
views check the signed answers, its model keeps each key's public key. Kinlink decides who may
run them and records them (`security_key_views` adapts the library's views to these rules):

- a key is registered only in a verified session confirmed within `KINLINK_REAUTH_WINDOW`,
  under the name its owner typed first; a first second factor comes with recovery codes;
- a key checked after the password marks the session verified exactly as a TOTP code does;
  checked on the confirmation page it stands for the code there, for a short while;
- every check, right or wrong, and every change of keys is an audit event.

A wrong key answer is a signature that does not verify over a fresh challenge from the server:
it cannot be guessed, so unlike a typed code it is audited but not throttled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.models import WebAuthnCredential

from kinlink.accounts import mfa
from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record

# The name typed before the key is touched, kept until the registration completes.
PENDING_NAME = "kinlink_key_name"
# A key checked on the confirmation page, waiting for the password.
KEY_CHECKED_AT = "kinlink_key_checked_at"
KEY_CHECK_WINDOW = timedelta(minutes=2)
NAME_MAX_LENGTH = 64  # django-otp's Device.name


def security_keys_of(user: User) -> QuerySet[WebAuthnCredential]:
    """One's own keys, oldest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def has_security_key(user: User) -> bool:
    return security_keys_of(user).exists()


def get_security_key_for(user: User, key_id: int) -> WebAuthnCredential:
    """One of the user's own keys; anyone else's answers 404, as if it did not exist."""
    return get_object_or_404(security_keys_of(user), pk=key_id)


# Registration


def registration_allowed(request: HttpRequest) -> bool:
    """A key is added in a verified session, confirmed recently, after it was named."""
    return (
        mfa.session_verified(request)
        and mfa.recently_authenticated(request)
        and bool(request.session.get(PENDING_NAME))
    )


def security_key_registration_start(*, request: HttpRequest, name: str) -> None:
    """Remember the name for the key about to be registered in this session."""
    request.session[PENDING_NAME] = name.strip()[:NAME_MAX_LENGTH]


def security_key_registered(*, request: HttpRequest, user: User, key: WebAuthnCredential) -> None:
    """The library has stored a new key: give it its name and record the change. Runs in the
    transaction that stored the key."""
    key.name = request.session.pop(PENDING_NAME, "") or _("Security key")
    key.save(update_fields=["name"])
    record(
        actor=user,
        action=AuditAction.MFA_CHANGED,
        obj=user,
        changes={"security_key": ["", key.name]},
    )


def recovery_codes_for_a_first_key(*, user: User) -> list[str] | None:
    """A user whose first second factor is a key gets recovery codes now (shown once), as one
    who enrols an authenticator does; None if she has them already."""
    if not has_security_key(user) or StaticDevice.objects.filter(user=user).exists():
        return None
    return mfa.recovery_codes_renew(user=user)


# Removal


def can_remove(user: User, key: WebAuthnCredential) -> bool:
    """Any key may go, but not the last second factor of a user the node requires to have one."""
    if not mfa.mfa_required(user):
        return True
    others = security_keys_of(user).exclude(pk=key.pk).exists()
    return others or mfa.totp_device(user) is not None


@transaction.atomic
def security_key_remove(*, actor: User, key: WebAuthnCredential) -> None:
    """Remove one of one's own keys. With no second factor left, the recovery codes go too."""
    if key.user_id != actor.pk:
        raise PermissionDenied
    if not can_remove(actor, key):
        raise ValidationError(
            _("This node requires a second factor: add another one before removing this key.")
        )
    name = key.name
    key.delete()
    changes: dict[str, list[str | int]] = {"security_key": [name, "removed"]}
    if not mfa.has_second_factor(actor):
        StaticDevice.objects.filter(user=actor).delete()
        changes["recovery_codes"] = ["", 0]
    record(actor=actor, action=AuditAction.MFA_CHANGED, obj=actor, changes=changes)


# Checking


def security_key_checked(*, request: HttpRequest, user: User, key: WebAuthnCredential) -> bool:
    """The library verified the key's answer. After the password this verifies the session (and
    is audited as a TOTP code is); in a verified session it is a re-authentication, completed by
    the password on the confirmation page. Returns whether it was a re-authentication."""
    if mfa.session_verified(request):
        request.session[KEY_CHECKED_AT] = timezone.now().isoformat()
        return True
    with transaction.atomic():
        record(
            actor=user, action=AuditAction.MFA_VERIFIED, obj=user, factor="security_key", key=key.pk
        )
    mfa.mark_verified(request)
    return False


def security_key_failed(*, request: HttpRequest, user: User, step: str, reason: str) -> None:
    """A key's answer was refused (wrong key, bad signature, no ceremony begun): audited like a
    wrong code; nothing else changes."""
    if step == "sign_in" and mfa.session_verified(request):
        step = "reauthenticate"
    with transaction.atomic():
        record(
            actor=user,
            action=AuditAction.MFA_FAILED,
            obj=user,
            step=step,
            factor="security_key",
            reason=reason,
        )


def take_key_check(request: HttpRequest) -> bool:
    """Whether a key was checked on the confirmation page within `KEY_CHECK_WINDOW`; the check
    is used up either way."""
    stamp = request.session.pop(KEY_CHECKED_AT, None)
    if not stamp:
        return False
    return timezone.now() - datetime.fromisoformat(stamp) <= KEY_CHECK_WINDOW
