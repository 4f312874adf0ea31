"""Writes on users, teams, notifications and node settings: policy, change and audit together."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from kinlink.accounts.models import Notification, Team, User
from kinlink.accounts.policies import can_administer
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.core.concurrency import save_versioned
from kinlink.core.models import NodeSettings

USER_FIELDS = ("username", "full_name", "email", "role", "language", "is_active")


def _require_admin(actor: Any) -> None:
    if not can_administer(actor):
        raise PermissionDenied


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    email: str,
    role: str,
    agency: Any,
    password: str,
    teams: list[Team] | tuple[Team, ...] = (),
    language: str = "en",
) -> User:
    """Create a staff account. `actor=None` only for set-up commands run by the operator."""
    if actor is not None:
        _require_admin(actor)
        agency = actor.agency
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        role=role,
        agency=agency,
        language=language,
    )
    user.set_password(password)
    user.save()
    user.teams.set(teams)
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        actor_label="" if actor else "system",
        changes={
            **{f: [None, getattr(user, f)] for f in USER_FIELDS},
            "teams": [[], sorted(t.name for t in teams)],
        },
    )
    return user


@transaction.atomic
def user_update(
    *, actor: User, user: User, seen_version: int, teams: list[Team], **fields: Any
) -> User:
    """Change a staff account. Nobody changes their own role or teams."""
    _require_admin(actor)
    before = {f: getattr(user, f) for f in USER_FIELDS}
    before_teams = sorted(t.name for t in user.teams.all())
    if user.pk == actor.pk and (
        fields.get("role", user.role) != user.role
        or sorted(t.name for t in teams) != before_teams
        or fields.get("is_active", True) is False
    ):
        raise PermissionDenied
    for name, value in fields.items():
        setattr(user, name, value)
    save_versioned(user, seen_version=seen_version, fields=list(fields))
    user.teams.set(teams)
    changes = diff(before, fields)
    after_teams = sorted(t.name for t in teams)
    if after_teams != before_teams:
        changes["teams"] = [before_teams, after_teams]
    record(actor=actor, action=AuditAction.UPDATE, obj=user, changes=changes)
    return user


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> None:
    _require_admin(actor)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=actor, action=AuditAction.UPDATE, obj=user, changes={"password": ["***", "***"]})


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    """Anyone may choose the language of their own interface."""
    before = user.language
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    record(
        actor=user, action=AuditAction.UPDATE, obj=user, changes={"language": [before, language]}
    )


@transaction.atomic
def team_create(*, actor: User, name: str) -> Team:
    _require_admin(actor)
    if actor.agency_id is None:
        raise PermissionDenied
    team = Team.objects.create(agency_id=actor.agency_id, name=name)
    record(actor=actor, action=AuditAction.CREATE, obj=team, changes={"name": [None, name]})
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, seen_version: int, name: str) -> Team:
    _require_admin(actor)
    before = team.name
    team.name = name
    save_versioned(team, seen_version=seen_version, fields=["name"])
    record(actor=actor, action=AuditAction.UPDATE, obj=team, changes={"name": [before, name]})
    return team


@transaction.atomic
def node_settings_update(*, actor: User, seen_version: int, **fields: int) -> NodeSettings:
    _require_admin(actor)
    current = NodeSettings.current()
    before = {name: getattr(current, name) for name in fields}
    for name, value in fields.items():
        setattr(current, name, value)
    save_versioned(current, seen_version=seen_version, fields=list(fields))
    record(actor=actor, action=AuditAction.UPDATE, obj=current, changes=diff(before, fields))
    return current


def notification_send(
    *, recipients: list[User], kind: str, link: str = "", **params: str | Promise
) -> None:
    """Tell users something inside Kinlink; callers run it in their own transaction.

    The text is composed when it is read, in the reader's language, from `kind` and `params`
    (case references and staff names only, never a child's name). A parameter given as a lazy
    label (a choice's label) is stored in English and translated for each reader.
    """
    with translation.override("en"):
        params = {name: str(value) for name, value in params.items()}
    Notification.objects.bulk_create(
        [Notification(recipient=u, kind=kind, params=params, link=link) for u in recipients]
    )


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
