"""Who may see and do what with a child's case. Scope is data: a user's grants become one
queryset filter; views never decide access with an `if`.

- caseworker: cases she leads or co-works, plus live break-the-glass grants;
- supervisor: every case of her teams, plus her own assignments;
- guardian, panel member, central-authority liaison: the cases they are assigned to;
- node administrator and analyst: no case content at all (analysts read aggregates).
Everything is confined to the user's own agency. What one may not see answers 404. A closed
case can be read but not edited; only its reopening (a supervisor's move) is allowed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kinlink.accounts.models import Role, User
from kinlink.cases.models import AssignmentRole, BreakGlassGrant, Case, CaseAssignment, Stage

CASE_ROLES = {Role.CASEWORKER, Role.SUPERVISOR, Role.GUARDIAN, Role.PANEL_MEMBER, Role.CA_LIAISON}
EDITING_ROLES = {Role.CASEWORKER, Role.SUPERVISOR}


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _any_of(ids: QuerySet[Any], field: str = "id") -> Q:
    """`field IN (subquery)`, which on PostgreSQL is written `field = ANY(ARRAY(subquery))`:
    the subquery then runs once, before the scan, and `lead OR assigned` becomes index
    look-ups instead of a test of every case against the subquery (bench/load.py)."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    from django.contrib.postgres.expressions import ArraySubquery

    return Q(_EqualsAny(F(field), ArraySubquery(ids)))


class _EqualsAny(Func):
    """`left = ANY(right)`, a condition."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def led_or_assigned(user: User) -> Q:
    """The cases a user leads or co-works: "my cases"."""
    return Q(lead_caseworker=user) | _any_of(
        CaseAssignment.objects.filter(user=user).values("case_id")
    )


def _grant_filter(user: User) -> Q:
    glass = BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now()).values(
        "case_id"
    )
    return led_or_assigned(user) | _any_of(glass)


def visible_cases(user: Any, action: str = "view") -> QuerySet[Case]:
    """The cases `user` may `view` or `edit`; the starting point of every read."""
    if not _active(user) or user.role not in CASE_ROLES or user.agency_id is None:
        return Case.objects.none()
    if action == "edit" and user.role not in EDITING_ROLES:
        return Case.objects.none()
    scope = _grant_filter(user)
    if user.role == Role.SUPERVISOR:
        scope |= _any_of(user.teams.values("pk"), "team_id")
    cases = Case.objects.filter(scope, agency_id=user.agency_id)
    if action == "edit":
        # A closed case is a record: nothing is added to it until a supervisor reopens it.
        cases = cases.exclude(stage=Stage.CLOSED)
    return cases


def get_case_for(user: Any, case_id: UUID | str, action: str = "view") -> Case:
    try:
        return visible_cases(user, action).get(pk=case_id)
    except (Case.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def can_register_case(user: Any) -> bool:
    return _active(user) and user.role in EDITING_ROLES and bool(user.teams.exists())


def can_edit_case(user: Any, case: Case) -> bool:
    return visible_cases(user, "edit").filter(pk=case.pk).exists()


def can_assign(user: Any, case: Case) -> bool:
    """Supervisors of the case's team (re)assign it."""
    return (
        _active(user)
        and user.role == Role.SUPERVISOR
        and user.teams.filter(pk=case.team_id).exists()
    )


def can_export_subject_bundle(user: Any, case: Case) -> bool:
    """Everything held about the child, in one file, on a data-subject request: a supervisor
    of the case's team only. She may already read all of it, and it is hers to answer for;
    a caseworker is refused (the whole file outlives a caseload), and so is the node
    administrator, who sees no case content and should not gain it all by one request."""
    return can_assign(user, case) and user.agency_id == case.agency_id


def can_see_access_log(user: Any) -> bool:
    """Supervisors see who saw and changed what; caseworkers see the case's history."""
    return _active(user) and user.role == Role.SUPERVISOR


def can_break_glass(user: Any) -> bool:
    return _active(user) and user.role in EDITING_ROLES


def breakable_cases(user: Any) -> QuerySet[Case]:
    """Cases of one's own agency that may be opened in an emergency, with a reason."""
    if not can_break_glass(user):
        return Case.objects.none()
    return Case.objects.filter(agency_id=user.agency_id)


def can_read_statistics(user: Any) -> bool:
    return _active(user) and user.role in {Role.ANALYST, Role.SUPERVISOR}


def assignable_users(case: Case, role: str) -> QuerySet[User]:
    """Who may be given a role on the case: staff of its agency with the matching role."""
    wanted = {
        AssignmentRole.COWORKER: Role.CASEWORKER,
        AssignmentRole.GUARDIAN: Role.GUARDIAN,
        AssignmentRole.PANEL: Role.PANEL_MEMBER,
        AssignmentRole.CA_LIAISON: Role.CA_LIAISON,
    }[AssignmentRole(role)]
    return User.objects.filter(agency_id=case.agency_id, role=wanted, is_active=True)
