"""Who may see and do what with tracing requests and suggested matches. Scope is data.

- a caseworker sees the requests she handles and those on cases she may see;
- a supervisor sees every request of her teams as well;
- nobody sees another agency's requests; analysts and administrators see none.

A suggestion reveals a child: it is visible only to who may see every record it pairs (its
request and its case or cases). What one may not see answers 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from kinlink.accounts.models import Role, User
from kinlink.cases.policies import EDITING_ROLES, visible_cases
from kinlink.tracing.models import Suggestion, TracingRequest


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_file_request(user: Any) -> bool:
    return _active(user) and user.role in EDITING_ROLES and bool(user.teams.exists())


def visible_requests(user: Any, action: str = "view") -> QuerySet[TracingRequest]:
    """The tracing requests `user` may `view` or `edit`; the starting point of every read."""
    if not _active(user) or user.role not in EDITING_ROLES or user.agency_id is None:
        return TracingRequest.objects.none()
    scope = Q(handled_by=user) | Q(case__in=visible_cases(user, action).values("pk"))
    if user.role == Role.SUPERVISOR:
        scope |= Q(team__in=user.teams.all())
    return TracingRequest.objects.filter(scope, agency_id=user.agency_id)


def get_request_for(user: Any, request_id: UUID | str, action: str = "view") -> TracingRequest:
    try:
        return visible_requests(user, action).get(pk=request_id)
    except (TracingRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def can_edit_request(user: Any, request: TracingRequest) -> bool:
    return visible_requests(user, "edit").filter(pk=request.pk).exists()


def visible_suggestions(user: Any, action: str = "view") -> QuerySet[Suggestion]:
    """Suggestions whose every record the user may see (and, to decide, edit)."""
    if not _active(user) or user.role not in EDITING_ROLES or user.agency_id is None:
        return Suggestion.objects.none()
    cases = visible_cases(user, action).values("pk")
    requests = visible_requests(user, action).values("pk")
    return Suggestion.objects.filter(
        Q(request__isnull=True) | Q(request__in=requests),
        Q(other_case__isnull=True) | Q(other_case__in=cases),
        case__in=cases,
        agency_id=user.agency_id,
    )


def get_suggestion_for(user: Any, suggestion_id: UUID | str, action: str = "view") -> Suggestion:
    try:
        return visible_suggestions(user, action).get(pk=suggestion_id)
    except (Suggestion.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def can_decide(user: User, suggestion: Suggestion) -> bool:
    return visible_suggestions(user, "edit").filter(pk=suggestion.pk).exists()


def can_run_matching(user: Any) -> bool:
    """Matching the whole agency's records is started by a supervisor."""
    return _active(user) and user.role == Role.SUPERVISOR
