"""Values every page template needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def kinlink(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from kinlink.accounts.selectors import unread_notification_count

        unread = unread_notification_count(user=user)
    return {
        "demo_mode": settings.DEMO_MODE,
        "node_prefix": settings.KINLINK_NODE_PREFIX,
        "unread_notifications": unread,
    }
