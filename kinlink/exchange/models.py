"""Peers, the outbox and inbox of envelopes, and the cross-border requests they carry.

The two agencies keep separate, linked records of one request (`conversation` is shared; each
node keeps its own row, `direction` telling which side it is). Envelopes are the transport:
an `OutboundEnvelope` is written in the same transaction as the change it carries, and an
`InboundEnvelope` in the same transaction as the effect it had, so that nothing is lost and
nothing applied twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kinlink.core.fields import EncryptedBinaryField, EncryptedJSONField, EncryptedTextField
from kinlink.core.models import BaseModel, VersionedModel
from kinlink.exchange.envelopes import RefusalCode


class PeerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the fingerprint check")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Peer(VersionedModel):
    """Another Kinlink node this node exchanges envelopes with.

    Registered from its published node document; envelopes flow only once an administrator
    has confirmed, out of band, that the signing key's fingerprint is the peer's (`ACTIVE`).
    `keys` are the public keys trusted for it; a rotation endorsed by a trusted key replaces
    them (`services.peer_refresh_keys`).
    """

    node_id = models.CharField(_("node id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    agency = models.ForeignKey(
        "directory.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="peers",
        verbose_name=_("agency in the directory"),
    )
    country = models.CharField(_("country"), max_length=2)
    is_state_authority = models.BooleanField(
        _("state authority"),
        default=False,
        help_text=_("A central authority, ministry or consulate rather than a social agency."),
    )
    base_url = models.URLField(_("address"), max_length=300)
    inbox_url = models.URLField(max_length=300)
    keys = models.JSONField(default=list)
    fingerprint = models.CharField(_("fingerprint"), max_length=80)
    status = models.CharField(
        _("status"), max_length=10, choices=PeerStatus.choices, default=PeerStatus.PENDING
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    keys_refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("peer node")
        verbose_name_plural = _("peer nodes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def active(cls, node_id: str) -> Peer | None:
        """The registered peer of that node id, if envelopes flow with it now."""
        return cls.objects.filter(node_id=node_id, status=PeerStatus.ACTIVE).first()

    def signing_key(self, kid: str) -> dict[str, object] | None:
        return next((k for k in self.keys if k.get("kid") == kid and k.get("use") == "sig"), None)

    def encryption_key(self) -> dict[str, object]:
        """The peer's newest active encryption key: envelopes are sealed to it."""
        active = [k for k in self.keys if k.get("use") == "enc" and k.get("status") == "active"]
        if not active:
            raise LookupError(self.node_id)
        return active[-1]


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for delivery")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Not deliverable")


class OutboundEnvelope(BaseModel):
    """A sealed envelope in the outbox, delivered by the worker until a valid signed receipt
    comes back (`DELIVERED`), or given up (`DEAD`, with the reason) for an administrator to
    retry. Envelopes to one peer go in the order they were written."""

    message_id = models.UUIDField(unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    kind = models.CharField(max_length=20)
    conversation = models.UUIDField(db_index=True)
    token = models.BinaryField()
    digest = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When it entered the queue (again, after a retry): the give-up clock starts here.
    queued_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    receipt = models.TextField(blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["peer", "status", "created_at"], name="outbox_peer_queue"),
        ]

    def __str__(self) -> str:
        return str(self.message_id)


class InboundStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")


class InboundEnvelope(BaseModel):
    """An envelope this node received from a registered peer, stored with its effect in one
    transaction: its message id is never applied twice; a repeat gets the original receipt
    (or the original refusal)."""

    message_id = models.UUIDField(unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbox")
    kind = models.CharField(max_length=20)
    conversation = models.UUIDField(db_index=True)
    digest = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=InboundStatus.choices)
    refusal = models.CharField(max_length=20, choices=RefusalCode.choices, blank=True)
    receipt = models.TextField(blank=True)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.message_id)


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Sent by this agency")
    INCOMING = "incoming", _("Received from abroad")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Received by the partner")
    RECEIVED = "received", _("New, not yet accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = frozenset(
    {
        RequestStatus.SENT,
        RequestStatus.ACKNOWLEDGED,
        RequestStatus.RECEIVED,
        RequestStatus.IN_PROGRESS,
    }
)
ENDED_STATUSES = frozenset({RequestStatus.CLOSED, RequestStatus.DECLINED, RequestStatus.WITHDRAWN})


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class CrossBorderRequest(VersionedModel):
    """One request between two agencies, as this node holds it.

    Outgoing: drafted on a case, approved by a supervisor, sent; its payload is frozen when it
    is submitted, so what the supervisor approves is exactly what leaves. Incoming: received
    into the agency's inbox; accepting it links it to a case here (`case`). The reply and the
    thread (`RequestMessage`) are on both sides.
    """

    conversation = models.UUIDField()
    reference = models.CharField(_("reference"), max_length=40)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    request_type = models.CharField(_("type"), max_length=30)
    agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="cross_border_requests"
    )
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="requests")
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cross_border_requests",
    )
    status = models.CharField(_("status"), max_length=15, choices=RequestStatus.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    questions = EncryptedTextField(_("what is asked"), max_length=4000, blank=True)
    due_on = models.DateField(_("reply wanted by"))
    fields = models.JSONField(_("data sent"), default=list, blank=True)
    payload = EncryptedJSONField(default=dict, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=30, blank=True)
    legal_basis_note = EncryptedTextField(_("legal basis explained"), max_length=2000, blank=True)
    danger_checked = models.BooleanField(
        _("sending this endangers neither the child nor the family (Art. 37)"), default=False
    )
    origin_override_reason = EncryptedTextField(
        _("why the authorities of the country of origin are contacted"),
        max_length=2000,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cross_border_requests",
        verbose_name=_("handled by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reply = EncryptedJSONField(default=dict, blank=True)
    end_reason = EncryptedTextField(max_length=2000, blank=True)
    remote_case_reference = models.CharField(max_length=40, blank=True)
    overdue = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cross-border request")
        verbose_name_plural = _("cross-border requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "direction"], name="request_one_row_per_side"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "direction", "status"], name="request_inbox"),
            models.Index(fields=["status", "due_on"], name="request_due"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in ENDED_STATUSES


class MessageKind(models.TextChoices):
    REQUEST = "request", _("Request")
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")
    MESSAGE = "message", _("Message")
    REPLY = "reply", _("Reply")
    WITHDRAW = "withdraw", _("Withdrawn")
    CLOSE = "close", _("Closed")


class RequestMessage(BaseModel):
    """One entry of a request's thread, on this side: what was said, by whom, and — when it
    left this node — whether its envelope was delivered."""

    request = models.ForeignKey(
        CrossBorderRequest, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    text = EncryptedTextField(max_length=8000, blank=True)
    data = EncryptedJSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)
    message_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.request} · {self.kind}"


class Attachment(BaseModel):
    """A document carried inside an envelope (encrypted with it), kept with its message."""

    message = models.ForeignKey(
        RequestMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = EncryptedBinaryField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name
