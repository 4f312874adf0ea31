"""Who may administer the node: users, teams and node settings."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from kinlink.accounts.models import Role, Team, User


def can_administer(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.NODE_ADMIN)


def visible_users(actor: User) -> QuerySet[User]:
    if not can_administer(actor):
        return User.objects.none()
    return User.objects.filter(agency=actor.agency)


def visible_teams(actor: User) -> QuerySet[Team]:
    if not can_administer(actor):
        return Team.objects.none()
    return Team.objects.filter(agency=actor.agency)


def get_user_for(actor: User, user_id: int) -> User:
    try:
        return visible_users(actor).get(pk=user_id)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def get_team_for(actor: User, team_id: Any) -> Team:
    try:
        return visible_teams(actor).get(pk=team_id)
    except (Team.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
