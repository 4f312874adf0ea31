"""Typed requests for views: who is signed in, and whether htmx asked for a fragment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kinlink.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """Every view but sign-in runs behind LoginRequiredMiddleware, so `user` is a `User`."""

    user: User
    htmx: HtmxDetails
