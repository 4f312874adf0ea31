"""Writing directory files: this node's directory as the JSON document another node imports,
one row per line, in the layout of the shipped file (see `interchange` for the format)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from kinlink.directory.interchange import (
    AGENCY_ROW,
    COUNTRY_ROW,
    COVERAGE_ROW,
    FORMAT,
    NOTE_ROW,
    STATUS_ROW,
)
from kinlink.directory.models import Agency, Country, InstrumentCoverage, LegalNote, TreatyStatus


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _row(pairs: dict[str, Any]) -> str:
    return json.dumps(
        {k: _plain(v) for k, v in pairs.items() if v not in ("", None, [])},
        ensure_ascii=False,
        separators=(", ", ": "),
    )


def _section(name: str, rows: list[str]) -> str:
    if not rows:
        return f'  "{name}": []'
    body = ",\n".join(f"    {row}" for row in rows)
    return f'  "{name}": [\n{body}\n  ]'


def render(
    *,
    version: str,
    coverage: list[dict[str, Any]],
    countries: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    agencies: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    description: str = "",
) -> str:
    """A directory file, one row per line (the layout the shipped file keeps)."""
    head = [
        f'  "format": {json.dumps(FORMAT)}',
        f'  "version": {json.dumps(version)}',
    ]
    if description:
        head.append(f'  "description": {json.dumps(description, ensure_ascii=False)}')
    sections = [
        _section("instruments", [_row(r) for r in coverage]),
        _section("countries", [_row(r) for r in countries]),
        _section("statuses", [_row(r) for r in statuses]),
        _section("agencies", [_row(r) for r in agencies]),
        _section("legal_notes", [_row(r) for r in notes]),
    ]
    return "{\n" + ",\n".join(head + sections) + "\n}\n"


def export_text(*, version: str) -> str:
    """This node's whole directory as a directory file another node can import."""
    coverage = [
        {"instrument": c.instrument, **{n: getattr(c, n) for n in COVERAGE_ROW}}
        for c in InstrumentCoverage.objects.order_by("instrument")
    ]
    countries = [
        {"code": c.code, **{n: getattr(c, n) for n in COUNTRY_ROW}}
        for c in Country.objects.order_by("code")
    ]
    statuses = [
        {
            "country": s.country.code,
            "instrument": s.instrument,
            **{n: getattr(s, n) for n in STATUS_ROW},
            "verified": s.verified,
        }
        for s in TreatyStatus.objects.select_related("country").order_by(
            "country__code", "instrument"
        )
    ]
    agencies = [
        {n: getattr(a, n) for n in AGENCY_ROW} for a in Agency.objects.order_by("country", "code")
    ]
    notes = [
        {"country": n.country.code, **{f: getattr(n, f) for f in NOTE_ROW}, "verified": n.verified}
        for n in LegalNote.objects.select_related("country").order_by(
            "country__code", "topic", "title"
        )
    ]
    return render(
        version=version,
        coverage=coverage,
        countries=countries,
        statuses=statuses,
        agencies=agencies,
        notes=notes,
    )
