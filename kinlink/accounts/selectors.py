"""Reads for accounts pages."""

from __future__ import annotations

from django.db.models import QuerySet

from kinlink.accounts.models import Notification, User


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
