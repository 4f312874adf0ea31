"""What both sides of a cross-border request share: its status moves (versioned, audited),
the entries of its thread, and the envelope each outgoing entry writes in the same transaction;
documents, checked on their bytes (PDF, JPEG, PNG), carried inside the envelope."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.utils.translation import gettext as _

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.core.concurrency import save_versioned
from kinlink.directory.models import Agency
from kinlink.exchange import outbox
from kinlink.exchange.envelopes import RefusalCode, Refused
from kinlink.exchange.models import (
    Attachment,
    CrossBorderRequest,
    Direction,
    RequestMessage,
)

MIN_REASON = 20
ALLOWED_TYPES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def own_agency_code(agency: Agency) -> dict[str, str]:
    return {"code": agency.code, "name": agency.name, "country": agency.country}


def next_reference(agency: Agency, year: int) -> str:
    """The inter-country reference: {country}-{agency}-{year}-{sequence}, unique per node."""
    prefix = f"{agency.country}-{agency.code}-{year}-".upper()
    last = (
        CrossBorderRequest.objects.filter(
            direction=Direction.OUTGOING, reference__startswith=prefix
        )
        .aggregate(last=Max("reference"))
        .get("last")
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def audit(
    actor: User | None,
    request: CrossBorderRequest,
    changes: dict[str, Any],
    action: str = AuditAction.UPDATE,
    **context: Any,
) -> None:
    record(
        actor=actor,
        actor_label="" if actor else "system",
        action=action,
        obj=request,
        case_id=request.case_id,
        changes=changes,
        **context,
    )


def move(
    request: CrossBorderRequest,
    status: str,
    *,
    actor: User | None,
    fields: dict[str, Any] | None = None,
    seen_version: int | None = None,
    **context: Any,
) -> None:
    """Change the request's status (and fields), versioned and audited; a stale
    `seen_version` is refused (`StaleEdit`)."""
    before = request.status
    seen = request.version if seen_version is None else seen_version
    request.status = status
    for name, value in (fields or {}).items():
        setattr(request, name, value)
    save_versioned(request, seen_version=seen, fields=["status", *(fields or {})])
    changes = {"status": [before, status], "version": [seen, request.version]}
    audit(actor, request, changes, **context)


def thread_entry(
    request: CrossBorderRequest,
    *,
    kind: str,
    direction: str,
    text: str = "",
    data: dict[str, Any] | None = None,
    author: User | None = None,
    author_name: str = "",
    message_id: UUID | None = None,
) -> RequestMessage:
    return RequestMessage.objects.create(
        request=request,
        direction=direction,
        kind=kind,
        text=text,
        data=data or {},
        author=author,
        author_name=author_name or (author.full_name if author else ""),
        message_id=message_id or uuid4(),
    )


def send(
    request: CrossBorderRequest,
    *,
    kind: str,
    author: User,
    text: str = "",
    data: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> RequestMessage:
    """Add an outgoing entry to the thread and write its envelope, in one transaction."""
    message = thread_entry(
        request,
        kind=kind,
        direction=Direction.OUTGOING,
        text=text,
        data=data,
        author=author,
    )
    stored = [attach(message, a) for a in attachments or []]
    outbox.enqueue(
        peer=request.peer,
        kind=kind,
        conversation=request.conversation,
        message_id=message.message_id,
        body={
            "text": text,
            "data": data or {},
            "author": author.full_name,
            "attachments": [
                {
                    "name": a.name,
                    "content_type": a.content_type,
                    "sha256": a.sha256,
                    "content": base64.b64encode(bytes(a.content)).decode(),
                }
                for a in stored
            ],
            **(body or {}),
        },
    )
    return message


def check_attachments(files: list[dict[str, Any]]) -> list[str]:
    """What is wrong with documents to send: type (checked on the bytes), size, number."""
    problems = []
    if len(files) > settings.KINLINK_EXCHANGE_MAX_ATTACHMENTS:
        problems.append(
            _("At most %(n)s documents per message.")
            % {"n": settings.KINLINK_EXCHANGE_MAX_ATTACHMENTS}
        )
    for item in files:
        content: bytes = item["content"]
        magic = ALLOWED_TYPES.get(item.get("content_type", ""))
        if magic is None or not content.startswith(magic):
            problems.append(
                _("%(name)s: only PDF, JPEG and PNG documents can be sent.")
                % {"name": item["name"][:80]}
            )
        if len(content) > settings.KINLINK_EXCHANGE_MAX_ATTACHMENT_BYTES:
            problems.append(
                _("%(name)s is larger than %(mb)s MB.")
                % {
                    "name": item["name"][:80],
                    "mb": settings.KINLINK_EXCHANGE_MAX_ATTACHMENT_BYTES // 1_000_000,
                }
            )
    return problems


def attach(message: RequestMessage, item: dict[str, Any]) -> Attachment:
    content: bytes = item["content"]
    digest = hashlib.sha256(content).hexdigest()
    if item.get("sha256") and item["sha256"] != digest:
        raise Refused(RefusalCode.MALFORMED, "attachment digest")
    return Attachment.objects.create(
        message=message,
        name=str(item["name"])[:200],
        content_type=str(item["content_type"])[:100],
        size=len(content),
        sha256=digest,
        content=content,
    )


def received_attachments(message: RequestMessage, body: dict[str, Any]) -> None:
    items = body.get("attachments") or []
    if not isinstance(items, list):
        raise Refused(RefusalCode.MALFORMED, "attachments")
    files = []
    for item in items:
        try:
            files.append(
                {
                    "name": str(item["name"]),
                    "content_type": str(item["content_type"]),
                    "sha256": str(item["sha256"]),
                    "content": base64.b64decode(item["content"], validate=True),
                }
            )
        except (KeyError, TypeError, ValueError) as error:
            raise Refused(RefusalCode.MALFORMED, "attachment") from error
    if check_attachments(files):
        raise Refused(RefusalCode.REFUSED_BY_RULE, "attachment type or size")
    for item in files:
        attach(message, item)
