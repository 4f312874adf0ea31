"""Network statistics: each node sends de-identified aggregates to the network's designated
node, which shows them side by side and added up (ADR 0016).

- Sending (`statistics_send`, the worker's daily job `jobs.send_network_statistics`): the
  node's tables (`indicators.network_tables`) for the previous and the current calendar month,
  small cells suppressed, in one envelope of kind `statistics` to the peer named in the node
  settings (`NodeSettings.network_statistics_peer`). Counts only: no consent is needed and
  none is checked, since no child can be told apart in them.
- Receiving (`statistics_received`, an inbox handler): the body is checked against a closed
  vocabulary — known keys, known categories, and counts of at least the small-cell threshold
  or null — and refused otherwise (typed, audited by the inbox, nothing kept); accepted
  tables replace the peer's earlier copy of the same month.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import Case, CaseType, Sex, Solution, Stage
from kinlink.cases.selectors import SMALL_CELL
from kinlink.core.models import NodeSettings
from kinlink.directory.reference import country_name
from kinlink.exchange.envelopes import Opened, RefusalCode, Refused
from kinlink.exchange.inbox import handles
from kinlink.exchange.models import OutboundEnvelope, Peer
from kinlink.exchange.outbox import enqueue
from kinlink.reports.indicators import (
    AGE_BANDS,
    NETWORK_TABLES,
    UNKNOWN,
    Indicator,
    Period,
    Result,
    Row,
    network_tables,
    vocabulary,
)
from kinlink.reports.models import ReceivedStatistics

logger = logging.getLogger(__name__)

KIND = "statistics"
FORMAT = 1
MAX_PERIODS = 13
# Every statistics envelope of one sender belongs to one conversation.
NAMESPACE = uuid.UUID("6f0b4c52-8d1e-4a43-9a57-3c2b8e1f0d11")


class StatisticsRefusal(models.TextChoices):
    """Why a node refused a statistics message (the audit event's `detail`)."""

    SMALL_CELL = "small_cell", _("A count under the small-cell threshold")
    IDENTIFYING_FIELD = "identifying_field", _("A field that statistics do not carry")
    UNKNOWN_CATEGORY = "unknown_category", _("A category outside the table's list")
    MALFORMED = "malformed", _("Not a statistics message")


def _refuse(reason: StatisticsRefusal, where: str = "") -> Refused:
    # The detail names the rule and the table, never a key or a value that was sent.
    return Refused(RefusalCode.REFUSED_BY_RULE, f"statistics:{reason.value}{where}")


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period(start, following - timedelta(days=1))


def months_to_send(today: date) -> list[Period]:
    """The previous month, complete, and the current month up to today."""
    current = month_of(today)
    previous = month_of(current.start - timedelta(days=1))
    return [previous, Period(current.start, today)]


def statistics_body(today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    cases = Case.objects.all()
    return {
        "format": FORMAT,
        "periods": [
            {
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "tables": network_tables(cases, p),
            }
            for p in months_to_send(today)
        ],
    }


@transaction.atomic
def statistics_send(*, today: date | None = None) -> OutboundEnvelope | None:
    """Put this node's statistics in the outbox for the network node, if one is named."""
    node_id = NodeSettings.current().network_statistics_peer
    if not node_id:
        return None
    peer = Peer.active(node_id)
    if peer is None:
        logger.warning("network statistics not sent: the network node is not an active peer")
        return None
    return enqueue(
        peer=peer,
        kind=KIND,
        conversation=uuid.uuid5(NAMESPACE, settings.KINLINK_NODE_ID),
        body=statistics_body(today),
    )


def _check_period(period: Any) -> tuple[date, date, dict[str, dict[str, int | None]]]:
    if not isinstance(period, dict):
        raise _refuse(StatisticsRefusal.MALFORMED)
    if set(period) - {"start", "end", "tables"}:
        raise _refuse(StatisticsRefusal.IDENTIFYING_FIELD)
    try:
        start = date.fromisoformat(str(period["start"]))
        end = date.fromisoformat(str(period["end"]))
    except (KeyError, ValueError) as error:
        raise _refuse(StatisticsRefusal.MALFORMED) from error
    if end < start or (start.day != 1) or month_of(start).end < end:
        raise _refuse(StatisticsRefusal.MALFORMED, ":period")
    tables = period.get("tables")
    if not isinstance(tables, dict):
        raise _refuse(StatisticsRefusal.MALFORMED)
    if set(tables) - set(NETWORK_TABLES):
        raise _refuse(StatisticsRefusal.IDENTIFYING_FIELD)
    checked: dict[str, dict[str, int | None]] = {}
    for name, cells in tables.items():
        if not isinstance(cells, dict):
            raise _refuse(StatisticsRefusal.MALFORMED, f":{name}")
        allowed = vocabulary(name)
        for key, count in cells.items():
            if not allowed(str(key)):
                raise _refuse(StatisticsRefusal.UNKNOWN_CATEGORY, f":{name}")
            if count is None:
                continue
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise _refuse(StatisticsRefusal.MALFORMED, f":{name}")
            if 0 < count < SMALL_CELL:
                raise _refuse(StatisticsRefusal.SMALL_CELL, f":{name}")
        checked[name] = dict(cells)
    return start, end, checked


def check_body(body: dict[str, Any]) -> list[tuple[date, date, dict[str, Any]]]:
    """The periods of a statistics message, or `Refused` naming the rule it breaks."""
    if set(body) - {"format", "periods"}:
        raise _refuse(StatisticsRefusal.IDENTIFYING_FIELD)
    periods = body.get("periods")
    if body.get("format") != FORMAT or not isinstance(periods, list):
        raise _refuse(StatisticsRefusal.MALFORMED)
    if not 0 < len(periods) <= MAX_PERIODS:
        raise _refuse(StatisticsRefusal.MALFORMED)
    return [_check_period(p) for p in periods]


@handles(KIND)
def statistics_received(opened: Opened, peer: Peer) -> None:
    """Keep a peer's tables, each month replacing the copy received before."""
    for start, end, tables in check_body(opened.body):
        ReceivedStatistics.objects.update_or_create(
            peer=peer,
            period_start=start,
            defaults={
                "period_end": end,
                "tables": tables,
                "message_id": opened.message_id,
                "received_at": timezone.now(),
            },
        )


# --- the network dashboard -------------------------------------------------------------------

TABLE_TITLES = {
    "registered_by_type": _("Children registered, by case type"),
    "registered_by_nationality": _("Children registered, by nationality"),
    "registered_by_sex": _("Children registered, by sex"),
    "registered_by_age_band": _("Children registered, by age at referral"),
    "open_by_step": _("Open cases, by step"),
    "open_by_type": _("Open cases, by case type"),
    "solutions": _("Solutions decided, by type"),
}


def _category_label(table: str, key: str) -> str:
    for suffix, enum in (
        ("_by_type", CaseType),
        ("_by_sex", Sex),
        ("_by_step", Stage),
        ("solutions", Solution),
    ):
        if table.endswith(suffix) and key in enum.values:
            return str(enum(key).label)
    if key == UNKNOWN:
        return str(_("Not recorded"))
    if key == "stateless":
        return str(_("Stateless"))
    if table.endswith("_by_age_band") and key in AGE_BANDS:
        return str(_("%(band)s years") % {"band": key})
    return country_name(key)


def _table_result(name: str, cells: dict[str, int | None]) -> Result:
    indicator = Indicator(name, TABLE_TITLES[name], TABLE_TITLES[name], _("—"), _("—"))
    rows = tuple(
        Row(key, _category_label(name, key), value)
        for key, value in sorted(cells.items(), key=lambda kv: -(kv[1] or 0))
    )
    return Result(indicator, rows=rows)


def network_totals(contributions: list[dict[str, dict[str, int | None]]]) -> dict[str, Any]:
    """Each table added up over the nodes: a category's total counts the published cells;
    `partial` names the categories some node suppressed (their true total is higher)."""
    totals: dict[str, dict[str, int]] = {}
    partial: dict[str, set[str]] = {}
    for tables in contributions:
        for name, cells in tables.items():
            for key, value in cells.items():
                totals.setdefault(name, {}).setdefault(key, 0)
                if value is None:
                    partial.setdefault(name, set()).add(key)
                else:
                    totals[name][key] += value
    return {"totals": totals, "partial": partial}


class NetworkPeriodForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput({"type": "month"}),
    )

    def clean_month(self) -> str:
        value = self.cleaned_data.get("month") or ""
        if value and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise forms.ValidationError(_("Give a month as year and month, e.g. 2026-11."))
        return value

    def period(self) -> Period:
        value = self.cleaned_data.get("month")
        if not value:
            return month_of(timezone.localdate())
        return month_of(date.fromisoformat(f"{value}-01"))


def dashboard(month: Period) -> dict[str, Any]:
    """This node's own tables for the month and every peer's last copy, added up."""
    own = network_tables(Case.objects.all(), month)
    received = list(
        ReceivedStatistics.objects.filter(period_start=month.start).select_related("peer")
    )
    contributions = [own, *(r.tables for r in received)]
    summed = network_totals(contributions)
    results = []
    for name in NETWORK_TABLES:
        cells = summed["totals"].get(name, {})
        result = _table_result(name, {k: v for k, v in cells.items()})
        hidden = summed["partial"].get(name, set())
        results.append({"result": result, "partial": sorted(hidden)})
    return {
        "month": month,
        "results": results,
        "nodes": [{"name": str(_("This node")), "at": timezone.now()}]
        + [{"name": r.peer.name, "at": r.received_at} for r in received],
        "network_peer": NodeSettings.current().network_statistics_peer,
    }
