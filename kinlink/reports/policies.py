"""Who reads which aggregates, documents and exports. Every read starts here.

- A caseworker's dashboard counts the cases she may see (`cases.policies.visible_cases`).
- A supervisor's team and node dashboards count the cases she may see: her teams' cases,
  in full, since she may open each of them anyway.
- An analyst sees no case: her dashboards count every case of her agency, and every count
  under `SMALL_CELL` is suppressed (`indicators.suppress`); her exports are de-identified.
- Documents (PDF) are made by caseworkers and supervisors, on the cases they may see.
- Node administrators, guardians, panel members and liaisons get none of it (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from kinlink.accounts.models import Role, Team
from kinlink.cases.models import Case
from kinlink.cases.policies import EDITING_ROLES, visible_cases

DASHBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.ANALYST})


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.agency_id)


@dataclass(frozen=True)
class Scope:
    """The cases a user's aggregates count, and whether small cells are hidden from her."""

    cases: QuerySet[Case]
    teams: QuerySet[Team]
    deidentified: bool


def aggregate_scope(user: Any) -> Scope | None:
    """What a dashboard or an export may count for `user`; None when nothing."""
    if not _active(user):
        return None
    if user.role == Role.ANALYST:
        return Scope(
            cases=Case.objects.filter(agency_id=user.agency_id),
            teams=Team.objects.filter(agency_id=user.agency_id),
            deidentified=True,
        )
    if user.role in EDITING_ROLES:
        teams = user.teams.all() if user.role == Role.SUPERVISOR else Team.objects.none()
        return Scope(cases=visible_cases(user), teams=teams, deidentified=False)
    return None


def can_see_caseload(user: Any) -> bool:
    """The caseworker's day: her own cases, counted."""
    return _active(user) and user.role in EDITING_ROLES


def can_see_dashboards(user: Any) -> bool:
    """The team, node and network dashboards."""
    return _active(user) and user.role in DASHBOARD_ROLES


def can_see_team_dashboard(user: Any) -> bool:
    return _active(user) and user.role == Role.SUPERVISOR


def can_export(user: Any) -> bool:
    return _active(user) and user.role in {*EDITING_ROLES, Role.ANALYST}


def can_make_documents(user: Any) -> bool:
    return _active(user) and user.role in EDITING_ROLES
