"""The data-subject bundle: everything the node holds about one child, in one ZIP file.

- `records.json`: the case, the people linked to it, every row of every table that holds the
  case's rows (`cases.holdings`, the same walk retention erases by), narratives in clear, and
  the audit events about the case;
- `files/…`: each stored file (attachments of cross-border messages) as it was received;
- `README.txt`: what the bundle is, and every other file with its size and SHA-256.

Read-only: `services.subject_bundle_export` checks the policy and audits the export.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.audit.models import AuditEvent
from kinlink.cases.holdings import case_people, holdings
from kinlink.cases.models import Case

SAFE_NAME = re.compile(r"[^\w.-]+")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _file_name(obj: models.Model, field: models.Field[Any, Any]) -> str:
    stored = str(getattr(obj, "name", "") or field.name)
    safe = SAFE_NAME.sub("_", stored.rsplit("/", 1)[-1]).strip("._")[:80] or field.name
    return f"files/{obj.pk}-{safe}"


def _row(obj: models.Model, files: dict[str, bytes]) -> dict[str, Any]:
    """Every stored value of a row; a file's bytes go to `files` and its path stays here."""
    row: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if isinstance(f, models.BinaryField) and value is not None:
            path = _file_name(obj, f)
            files[path] = bytes(value)
            value = path
        row[f.attname] = _plain(value)
    return row


def _audit(case: Case) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(case_id=case.pk).order_by("sequence")
    return [
        {
            "sequence": e.sequence,
            "at": e.at.isoformat(),
            "actor": e.actor_label,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "changes": e.changes,
            "context": e.context,
            "hash": e.hash,
        }
        for e in events.iterator()
    ]


def _readme(case: Case, listed: dict[str, bytes]) -> bytes:
    lines = [
        _("Everything this node holds about the child of case %(reference)s.")
        % {"reference": case.reference},
        _("Made on %(when)s.") % {"when": timezone.now().isoformat(timespec="seconds")},
        "",
        _("records.json: every record of the case, by table, and the audit events about it."),
        _("files/: the documents stored with the case, as they were received."),
        "",
        _("Files (SHA-256, size in bytes, name):"),
    ]
    lines += [
        f"{hashlib.sha256(content).hexdigest()}  {len(content)}  {name}"
        for name, content in sorted(listed.items())
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build(case: Case) -> tuple[bytes, int]:
    """The ZIP file's bytes, and how many files it holds."""
    files: dict[str, bytes] = {}
    tables: dict[str, list[dict[str, Any]]] = {}
    for holding in holdings():
        rows = [_row(obj, files) for obj in holding.rows(case).order_by("pk")]
        if rows:
            tables[holding.label] = rows
    records = {
        "case": _row(case, files),
        "people": [_row(person, files) for person in case_people(case).order_by("pk")],
        "tables": dict(sorted(tables.items())),
        "audit_events": _audit(case),
    }
    listed = {
        "records.json": json.dumps(records, ensure_ascii=False, indent=2, sort_keys=True).encode(),
        **files,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(case, listed))
        for name, content in listed.items():
            archive.writestr(name, content)
    return buffer.getvalue(), len(listed) + 1
