"""Re-encrypting everything stored encrypted with a new data key (`kinlink keys rotate-data`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db import connection, transaction

from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.core import crypto
from kinlink.core.fields import EncryptedBinaryField, encrypted_fields


@dataclass(frozen=True)
class RotationReport:
    new_kid: str
    values: int
    left_on_old_keys: int
    pruned: int


def _raw_values(model: type, name: str) -> list[object]:
    """The stored bytes of one column, as the database holds them (no decryption)."""
    field = model._meta.get_field(name)  # type: ignore[attr-defined]
    table = connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]
    column = connection.ops.quote_name(field.column)
    with connection.cursor() as cursor:
        # Identifiers come from the model's own metadata, quoted by the backend.
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608  # nosec B608
        return [row[0] for row in cursor.fetchall()]


def values_not_on(kid: str) -> int:
    """How many stored non-empty encrypted values are not encrypted with data key `kid`
    (older keys, or plaintext written before encryption)."""
    count = 0
    for model, names in encrypted_fields():
        for name in names:
            binary = isinstance(model._meta.get_field(name), EncryptedBinaryField)
            for raw in _raw_values(model, name):
                if raw is None or raw == "" or raw == b"":
                    continue
                if binary:
                    found = crypto.bytes_kid(bytes(cast(bytes, raw)))
                else:
                    found = crypto.text_kid(str(raw))
                count += found != kid
    return count


def rotate_data_keys(*, prune: bool = True) -> RotationReport:
    """Make a new data key, re-encrypt every encrypted value with it, and, once no value is left
    on an older key, forget the older keys. Audited (no value is logged)."""
    fresh = crypto.rotate()
    written = 0
    for model, names in encrypted_fields():
        manager = model._default_manager
        with transaction.atomic():
            for obj in manager.select_for_update().only("pk", *names).iterator(chunk_size=500):
                # Read in clear, written back: the field encrypts with the active (new) key.
                manager.filter(pk=obj.pk).update(**{n: getattr(obj, n) for n in names})
                written += 1
    left = values_not_on(fresh.kid)
    pruned = crypto.prune_retired() if prune and left == 0 else 0
    with transaction.atomic():
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.UPDATE,
            data_keys="rotated",
            new_key=fresh.kid,
            rows=written,
            left_on_old_keys=left,
            pruned=pruned,
        )
    return RotationReport(fresh.kid, written, left, pruned)
