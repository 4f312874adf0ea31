"""Writes on users, teams, notifications and node settings: policy, change and audit together."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from kinlink.accounts.models import (
    Notification,
    Role,
    RoleChange,
    RoleChangeStatus,
    Team,
    User,
)
from kinlink.accounts.policies import can_administer
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.core.concurrency import save_versioned
from kinlink.core.models import NodeSettings
from kinlink.directory.models import Agency

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
    # An administrator's account made by an administrator waits, switched off, for a second one.
    needs_second = actor is not None and role == Role.NODE_ADMIN
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        role=role,
        agency=agency,
        language=language,
        is_active=not needs_second,
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
    if needs_second and actor is not None:
        _role_change_open(actor=actor, user=user, from_role="", to_role=role, activates=True)
    return user


@transaction.atomic
def user_update(
    *, actor: User, user: User, seen_version: int, teams: list[Team], **fields: Any
) -> User:
    """Change a staff account. Nobody changes their own role or teams; a change of role is not
    applied but waits for a second administrator (`role_change_decide`)."""
    _require_admin(actor)
    if user.agency_id != actor.agency_id:
        raise PermissionDenied
    before = {f: getattr(user, f) for f in USER_FIELDS}
    before_teams = sorted(t.name for t in user.teams.all())
    if user.pk == actor.pk and (
        fields.get("role", user.role) != user.role
        or sorted(t.name for t in teams) != before_teams
        or fields.get("is_active", True) is False
    ):
        raise PermissionDenied
    new_role = fields.pop("role", user.role)
    if new_role != user.role:
        _role_change_open(actor=actor, user=user, from_role=user.role, to_role=new_role)
    # A switched-off account waiting for its approval is switched on only by the approval.
    if user.role_changes.filter(status=RoleChangeStatus.PENDING, activates=True).exists():
        fields.pop("is_active", None)
    for name, value in fields.items():
        setattr(user, name, value)
    save_versioned(user, seen_version=seen_version, fields=list(fields))
    user.teams.set(teams)
    changes = diff(before, fields)
    after_teams = sorted(t.name for t in teams)
    if after_teams != before_teams:
        changes["teams"] = [before_teams, after_teams]
    # The version (in the context) lets a form opened before this save say what changed.
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        changes=changes,
        version=[seen_version, user.version],
    )
    return user


class RoleChangePending(Exception):
    """The user already has a role change waiting for a second administrator."""


def _role_change_open(
    *, actor: User, user: User, from_role: str, to_role: str, activates: bool = False
) -> RoleChange:
    if user.role_changes.filter(status=RoleChangeStatus.PENDING).exists():
        raise RoleChangePending
    change = RoleChange.objects.create(
        user=user, from_role=from_role, to_role=to_role, activates=activates, requested_by=actor
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=change,
        changes={"role": [from_role, to_role], "status": [None, change.status]},
        user=user.pk,
    )
    return change


@transaction.atomic
def role_change_decide(*, actor: User | None, change: RoleChange, approve: bool) -> RoleChange:
    """A second administrator approves or refuses a role change. Not the one who asked for it,
    nor the person whose role it is. `actor=None` is the node's operator (`kinlink role
    approve`), for a node with a single administrator."""
    if actor is not None:
        _require_admin(actor)
        if (
            actor.pk in (change.requested_by_id, change.user_id)
            or change.user.agency_id != actor.agency_id
        ):
            raise PermissionDenied
    updated = RoleChange.objects.filter(pk=change.pk, status=RoleChangeStatus.PENDING).update(
        status=RoleChangeStatus.APPROVED if approve else RoleChangeStatus.REFUSED,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    if updated != 1:
        raise PermissionDenied
    change.refresh_from_db()
    user = change.user
    changes: dict[str, Any] = {"status": [RoleChangeStatus.PENDING, change.status]}
    if approve:
        user.role = change.to_role
        fields = ["role", "version"]
        if change.activates:
            user.is_active = True
            fields.append("is_active")
        user.version += 1
        user.save(update_fields=fields)
        changes["role"] = [change.from_role, change.to_role]
    record(
        actor=actor,
        action=AuditAction.APPROVE if approve else AuditAction.UPDATE,
        obj=change,
        actor_label="" if actor else "system",
        changes=changes,
        user=user.pk,
    )
    return change


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> None:
    _require_admin(actor)
    if user.agency_id != actor.agency_id:
        raise PermissionDenied
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
def team_create(*, actor: User | None, name: str, agency: Agency | None = None) -> Team:
    """Create a team in the administrator's agency. `actor=None` (with the agency) only for
    the set-up commands run by the operator; audited as "system"."""
    if actor is not None:
        _require_admin(actor)
        if actor.agency_id is None:
            raise PermissionDenied
        agency_id = actor.agency_id
    elif agency is not None:
        agency_id = agency.pk
    else:
        raise PermissionDenied
    team = Team.objects.create(agency_id=agency_id, name=name)
    record(
        actor=actor,
        actor_label="" if actor else "system",
        action=AuditAction.CREATE,
        obj=team,
        changes={"name": [None, name]},
    )
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, seen_version: int, name: str) -> Team:
    _require_admin(actor)
    before = team.name
    team.name = name
    save_versioned(team, seen_version=seen_version, fields=["name"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=team,
        changes={"name": [before, name]},
        version=[seen_version, team.version],
    )
    return team


@transaction.atomic
def node_settings_update(*, actor: User, seen_version: int, **fields: Any) -> NodeSettings:
    _require_admin(actor)
    current = NodeSettings.current()
    before = {name: getattr(current, name) for name in fields}
    for name, value in fields.items():
        setattr(current, name, value)
    save_versioned(current, seen_version=seen_version, fields=list(fields))
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=current,
        changes=diff(before, fields),
        version=[seen_version, current.version],
    )
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
