"""Reads of cross-border requests, each starting from the policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from kinlink.accounts.models import User
from kinlink.cases.models import Case
from kinlink.exchange import registry
from kinlink.exchange.models import (
    Attachment,
    CrossBorderRequest,
    Direction,
    OutboundEnvelope,
    OutboundStatus,
    RequestMessage,
)
from kinlink.exchange.policies import can_act_on, visible_requests


def case_panel_context(case: Case, user: User) -> dict[str, Any]:
    """The case page's section: the case's requests, both directions, newest first (two
    queries whatever their number)."""
    requests = list(
        visible_requests(user).filter(case=case).select_related("peer").order_by("-created_at")
    )
    for request in requests:
        request.type_label = _type_label(request.request_type)  # type: ignore[attr-defined]
    return {"requests": requests}


def _type_label(code: str) -> Any:
    try:
        return registry.get(code).label
    except KeyError:
        return code


def request_list(user: User, direction: str, status: str = "") -> QuerySet[CrossBorderRequest]:
    requests = visible_requests(user).filter(direction=direction)
    if status:
        requests = requests.filter(status=status)
    return requests.select_related("peer", "case", "assigned_to").order_by("-created_at")


def thread_of(request: CrossBorderRequest) -> list[RequestMessage]:
    """The thread with its documents (without their content) and each outgoing entry's
    delivery state, in three queries."""
    messages = list(
        request.messages.select_related("author").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.defer("content"))
        )
    )
    envelopes = {
        e.message_id: e
        for e in OutboundEnvelope.objects.filter(conversation=request.conversation).only(
            "message_id", "status", "attempts", "next_attempt_at", "last_error", "delivered_at"
        )
    }
    for message in messages:
        message.envelope = envelopes.get(message.message_id)  # type: ignore[attr-defined]
    return messages


def undelivered(request: CrossBorderRequest) -> int:
    return OutboundEnvelope.objects.filter(
        conversation=request.conversation, status=OutboundStatus.DEAD
    ).count()


def preview(request: CrossBorderRequest) -> list[dict[str, Any]]:
    """What will leave (or left), field by field, as the caseworker and supervisor see it."""
    kind = registry.get(request.request_type)
    if request.payload:
        values = request.payload
    elif request.case is not None:
        from kinlink.exchange.requests import payload_of

        values = payload_of(kind, request.case, request.fields)
    else:
        values = {}
    rows = []
    for field in kind.fields:
        if field.name in values:
            rows.append({"name": field.name, "label": field.label, "value": values[field.name]})
    return rows


def reply_rows(request: CrossBorderRequest) -> list[dict[str, Any]]:
    """The reply as the reader reads it: the reply form's fields, in its order, with their
    labels, choices named and dates in the reader's format."""
    from datetime import date

    from django import forms
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    kind = registry.get(request.request_type)
    rows = []
    for name, field in kind.reply_form().fields.items():
        value = request.reply.get(name)
        if value in (None, ""):
            continue
        if isinstance(field, forms.ChoiceField):
            value = dict(list(field.choices)).get(value, value)  # type: ignore[arg-type]
        elif isinstance(field, forms.DateField):
            value = date_format(date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        elif isinstance(field, forms.BooleanField):
            value = gettext("yes") if value else gettext("no")
        rows.append({"label": field.label, "value": value})
    return rows


def actions_for(user: User, request: CrossBorderRequest) -> dict[str, bool]:
    from kinlink.exchange.models import ENDED_STATUSES, RequestStatus
    from kinlink.exchange.policies import can_triage

    acts = can_act_on(user, request)
    status = request.status
    outgoing = request.direction == Direction.OUTGOING
    live = status not in ENDED_STATUSES and status not in {
        RequestStatus.DRAFT,
        RequestStatus.SUBMITTED,
    }
    return {
        "edit": acts and outgoing and status == RequestStatus.DRAFT,
        "submit": acts and outgoing and status == RequestStatus.DRAFT,
        "withdraw": acts and outgoing and status not in ENDED_STATUSES,
        "close": acts and outgoing and live,
        "message": acts and live,
        "accept": not outgoing and status == RequestStatus.RECEIVED and can_triage(user),
        "decline": not outgoing
        and acts
        and status in {RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS},
        "reply": not outgoing and acts and status == RequestStatus.IN_PROGRESS,
    }
