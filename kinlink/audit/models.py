"""The audit trail: append-only events, chained by hash so that tampering is detectable."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Removed")
    EXPORT = "export", _("Exported")
    SEARCH = "search", _("Searched")
    BREAK_GLASS = "break_glass", _("Emergency access")
    ASSIGN = "assign", _("Assigned")
    SEND = "send", _("Sent to another node")
    RECEIVE = "receive", _("Received from another node")
    REFUSE = "refuse", _("Refused from another node")
    MFA_VERIFIED = "mfa_verified", _("Second factor checked")
    MFA_FAILED = "mfa_failed", _("Wrong second factor")
    MFA_CHANGED = "mfa_changed", _("Second factor changed")
    REAUTH = "reauth", _("Identity confirmed again")
    REAUTH_FAILED = "reauth_failed", _("Identity not confirmed")
    APPROVE = "approve", _("Approved")
    BACKUP = "backup", _("Backup made")
    RESTORE = "restore", _("Backup restored")
    RESTORE_REFUSED = "restore_refused", _("Restore refused")
    CHECKPOINT = "checkpoint", _("Audit checkpoint")
    ANONYMISE = "anonymise", _("Anonymised")
    API_CALL = "api_call", _("Called the API")
    IMPORT = "import", _("Imported")


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("audit events are append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """One thing that happened: who, when, what, to which record, which fields changed.

    `sequence` numbers events without gaps; `hash` covers this event's content and the
    previous event's hash. Editing, removing or inserting a stored event breaks the chain,
    which `kinlink audit verify` reports. Rows are written only by `audit.services.record`.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept apart from the foreign key so the trail still reads after a user is renamed.
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The case a row belongs to, so a case's history is one indexed query.
    case_id = models.UUIDField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["case_id", "sequence"], name="audit_case_seq")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("audit events are append-only")


class AuditChainHead(models.Model):
    """The last event's sequence and hash (one row): the lock writers queue on."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"head #{self.sequence}"


class SentCheckpoint(models.Model):
    """This node's chain head as it stood, signed with the node's key and sent to its witness.

    Kept so an administrator can see what was sent and when; the proof is the witness's copy,
    since a node's own rows are what a rewrite would change."""

    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    signed = models.TextField()
    witness = models.CharField(max_length=64)
    sent_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence} to {self.witness}"


class HeldCheckpoint(models.Model):
    """A peer's signed chain head, held here as its witness.

    `conflict` marks a checkpoint that cannot follow the ones held before it (a shorter chain,
    or another hash for a sequence already seen): the peer's history was rewritten."""

    peer = models.ForeignKey("exchange.Peer", on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signed = models.TextField()
    received_at = models.DateTimeField()
    message_id = models.UUIDField(unique=True)
    conflict = models.BooleanField(default=False)

    class Meta:
        ordering = ["peer", "sequence", "received_at"]
        indexes = [models.Index(fields=["peer", "sequence"], name="held_checkpoint_peer_seq")]

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence} of peer {self.peer_id}"
