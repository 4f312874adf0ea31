"""The REST operations on cross-border requests, through the exchange services. A request
leaves the node only through the same approval as on the web pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kinlink.api.core import (
    ApiRequest,
    Limit,
    Offset,
    Page,
    Text30,
    Text60,
    Text64,
    Text2000,
    Text4000,
    page,
    responses,
    seen_version,
    with_etag,
)
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.models import LegalBasis
from kinlink.cases.selectors import case_for_edit
from kinlink.core.concurrency import StaleEdit
from kinlink.exchange import registry, requests
from kinlink.exchange.models import CrossBorderRequest, Peer, RequestStatus, Urgency
from kinlink.exchange.policies import get_request_for, visible_requests

router = Router(tags=["cross-border requests"])
Blank = Literal[""]


class RequestOut(Schema):
    id: UUID
    reference: str
    version: int
    direction: str
    request_type: str
    status: str
    urgency: str
    case_id: UUID | None
    peer: str = Field(validation_alias="peer.node_id")
    questions: str
    due_on: date
    fields: list[str]
    legal_basis: str
    danger_checked: bool
    sent_at: datetime | None
    replied_at: datetime | None
    ended_at: datetime | None
    remote_case_reference: str
    overdue: bool
    created_at: datetime


class RequestPage(Page):
    items: list[RequestOut]


class RequestFilters(Schema):
    direction: Literal["outgoing", "incoming", ""] = ""
    status: RequestStatus | Blank = ""
    limit: Limit = 25
    offset: Offset = 0


class DraftFields(Schema):
    model_config = ConfigDict(extra="forbid")

    questions: Text4000
    due_on: date | None = None
    urgency: Urgency = Urgency.NORMAL
    fields: list[Text60] = Field(default_factory=list, max_length=40)
    legal_basis: LegalBasis | Blank = ""
    legal_basis_note: Text2000 = ""
    origin_override_reason: Text2000 = ""
    danger_checked: bool = False


class DraftIn(DraftFields):
    request_type: Text30
    peer: Text64


@router.get(
    "/cross-border-requests", response=responses(200, RequestPage), operation_id="request_list"
)
def list_requests(request: ApiRequest, filters: Query[RequestFilters]) -> dict[str, object]:
    """Outgoing and incoming requests the user may see, newest first."""
    rows = visible_requests(request.auth).select_related("peer").order_by("-created_at", "id")
    if filters.direction:
        rows = rows.filter(direction=filters.direction)
    if filters.status:
        rows = rows.filter(status=filters.status)
    count, items = page(rows, filters.limit, filters.offset)
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": items}


@router.get(
    "/cross-border-requests/{request_id}",
    response=responses(200, RequestOut),
    operation_id="request_read",
)
def read_request(request: ApiRequest, request_id: UUID, response: HttpResponse) -> object:
    user = request.auth
    row = get_request_for(user, request_id)
    record(actor=user, action=AuditAction.VIEW, obj=row, case_id=row.case_id)
    with_etag(response, row)
    return row


@router.post(
    "/cases/{case_id}/cross-border-requests",
    response=responses(201, RequestOut, write=True),
    operation_id="request_draft",
)
def draft_request(
    request: ApiRequest, case_id: UUID, payload: DraftIn, response: HttpResponse
) -> Status:
    """Draft a request to a peer node. Nothing leaves before a supervisor approves it."""
    user = request.auth
    case = case_for_edit(user=user, case_id=case_id, record_view=False)
    if payload.request_type not in {t.code for t in registry.all_types()}:
        raise ValidationError({"request_type": _("Unknown request type.")})
    peer = Peer.active(payload.peer)
    if peer is None:
        raise ValidationError({"peer": _("This node is not an active peer.")})
    values = payload.model_dump(exclude={"request_type", "peer"})
    row = requests.request_draft(
        actor=user, case=case, request_type=payload.request_type, peer=peer, **values
    )
    with_etag(response, row)
    return Status(201, row)


@router.patch(
    "/cross-border-requests/{request_id}",
    response=responses(200, RequestOut, write=True, versioned=True),
    operation_id="request_update",
)
def update_request(
    request: ApiRequest, request_id: UUID, payload: DraftFields, response: HttpResponse
) -> CrossBorderRequest:
    """Change a draft; every field of the draft is sent. Needs `If-Match`."""
    user = request.auth
    version = seen_version(request)
    row = get_request_for(user, request_id)
    row = requests.request_update(
        actor=user, request=row, seen_version=version, **payload.model_dump()
    )
    with_etag(response, row)
    return row


@router.post(
    "/cross-border-requests/{request_id}/submit",
    response=responses(200, RequestOut, write=True, versioned=True),
    operation_id="request_submit",
)
def submit_request(request: ApiRequest, request_id: UUID, response: HttpResponse) -> object:
    """Freeze what will leave and ask a supervisor to approve it. Needs `If-Match`."""
    user = request.auth
    version = seen_version(request)
    row = get_request_for(user, request_id)
    if row.version != version:
        raise StaleEdit(row, version)
    requests.request_submit(actor=user, request=row, seen_version=version)
    row.refresh_from_db()
    with_etag(response, row)
    return row
