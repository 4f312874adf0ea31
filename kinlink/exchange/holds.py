"""What the exchange holds past a case's retention period (imported from ExchangeConfig.ready)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import Case
from kinlink.cases.retention import retention_hold
from kinlink.exchange.models import ENDED_STATUSES, CrossBorderRequest


@retention_hold("open_request", _("an open cross-border request"))
def open_requests(cases: QuerySet[Case]) -> QuerySet[Case]:
    """A request not yet closed, declined or withdrawn: the partner abroad still works on it,
    and its thread must still land in the case."""
    live = CrossBorderRequest.objects.exclude(status__in=ENDED_STATUSES).filter(
        case_id__isnull=False
    )
    return cases.filter(pk__in=live.values("case_id"))
