"""Every sign-in, failed sign-in and sign-out is an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kinlink.audit.models import AuditAction
from kinlink.audit.services import record


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(actor=user, action=AuditAction.LOGIN, obj=user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    # A session the node ended (idle or too long) says so; a user's own sign-out says nothing.
    ended = getattr(request, "kinlink_session_ended", "")
    if ended:
        record(actor=user, action=AuditAction.LOGOUT, obj=user, session_ended=ended)
    else:
        record(actor=user, action=AuditAction.LOGOUT, obj=user)


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The username typed is kept (it may be mistyped, it is never a child's data); the password
    # never reaches this function's output: Django masks it in `credentials`.
    record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        actor_label=str(credentials.get("username", ""))[:150],
    )
