"""Periodic job of the audit trail, run by `kinlink worker`: the daily signed checkpoint."""

from __future__ import annotations

from django_tasks import task

from kinlink.audit.checkpoints import checkpoint_send


@task()
def send_audit_checkpoint() -> bool:
    return checkpoint_send() is not None
