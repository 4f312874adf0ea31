"""Writes on the country directory. Each checks the policy (only the node administrator, or
the operator's set-up command with `actor=None`), validates, changes the row with its version
bumped, and records the audit event, in one transaction. A stale edit raises `StaleEdit`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.core.concurrency import StaleEdit, save_versioned
from kinlink.directory.models import (
    Agency,
    Country,
    InstrumentCoverage,
    LegalNote,
    TreatyStatus,
)
from kinlink.directory.policies import can_edit_directory
from kinlink.directory.validation import (
    check_agency,
    check_country_facts,
    check_note,
    check_source,
    check_status,
    raise_if_invalid,
)

COUNTRY_FIELDS = (
    "age_of_majority",
    "age_of_majority_source",
    "central_authority_name",
    "central_authority_contact",
    "central_authority_source",
)
STATUS_FIELDS = (
    "kind",
    "signed_on",
    "consented_on",
    "in_force_on",
    "ended_on",
    "source_title",
    "source_url",
    "checked_on",
    "verified",
    "note",
)
COVERAGE_FIELDS = (
    "parties_complete",
    "source_title",
    "source_url",
    "checked_on",
    "verified",
    "note",
)
AGENCY_FIELDS = (
    "name",
    "country",
    "code",
    "kind",
    "services",
    "languages",
    "central_authority_for",
    "email",
    "phone",
    "address",
    "website",
    "contact_notes",
    "node_address",
    "node_key_fingerprint",
    "source_title",
    "source_url",
    "checked_on",
)
NOTE_FIELDS = ("topic", "title", "body", "source_title", "source_url", "checked_on", "verified")

M = TypeVar("M", bound=models.Model)


def _require_edit(actor: User | None) -> None:
    if actor is not None and not can_edit_directory(actor):
        raise PermissionDenied


def _label(actor: User | None) -> str:
    return "" if actor is not None else "system"


def _create(
    model: type[M],
    *,
    actor: User | None,
    fields: tuple[str, ...],
    context: dict[str, Any],
    **values: Any,
) -> M:
    obj = model(**values)
    obj.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=obj,
        actor_label=_label(actor),
        changes={name: [None, getattr(obj, name)] for name in fields if name in values},
        **context,
    )
    return obj


def _update(
    obj: M,
    *,
    actor: User | None,
    seen_version: int,
    values: dict[str, Any],
    context: dict[str, Any],
) -> tuple[M, bool]:
    """Write the changed fields if the version is still `seen_version`; (row, changed?)."""
    before = {name: getattr(obj, name) for name in values}
    changes = diff(before, values)
    if not changes:
        manager = type(obj)._default_manager
        if not manager.filter(pk=obj.pk, version=seen_version).exists():
            # Nothing to write, but the form was stale all the same.
            raise StaleEdit(manager.get(pk=obj.pk), seen_version)
        return obj, False
    for name, value in values.items():
        setattr(obj, name, value)
    old_version = seen_version
    save_versioned(obj, seen_version=seen_version, fields=list(values))
    changes["version"] = [old_version, obj.version]  # type: ignore[attr-defined]
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=obj,
        actor_label=_label(actor),
        changes=changes,
        **context,
    )
    return obj, True


# --- countries ----------------------------------------------------------------------------


@transaction.atomic
def country_create(*, actor: User | None, code: str, **facts: Any) -> Country:
    """A country enters the directory once, by its code (ISO 3166-1 alpha-2 or XK)."""
    _require_edit(actor)
    from kinlink.directory.reference import is_country

    if not is_country(code):
        raise_if_invalid({"code": "unknown country code"})
    raise_if_invalid(check_country_facts(facts))
    return _create(
        Country, actor=actor, fields=("code", *COUNTRY_FIELDS), context={}, code=code, **facts
    )


@transaction.atomic
def country_update(
    *, actor: User | None, country: Country, seen_version: int, **facts: Any
) -> Country:
    """The age of majority and the central authority, each with its source."""
    _require_edit(actor)
    current = {name: getattr(country, name) for name in COUNTRY_FIELDS} | facts
    raise_if_invalid(check_country_facts(current))
    return _update(country, actor=actor, seen_version=seen_version, values=facts, context={})[0]


# --- treaty statuses ----------------------------------------------------------------------


@transaction.atomic
def treaty_status_create(
    *, actor: User | None, country: Country, instrument: str, **values: Any
) -> TreatyStatus:
    """A country's status towards an instrument; refused without a source."""
    _require_edit(actor)
    raise_if_invalid(check_status({"instrument": instrument, **values}))
    if TreatyStatus.objects.filter(country=country, instrument=instrument).exists():
        from django.utils.translation import gettext as _

        raise_if_invalid({"instrument": _("This country already has a status for it.")})
    return _create(
        TreatyStatus,
        actor=actor,
        fields=("instrument", *STATUS_FIELDS),
        context={"country": country.code},
        country=country,
        instrument=instrument,
        **values,
    )


@transaction.atomic
def treaty_status_update(
    *, actor: User | None, status: TreatyStatus, seen_version: int, **values: Any
) -> TreatyStatus:
    """Change a status; an edit that would leave it without a source is refused."""
    _require_edit(actor)
    current = {name: getattr(status, name) for name in STATUS_FIELDS} | values
    raise_if_invalid(check_status({"instrument": status.instrument, **current}))
    return _update(
        status,
        actor=actor,
        seen_version=seen_version,
        values=values,
        context={"country": status.country.code},
    )[0]


# --- agencies -----------------------------------------------------------------------------


@transaction.atomic
def agency_create(*, actor: User | None, **values: Any) -> Agency:
    _require_edit(actor)
    raise_if_invalid(check_agency(values) | _agency_unique(values, None))
    return _create(Agency, actor=actor, fields=AGENCY_FIELDS, context={}, **values)


@transaction.atomic
def agency_update(
    *, actor: User | None, agency: Agency, seen_version: int, **values: Any
) -> Agency:
    _require_edit(actor)
    current = {name: getattr(agency, name) for name in AGENCY_FIELDS} | values
    raise_if_invalid(check_agency(current) | _agency_unique(current, agency))
    return _update(agency, actor=actor, seen_version=seen_version, values=values, context={})[0]


def _agency_unique(values: dict[str, Any], agency: Agency | None) -> dict[str, str]:
    from django.utils.translation import gettext as _

    others = Agency.objects.exclude(pk=agency.pk) if agency else Agency.objects.all()
    errors = {}
    if others.filter(code=values.get("code")).exists():
        errors["code"] = _("Another agency has this code.")
    if others.filter(name__iexact=(values.get("name") or "").strip()).exists():
        errors["name"] = _("Another agency has this name.")
    return errors


# --- legal notes --------------------------------------------------------------------------


@transaction.atomic
def legal_note_create(*, actor: User | None, country: Country, **values: Any) -> LegalNote:
    """A law, policy or procedure of a country, with its source and the date checked."""
    _require_edit(actor)
    raise_if_invalid(check_note(values) | _note_unique(country, values, None))
    return _create(
        LegalNote,
        actor=actor,
        fields=NOTE_FIELDS,
        context={"country": country.code},
        country=country,
        **values,
    )


@transaction.atomic
def legal_note_update(
    *, actor: User | None, note: LegalNote, seen_version: int, **values: Any
) -> LegalNote:
    _require_edit(actor)
    current = {name: getattr(note, name) for name in NOTE_FIELDS} | values
    raise_if_invalid(check_note(current) | _note_unique(note.country, current, note))
    return _update(
        note,
        actor=actor,
        seen_version=seen_version,
        values=values,
        context={"country": note.country.code},
    )[0]


def _note_unique(
    country: Country, values: dict[str, Any], note: LegalNote | None
) -> dict[str, str]:
    from django.utils.translation import gettext as _

    others = LegalNote.objects.filter(country=country, topic=values.get("topic"))
    if note is not None:
        others = others.exclude(pk=note.pk)
    if others.filter(title__iexact=(values.get("title") or "").strip()).exists():
        return {"title": _("This country has a note of this title on this topic.")}
    return {}


# --- instrument coverage ------------------------------------------------------------------


def _coverage_save(
    *, actor: User | None, instrument: str, values: dict[str, Any], context: dict[str, Any]
) -> tuple[InstrumentCoverage, str]:
    raise_if_invalid(check_source(values))
    existing = InstrumentCoverage.objects.filter(instrument=instrument).first()
    if existing is None:
        created = _create(
            InstrumentCoverage,
            actor=actor,
            fields=("instrument", *COVERAGE_FIELDS),
            context=context,
            instrument=instrument,
            **values,
        )
        return created, "created"
    _, changed = _update(
        existing, actor=actor, seen_version=existing.version, values=values, context=context
    )
    return existing, "updated" if changed else "unchanged"


# --- import of a directory file -----------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, per kind of record: created, updated, unchanged."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, outcome: str) -> None:
        row = self.counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        row[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(row[outcome] for row in self.counts.values())


@transaction.atomic
def directory_import(*, actor: User | None, text: str, origin: str) -> ImportReport:
    """Import a directory file (see `interchange`): all of it or, at the first bad row found
    among all of them, nothing. Every problem of the file is reported together, each with its
    line (`DirectoryFileRefused`). Rows are matched by their natural keys (country code,
    country and instrument, agency code, country-topic-title of a note) and created or
    updated; records absent from the file are kept."""
    _require_edit(actor)
    from kinlink.directory.interchange import parse_and_validate

    document = parse_and_validate(text)
    import hashlib

    context = {
        "import": origin[:200],
        "import_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    report = ImportReport()
    for code, values in document.coverage.items():
        report.add(
            "instruments",
            _coverage_save(actor=actor, instrument=code, values=values, context=context)[1],
        )
    countries = {c.code: c for c in Country.objects.all()}
    for row in document.countries:
        code = row.pop("code")
        country = countries.get(code)
        if country is None:
            countries[code] = _create(
                Country,
                actor=actor,
                fields=("code", *COUNTRY_FIELDS),
                context=context,
                code=code,
                **row,
            )
            report.add("countries", "created")
        else:
            changed = _update(
                country, actor=actor, seen_version=country.version, values=row, context=context
            )[1]
            report.add("countries", "updated" if changed else "unchanged")
    for code in document.referenced_countries - set(countries):
        countries[code] = _create(
            Country, actor=actor, fields=("code",), context=context, code=code
        )
        report.add("countries", "created")
    statuses = {(s.country_id, s.instrument): s for s in TreatyStatus.objects.all()}
    for row in document.statuses:
        country = countries[row.pop("country")]
        instrument = row.pop("instrument")
        status = statuses.get((country.pk, instrument))
        if status is None:
            _create(
                TreatyStatus,
                actor=actor,
                fields=("instrument", *STATUS_FIELDS),
                context={**context, "country": country.code},
                country=country,
                instrument=instrument,
                **row,
            )
            report.add("statuses", "created")
        else:
            changed = _update(
                status,
                actor=actor,
                seen_version=status.version,
                values=row,
                context={**context, "country": country.code},
            )[1]
            report.add("statuses", "updated" if changed else "unchanged")
    agencies = {a.code: a for a in Agency.objects.all()}
    for row in document.agencies:
        agency = agencies.get(row["code"])
        if agency is None:
            _create(Agency, actor=actor, fields=AGENCY_FIELDS, context=context, **row)
            report.add("agencies", "created")
        else:
            changed = _update(
                agency, actor=actor, seen_version=agency.version, values=row, context=context
            )[1]
            report.add("agencies", "updated" if changed else "unchanged")
    notes = {(n.country_id, n.topic, n.title.lower()): n for n in LegalNote.objects.all()}
    for row in document.notes:
        country = countries[row.pop("country")]
        note = notes.get((country.pk, row["topic"], row["title"].lower()))
        if note is None:
            _create(
                LegalNote,
                actor=actor,
                fields=NOTE_FIELDS,
                context={**context, "country": country.code},
                country=country,
                **row,
            )
            report.add("legal notes", "created")
        else:
            changed = _update(
                note,
                actor=actor,
                seen_version=note.version,
                values=row,
                context={**context, "country": country.code},
            )[1]
            report.add("legal notes", "updated" if changed else "unchanged")
    return report
