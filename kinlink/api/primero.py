"""Import of cases exported from Primero v2 (its JSON or CSV case export).

`read` parses the file, `check` maps every row and reports what maps and what does not (the
dry run), `import_rows` registers the good rows through `cases.services.case_register`: all of
them only if every row is good, or the good rows alone when the user chooses so (audited).
Field names are Primero's (shared/reference/primero.md §2.4, §6.3).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kinlink.accounts.models import Team, User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.services import case_register
from kinlink.cases.validation import check_identity

MAX_ROWS = 5000
MAX_BYTES = 20_000_000
# Primero field → the Kinlink field it becomes.
MAPPED = {
    "name_first": "given_name",
    "name_middle": "given_name",
    "name_last": "family_name",
    "name_nickname": "aliases",
    "name_other": "aliases",
    "sex": "sex",
    "date_of_birth": "date_of_birth",
    "age": "age_estimate",
    "estimated": "dob_estimated",
    "nationality": "nationalities",
    "language": "languages",
    "country_of_origin": "country_of_origin",
    "location_current": "current_location",
    "address_current": "current_location",
    "registration_date": "referral_date",
    "risk_level": "risk_level",
    "unaccompanied_separated_status": "separation_status",
    "consent_for_services": "consent",
    "disclosure_other_orgs": "consent",
    "case_id_display": "Primero reference (audit)",
    "short_id": "Primero reference (audit)",
    "case_id": "Primero reference (audit)",
    "unique_id": "Primero reference (audit)",
    "id": "Primero reference (audit)",
}
SEX = {"male": "male", "m": "male", "female": "female", "f": "female", "other": "other"}
SEPARATION = {
    "unaccompanied_minor": "unaccompanied",
    "unaccompanied": "unaccompanied",
    "separated_child": "separated",
    "separated": "separated",
    "accompanied": "accompanied",
    "other": "accompanied",
}
TRUE = {"true", "yes", "1", "y", "t"}


class UnreadableFile(Exception):
    """The file is neither a Primero JSON nor a CSV case export."""


@dataclass
class Row:
    number: int
    primero_id: str
    identity: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def good(self) -> bool:
        return not self.errors


@dataclass
class Report:
    rows: list[Row]
    mapped: dict[str, int]  # Primero field → rows where it had a value
    unmapped: dict[str, int]

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if r.good]

    @property
    def bad(self) -> list[Row]:
        return [r for r in self.rows if not r.good]


def read(content: bytes, filename: str) -> list[dict[str, Any]]:
    """The records of a Primero export: a JSON list (or {"data": [...]}) or a CSV with a
    header of Primero field names."""
    if len(content) > MAX_BYTES:
        raise UnreadableFile(_("The file is larger than 20 MB: split the export."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(_("The file is not UTF-8 text.")) from error
    if filename.lower().endswith(".json") or text.lstrip()[:1] in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise UnreadableFile(_("The file is not valid JSON.")) from error
        if isinstance(data, dict):
            data = data.get("data", data.get("cases", [data]))
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise UnreadableFile(_("The JSON file does not hold a list of cases."))
        # The API's records keep their fields under "data".
        records = [r["data"] if isinstance(r.get("data"), dict) else r for r in data]
    else:
        records = list(csv.DictReader(io.StringIO(text)))
    if len(records) > MAX_ROWS:
        raise UnreadableFile(_("At most 5000 cases per file: split the export."))
    return records


def _values(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [
        p.strip() for p in str(value).replace("|", ",").replace(";", ",").split(",") if p.strip()
    ]


def _date(value: Any) -> date | None:
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d-%b-%Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _country(value: str) -> str | None:
    try:
        found = pycountry.countries.lookup(value)
    except LookupError:
        return None
    return str(found.alpha_2)


def _language(value: str) -> str | None:
    try:
        found = pycountry.languages.lookup(value)
    except LookupError:
        return None
    return str(getattr(found, "alpha_3", "")) or None


def map_row(number: int, raw: dict[str, Any], defaults: dict[str, str]) -> Row:
    """One Primero record as a Kinlink identity and consent, with every problem named."""
    get = {k: v for k, v in raw.items() if v not in (None, "", [])}
    primero_id = str(get.get("case_id_display") or get.get("short_id") or get.get("case_id") or "")[
        :40
    ]
    row = Row(number=number, primero_id=primero_id)

    def bad(name: str, message: str) -> None:
        row.errors.append((name, message))

    given = " ".join(str(get[k]).strip() for k in ("name_first", "name_middle") if k in get)
    identity: dict[str, Any] = {
        "given_name": given,
        "family_name": str(get.get("name_last", "")).strip(),
        "aliases": _values(get.get("name_nickname")) + _values(get.get("name_other")),
        "case_type": defaults["case_type"],
        "referral_source": defaults["referral_source"],
        "dob_estimated": str(get.get("estimated", "")).lower() in TRUE,
        "current_location": str(get.get("location_current") or get.get("address_current") or "")[
            :200
        ],
        "nationality_status": "known",
    }
    if not given:
        bad("name_first", _("No first name."))
    sex = SEX.get(str(get.get("sex", "")).lower())
    identity["sex"] = sex or "unknown"
    if "sex" in get and sex is None:
        bad("sex", _("Unknown value: %(value)s") % {"value": str(get["sex"])[:40]})
    for source, target in (
        ("date_of_birth", "date_of_birth"),
        ("registration_date", "referral_date"),
    ):
        if source in get:
            try:
                identity[target] = _date(get[source])
            except ValueError:
                bad(source, _("Not a date: %(value)s") % {"value": str(get[source])[:40]})
    if "referral_date" not in identity and "registration_date" not in get:
        bad("registration_date", _("No registration date."))
    if identity.get("dob_estimated"):
        identity["dob_basis"] = "estimate"
    if "age" in get:
        try:
            identity["age_estimate"] = int(str(get["age"]).strip())
        except ValueError:
            bad("age", _("Not a number: %(value)s") % {"value": str(get["age"])[:40]})
    codes: list[str] = []
    for value in _values(get.get("nationality")):
        code = _country(value)
        if code is None:
            bad("nationality", _("Unknown country: %(value)s") % {"value": value[:40]})
        else:
            codes.append(code)
    identity["nationalities"] = codes
    languages: list[str] = []
    for value in _values(get.get("language")):
        code = _language(value)
        if code is None:
            bad("language", _("Unknown language: %(value)s") % {"value": value[:40]})
        else:
            languages.append(code)
    identity["languages"] = languages
    if "country_of_origin" in get:
        code = _country(str(get["country_of_origin"]))
        if code is None:
            bad(
                "country_of_origin",
                _("Unknown country: %(value)s") % {"value": str(get["country_of_origin"])[:40]},
            )
        identity["country_of_origin"] = code or ""
    risk = str(get.get("risk_level", "")).lower()
    if risk not in {"high", "medium", "low"}:
        bad("risk_level", _("No risk level (high, medium or low)."))
    identity["risk_level"] = risk or "medium"
    separation = SEPARATION.get(str(get.get("unaccompanied_separated_status", "")).lower())
    if separation is None:
        bad("unaccompanied_separated_status", _("No separation status."))
    identity["separation_status"] = separation or "accompanied"
    if str(get.get("consent_for_services", "")).lower() in TRUE:
        scopes = ["services"]
        if str(get.get("disclosure_other_orgs", "")).lower() in TRUE:
            scopes.append("sharing")
        row.consent = {"given_by": "other", "given_by_name": "Primero", "scopes": scopes}
    else:
        bad("consent_for_services", _("No consent for services recorded in Primero."))
    for name, messages in check_identity(identity).items():
        for message in messages:
            bad(name, message)
    row.identity = identity
    return row


def check(records: list[dict[str, Any]], defaults: dict[str, str]) -> Report:
    """The dry run: every row mapped, nothing written."""
    mapped: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    rows = []
    for number, raw in enumerate(records, start=1):
        for key, value in raw.items():
            if value in (None, "", []):
                continue
            (mapped if key in MAPPED else unmapped)[str(key)[:60]] += 1
        rows.append(map_row(number, raw, defaults))
    return Report(rows=rows, mapped=dict(mapped), unmapped=dict(sorted(unmapped.items())))


@transaction.atomic
def import_rows(
    *, actor: User, team: Team, lead_caseworker: User, report: Report, good_rows_only: bool
) -> int:
    """Register the rows: all, and only if every row is good; or, when the user chose so, the
    good ones, leaving out the bad (their numbers are in the audit event)."""
    if report.bad and not good_rows_only:
        raise ValidationError(_("Some rows are bad: nothing was imported."))
    created = 0
    for row in report.good:
        try:
            with transaction.atomic():
                case = case_register(
                    actor=actor,
                    team=team,
                    lead_caseworker=lead_caseworker,
                    identity=row.identity,
                    consent=row.consent,
                )
        except ValidationError as error:
            if not good_rows_only:
                raise
            row.errors.extend(("", m) for m in error.messages)
            continue
        record(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=case,
            case_id=case.pk,
            source="primero",
            primero_reference=row.primero_id,
            row=row.number,
        )
        created += 1
    record(
        actor=actor,
        action=AuditAction.IMPORT,
        source="primero",
        imported=created,
        left_out=[r.number for r in report.bad],
        good_rows_only=good_rows_only,
    )
    return created
