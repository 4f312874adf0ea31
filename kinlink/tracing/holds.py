"""What tracing holds past a case's retention period (imported from TracingConfig.ready)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import Case
from kinlink.cases.retention import retention_hold
from kinlink.tracing.models import RequestStatus, TracingRequest

ENDED = (RequestStatus.REUNIFIED, RequestStatus.CLOSED_NOT_FOUND)


@retention_hold("open_tracing", _("an open tracing request"))
def open_tracing_requests(cases: QuerySet[Case]) -> QuerySet[Case]:
    """A family still searching for the child keeps the case that answers them."""
    live = TracingRequest.objects.exclude(status__in=ENDED).filter(case_id__isnull=False)
    return cases.filter(pk__in=live.values("case_id"))
