"""Who may see and do what with cross-border requests.

- An outgoing request belongs to its case: whoever sees the case sees the request, whoever may
  edit the case drafts, submits, withdraws and writes in the thread; supervisors of the case's
  team approve it (`cases.workflow.can_decide`).
- An incoming request lands in the agency's inbox, which supervisors and central-authority
  liaisons of that agency see whole and triage (accept, decline, assign); a caseworker sees the
  incoming requests assigned to her or linked to a case she sees.
- Node administrators manage peers and see envelopes (their ids, sizes, states, errors), never
  what they carry. Analysts see none of it.
Out of scope answers 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from kinlink.accounts.models import Role
from kinlink.cases.policies import can_edit_case, visible_cases
from kinlink.exchange.models import CrossBorderRequest, Direction

TRIAGE_ROLES = frozenset({Role.SUPERVISOR, Role.CA_LIAISON})


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.agency_id)


def visible_requests(user: Any) -> QuerySet[CrossBorderRequest]:
    """The requests `user` may read; the starting point of every read of a request."""
    if not _active(user) or user.role in {Role.NODE_ADMIN, Role.ANALYST}:
        return CrossBorderRequest.objects.none()
    cases = visible_cases(user).values("pk")
    scope = Q(case__in=cases)
    if user.role in TRIAGE_ROLES:
        scope |= Q(direction=Direction.INCOMING)
    else:
        scope |= Q(direction=Direction.INCOMING, assigned_to=user)
    return CrossBorderRequest.objects.filter(scope, agency_id=user.agency_id)


def get_request_for(user: Any, request_id: UUID | str) -> CrossBorderRequest:
    try:
        return visible_requests(user).select_related("peer", "case").get(pk=request_id)
    except (CrossBorderRequest.DoesNotExist, ValueError) as error:
        raise Http404 from error


def can_triage(user: Any) -> bool:
    """Sees the agency's whole inbox and accepts, declines or assigns incoming requests."""
    return _active(user) and user.role in TRIAGE_ROLES


def can_act_on(user: Any, request: CrossBorderRequest) -> bool:
    """May write in the request: edit the draft, send messages, reply, withdraw, close."""
    if not _active(user) or request.agency_id != user.agency_id:
        return False
    if request.direction == Direction.OUTGOING:
        return request.case is not None and can_edit_case(user, request.case)
    if can_triage(user):
        return True
    return request.assigned_to_id == user.pk or (
        request.case is not None and can_edit_case(user, request.case)
    )
