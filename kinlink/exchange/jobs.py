"""Periodic jobs of the exchange, run by `kinlink worker`.

`deliver_outbox` posts what is due in the outbox (every two seconds). `refresh_request_deadlines`
flags requests whose reply date passed without a reply and tells whoever handles them once, and
reminds them three days before the date — on each side, from the dates both sides hold.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_tasks import task

from kinlink.accounts.models import NotificationKind
from kinlink.accounts.services import notification_send
from kinlink.exchange import outbox
from kinlink.exchange.models import CrossBorderRequest, Direction, RequestStatus

REMIND_BEFORE = timedelta(days=3)
# Waiting for the other side's reply: on the sending side until it comes, on the receiving
# side until it is sent.
WAITING = {
    Direction.OUTGOING: [RequestStatus.SENT, RequestStatus.ACKNOWLEDGED, RequestStatus.IN_PROGRESS],
    Direction.INCOMING: [RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS],
}


@task()
def deliver_outbox() -> int:
    return outbox.deliver_due()


def _handlers(request: CrossBorderRequest) -> list[object]:
    people = [u for u in (request.assigned_to, request.created_by) if u is not None]
    return list({u.pk: u for u in people}.values())


@task()
def refresh_request_deadlines() -> dict[str, int]:
    today = timezone.localdate()
    counts = {"overdue": 0, "reminded": 0}
    for direction, statuses in WAITING.items():
        waiting = CrossBorderRequest.objects.filter(direction=direction, status__in=statuses)
        for request in waiting.filter(due_on__lt=today, overdue=False).select_related("peer"):
            with transaction.atomic():
                if CrossBorderRequest.objects.filter(pk=request.pk, overdue=False).update(
                    overdue=True
                ):
                    notification_send(
                        recipients=_handlers(request),  # type: ignore[arg-type]
                        kind=NotificationKind.REQUEST_DUE,
                        link=reverse("exchange:request_detail", args=[request.pk]),
                        reference=request.reference,
                        peer=request.peer.name,
                        date=date_format(request.due_on, "SHORT_DATE_FORMAT"),
                    )
                    counts["overdue"] += 1
        soon = waiting.filter(
            due_on__gte=today, due_on__lte=today + REMIND_BEFORE, reminded_at__isnull=True
        ).select_related("peer")
        for request in soon:
            with transaction.atomic():
                if CrossBorderRequest.objects.filter(
                    pk=request.pk, reminded_at__isnull=True
                ).update(reminded_at=timezone.now()):
                    notification_send(
                        recipients=_handlers(request),  # type: ignore[arg-type]
                        kind=NotificationKind.REQUEST_DUE,
                        link=reverse("exchange:request_detail", args=[request.pk]),
                        reference=request.reference,
                        peer=request.peer.name,
                        date=date_format(request.due_on, "SHORT_DATE_FORMAT"),
                    )
                    counts["reminded"] += 1
    # A reply (or an end) clears the overdue flag.
    CrossBorderRequest.objects.filter(overdue=True).exclude(
        status__in=[*WAITING[Direction.OUTGOING], *WAITING[Direction.INCOMING]]
    ).update(overdue=False)
    return counts
