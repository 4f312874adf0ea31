"""What `reports` stores: the aggregates peer nodes report to this node (no personal data)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kinlink.core.models import BaseModel


class ReceivedStatistics(BaseModel):
    """One peer's de-identified tables for one period (a calendar month), as last received.

    A node re-sends a month while it runs and once after it ends; the latest replaces the
    earlier copy. Every cell is a count of at least the small-cell threshold, or null
    (suppressed): the inbox refused anything else (`reports.network`)."""

    peer = models.ForeignKey("exchange.Peer", on_delete=models.PROTECT, related_name="statistics")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    tables = models.JSONField(default=dict)
    message_id = models.UUIDField()
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("network statistics")
        verbose_name_plural = _("network statistics")
        ordering = ["-period_start", "peer__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "period_start"], name="statistics_one_per_peer_and_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.peer} · {self.period_start:%Y-%m}"
