"""Issuing, revoking and checking API tokens. Issuing and revoking are the node
administrator's (audited); checking a presented token is what every API call starts with."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.accounts.models import User
from kinlink.accounts.policies import can_administer
from kinlink.api.models import ApiToken
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record

TOKEN_PREFIX = "kl_"  # noqa: S105 -- the public marker of a Kinlink token, not a secret
MAX_TOKEN_DAYS = 366


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; never stored


@transaction.atomic
def api_token_issue(*, actor: User | None, user: User, name: str, days: int = 90) -> IssuedToken:
    """Issue a token for a user of the administrator's agency, valid `days` (1–366).

    `actor=None` only for set-up commands run by the operator of the node.
    """
    if actor is not None and (not can_administer(actor) or user.agency_id != actor.agency_id):
        raise PermissionDenied
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = _("Name the token after the system or person that uses it.")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        errors["days"] = _("A token lasts between 1 and 366 days.")
    if not user.is_active:
        errors["user"] = _("This account is switched off.")
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=_digest(secret),
        expires_at=timezone.now() + timedelta(days=days),
        created_by=actor or user,
    )
    record(
        actor=actor,
        actor_label="" if actor else "system",
        action=AuditAction.CREATE,
        obj=token,
        changes={
            "user": [None, user.username],
            "name": [None, name],
            "expires_at": [None, token.expires_at],
        },
    )
    return IssuedToken(token, secret)


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token now; calls with it are refused from the next request on."""
    if not can_administer(actor) or token.user.agency_id != actor.agency_id:
        raise PermissionDenied
    if token.revoked_at is not None:
        return token
    token.revoked_at, token.revoked_by = timezone.now(), actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=token,
        changes={"revoked_at": [None, token.revoked_at]},
    )
    return token


class TokenRefused(Exception):
    """The presented token is unknown, malformed, revoked or expired; `code` says which."""

    def __init__(self, code: str, token: ApiToken | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.token = token


def api_token_check(presented: str) -> ApiToken:
    """The live token `presented` names, with its user; TokenRefused otherwise.

    The digest is compared in constant time; the row is found by the non-secret prefix.
    """
    parts = presented.split("_")
    if len(parts) < 3 or not presented.startswith(TOKEN_PREFIX):
        raise TokenRefused("token_invalid")
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(presented)):
        raise TokenRefused("token_invalid")
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", token)
    if token.expires_at <= timezone.now():
        raise TokenRefused("token_expired", token)
    if not token.user.is_active:
        raise TokenRefused("account_inactive", token)
    now = timezone.now()
    # Stamp the last use at most once a minute: a busy integration does not write every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
