"""Reads of family tracing. Each starts from the policy; reads of a child's record are audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.tracing.models import Suggestion, SuggestionStatus, TracingRequest
from kinlink.tracing.policies import (
    get_request_for,
    get_suggestion_for,
    visible_requests,
    visible_suggestions,
)


def request_list(*, user: User, status: str = "") -> QuerySet[TracingRequest]:
    requests = visible_requests(user).select_related("case", "handled_by")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at")


def request_detail(*, user: User, request_id: UUID | str) -> TracingRequest:
    """A request to read: 404 outside the user's scope; the read is audited."""
    request = get_request_for(user, request_id)
    record(actor=user, action=AuditAction.VIEW, obj=request, case_id=request.case_id)
    return request


def review_queue(*, user: User) -> QuerySet[Suggestion]:
    """New suggestions the user may decide, the likeliest first."""
    return (
        visible_suggestions(user, "edit")
        .filter(status=SuggestionStatus.NEW)
        .select_related("request", "case", "other_case")
        .order_by("-suggested", "-score", "created_at")
    )


@dataclass(frozen=True)
class Line:
    """One row of the side-by-side comparison."""

    field: str
    left: str
    right: str
    level: str
    weight: float
    verdict: str  # "agree", "conflict" or "unknown"
    counted: bool


def _verdict(line: dict[str, Any]) -> str:
    weight = float(line.get("weight") or 0)
    if line.get("level") == "unknown" or weight == 0:
        return "unknown"
    return "agree" if weight > 0 else "conflict"


def comparison(*, user: User, suggestion_id: UUID | str) -> tuple[Suggestion, list[Line]]:
    """A suggestion and its field-by-field comparison; the read of both children is audited
    on each case."""
    suggestion = get_suggestion_for(user, suggestion_id)
    for case_id in filter(None, (suggestion.case_id, suggestion.other_case_id)):
        record(actor=user, action=AuditAction.VIEW, obj=suggestion, case_id=case_id)
    lines = [
        Line(
            field=str(item.get("field", "")),
            left=str(item.get("left", "")),
            right=str(item.get("right", "")),
            level=str(item.get("level", "")),
            weight=float(item.get("weight") or 0),
            verdict=_verdict(item),
            counted=bool(item.get("counted", True)),
        )
        for item in suggestion.evidence
    ]
    return suggestion, lines
