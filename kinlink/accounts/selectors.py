"""Reads for accounts pages."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from kinlink.accounts.models import Notification, User
from kinlink.audit.models import AuditAction, AuditEvent


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def changes_since(*, obj: models.Model, version: int) -> list[AuditEvent]:
    """The saves of an account, a team or the node settings that made a form rendered at
    `version` stale, oldest first (each event's context carries the version it made)."""
    events = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
    return [
        event
        for event in events.order_by("sequence")
        if isinstance(event.context.get("version"), list) and event.context["version"][0] >= version
    ]
