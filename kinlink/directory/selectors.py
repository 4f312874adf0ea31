"""Reads of the directory, each starting from the policy (every signed-in user reads it).

`framework_between` (in `framework`) is re-exported here: other apps call it from here or from
`kinlink.directory.framework`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anyascii import anyascii
from django.db.models import QuerySet

from kinlink.audit.models import AuditEvent
from kinlink.directory.framework import Framework, framework_between
from kinlink.directory.models import (
    Agency,
    AgencyKind,
    Country,
    Instrument,
    InstrumentCoverage,
    LegalNote,
    TreatyStatus,
)
from kinlink.directory.policies import require_read
from kinlink.directory.reference import country_name

__all__ = ["Framework", "framework_between"]

HEADLINE = (Instrument.HC1996, Instrument.HC1980, Instrument.EU)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, so "cote" finds "Côte d'Ivoire" and "مغرب" works."""
    return anyascii(text).lower()


@dataclass(frozen=True)
class CountryRow:
    code: str
    name: str
    statuses: dict[str, TreatyStatus]


def country_rows(*, user: Any, q: str = "") -> list[CountryRow]:
    """Countries of the directory in the reader's language, filtered by name or code."""
    require_read(user)
    codes = list(Country.objects.values_list("code", flat=True))
    statuses: dict[str, dict[str, TreatyStatus]] = {}
    for status in TreatyStatus.objects.filter(instrument__in=HEADLINE).select_related("country"):
        statuses.setdefault(status.country.code, {})[status.instrument] = status
    needle = _fold(q.strip())
    rows = []
    for code in codes:
        name = country_name(code)
        if needle and needle not in _fold(name) and needle != code.lower():
            continue
        rows.append(CountryRow(code, name, statuses.get(code, {})))
    return sorted(rows, key=lambda r: _fold(r.name))


@dataclass
class CountrySheet:
    country: Country
    name: str
    statuses: list[TreatyStatus]
    missing: list[tuple[str, str, bool]]  # instrument, label, list complete?
    central_authorities: list[Agency]
    agencies: list[Agency]
    notes: list[LegalNote]


def country_sheet(*, user: Any, country: Country) -> CountrySheet:
    require_read(user)
    statuses = list(country.statuses.all())
    have = {s.instrument for s in statuses}
    complete = set(
        InstrumentCoverage.objects.filter(parties_complete=True).values_list(
            "instrument", flat=True
        )
    )
    order = list(Instrument.values)
    statuses.sort(key=lambda s: order.index(s.instrument))
    agencies = list(Agency.objects.filter(country=country.code).order_by("kind", "name"))
    return CountrySheet(
        country=country,
        name=country_name(country.code),
        statuses=statuses,
        missing=[
            (code, str(Instrument(code).label), code in complete)
            for code in order
            if code not in have
        ],
        central_authorities=[a for a in agencies if a.kind == AgencyKind.CENTRAL_AUTHORITY],
        agencies=[a for a in agencies if a.kind != AgencyKind.CENTRAL_AUTHORITY],
        notes=list(country.legal_notes.order_by("topic", "title")),
    )


def agency_list(
    *,
    user: Any,
    q: str = "",
    country: str = "",
    kind: str = "",
    service: str = "",
    language: str = "",
) -> list[Agency]:
    """Agencies, filtered; services and languages are filtered in Python (JSON lists)."""
    require_read(user)
    agencies: QuerySet[Agency] = Agency.objects.order_by("country", "name")
    if country:
        agencies = agencies.filter(country=country)
    if kind:
        agencies = agencies.filter(kind=kind)
    rows = list(agencies[:2000])
    needle = _fold(q.strip())
    return [
        a
        for a in rows
        if (not needle or needle in _fold(a.name) or needle == a.code)
        and (not service or service in (a.services or []))
        and (not language or language in (a.languages or []))
    ]


def record_history(*, user: Any, obj: Any) -> list[AuditEvent]:
    """Who changed a directory record, when and how (reference data: no personal data)."""
    require_read(user)
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("-sequence")[:50]
    )
