"""What `reports` writes: the audit events of the exports, documents and data-subject bundles it
produces, and the network statistics peers send it (aggregates only). It changes no record of a
child."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.models import Case
from kinlink.cases.policies import can_export_subject_bundle
from kinlink.reports import bundle


@transaction.atomic
def export_record(
    *,
    actor: User,
    kind: str,
    fmt: str,
    rows: int,
    filters: dict[str, str],
    content: bytes,
    deidentified: bool,
) -> None:
    """An export leaves the node on someone's laptop: who took what, how much, and the
    fingerprint of the exact file (no content)."""
    record(
        actor=actor,
        action=AuditAction.EXPORT,
        export=kind,
        format=fmt,
        rows=rows,
        filters=filters,
        deidentified=deidentified,
        sha256=hashlib.sha256(content).hexdigest(),
    )


@transaction.atomic
def document_record(
    *,
    actor: User,
    case: Case,
    kind: str,
    language: str,
    redactions: list[str],
    content: bytes,
) -> None:
    """A document about a child was produced: which one, in which language, what was left out."""
    record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=case,
        case_id=case.pk,
        document=kind,
        language=language,
        left_out=sorted(redactions),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@transaction.atomic
def subject_bundle_export(*, actor: User, case: Case) -> bytes:
    """Everything held about the child, in one ZIP, on a data-subject request (`bundle`).
    One export event: who took it, how many files, the file's fingerprint; no name."""
    if not can_export_subject_bundle(actor, case):
        raise PermissionDenied
    content, files = bundle.build(case)
    record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=case,
        case_id=case.pk,
        export="subject_bundle",
        format="zip",
        files=files,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return content
