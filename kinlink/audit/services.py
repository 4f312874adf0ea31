"""Writing and checking the audit trail."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone

from kinlink.audit.models import AuditAction, AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """JSON-friendly form of a field value, stable across databases."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def event_digest(event: AuditEvent) -> str:
    """The hash an event must carry: its content plus the previous event's hash."""
    body = {
        "sequence": event.sequence,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": str(event.case_id) if event.case_id else None,
        "changes": event.changes,
        "context": event.context,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [old, new]}."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


# What the trail keeps of a field encrypted at rest: that it changed, never the value.
REDACTED = "‹encrypted›"
# What it keeps of a field a model names in `personal_fields` (a name, a date of birth, an
# address): the trail is never erased, so it holds nothing retention must be able to erase.
WITHHELD = "***"


def _masked(value: Any, mark: str) -> Any:
    return [mark if v not in (None, "", [], {}) else v for v in value]


def _redact(obj: models.Model | None, changes: dict[str, Any]) -> dict[str, Any]:
    """Values of fields stored encrypted, or personal, stay out of the (clear-text) trail."""
    if obj is None or not changes:
        return changes
    secret = {f.name for f in obj._meta.concrete_fields if getattr(f, "encrypted_at_rest", False)}
    personal = frozenset(getattr(type(obj), "personal_fields", ()))
    redacted: dict[str, Any] = {}
    for name, value in changes.items():
        mark = REDACTED if name in secret else WITHHELD if name in personal else None
        if mark is None:
            redacted[name] = value
        elif isinstance(value, list | tuple):
            redacted[name] = _masked(value, mark)
        else:
            redacted[name] = mark
    return redacted


def record(
    *,
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | None = None,
    case_id: UUID | None = None,
    changes: dict[str, Any] | None = None,
    actor_label: str = "",
    **context: Any,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    The chain head row is locked for the rest of the transaction, so concurrent writers are
    serialised and the chain never forks; on SQLite the immediate transaction does the same.
    """
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        user = actor if getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            sequence=head.sequence + 1,
            at=timezone.now(),
            actor=user,
            actor_label=actor_label or (user.get_username() if user else ""),
            action=str(action),
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            case_id=case_id,
            changes=_plain(_redact(obj, changes or {})),
            context=_plain(context),
            prev_hash=head.hash,
        )
        event.hash = event_digest(event)
        event.save()
        AuditChainHead.objects.filter(pk=1).update(sequence=event.sequence, hash=event.hash)
        return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_sequence: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_bad_sequence is None


def verify_chain(using: str = "default") -> ChainReport:
    """Walk every event in order; name the first one that is altered, missing or out of turn.
    `using` names another database (a backup being restored)."""
    expected_prev = GENESIS
    expected_sequence = 1
    checked = 0
    for event in AuditEvent.objects.using(using).order_by("sequence").iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                expected_sequence,
                f"event #{expected_sequence} is missing (found #{event.sequence} next)",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                event.sequence,
                f"event #{event.sequence} does not follow its predecessor "
                "(an event before it was removed, inserted or altered)",
            )
        if event_digest(event) != event.hash:
            return ChainReport(checked, event.sequence, f"event #{event.sequence} was altered")
        expected_prev = event.hash
        expected_sequence += 1
        checked += 1
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    if head is not None and head.sequence != checked:
        return ChainReport(
            checked,
            checked + 1 if head.sequence > checked else head.sequence,
            f"the chain head names event #{head.sequence} but {checked} events are stored",
        )
    return ChainReport(checked)
