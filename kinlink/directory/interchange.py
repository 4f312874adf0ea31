"""Directory files: the JSON document nodes of a network exchange so that they share one
directory, and the file Kinlink ships for new installations (`data/directory-*.json`).

A file is one JSON object: `format` ("kinlink-directory"), `version` (the date of the data,
YYYY-MM-DD), and five lists of rows, each row on its own line so that a problem is named by
line and a change shows as a one-line diff: `instruments` (whether each instrument's list of
parties is complete, with its source), `countries`, `statuses`, `agencies`, `legal_notes`.
The JSON Schema (`data/directory.schema.json`) is the contract; `parse_and_validate` checks a
file against it and then against the rules a form applies (`validation`), and reports every
problem of the whole file at once, each with its line, before anything is written. Files are
written by `export`.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.utils.translation import gettext as _

from kinlink.directory.models import Agency
from kinlink.directory.reference import is_country
from kinlink.directory.validation import check_agency, check_country_facts, check_note, check_status

DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA_PATH = DATA_DIR / "directory.schema.json"
FORMAT = "kinlink-directory"
SECTIONS = ("instruments", "countries", "statuses", "agencies", "legal_notes")
DATE_FIELDS = frozenset(
    {"signed_on", "consented_on", "in_force_on", "ended_on", "checked_on", "version"}
)
COUNTRY_ROW = (
    "age_of_majority",
    "age_of_majority_source",
    "central_authority_name",
    "central_authority_contact",
    "central_authority_source",
)
STATUS_ROW = (
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
AGENCY_ROW = (
    "name",
    "code",
    "country",
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
NOTE_ROW = ("topic", "title", "body", "source_title", "source_url", "checked_on", "verified")
COVERAGE_ROW = ("parties_complete", "source_title", "source_url", "checked_on", "verified", "note")
STRING_DEFAULTS = {"services": list, "languages": list, "central_authority_for": list}


def shipped_files() -> list[Path]:
    """The directory files in the repository, oldest first (their names carry the date)."""
    return sorted(DATA_DIR.glob("directory-*.json"))


def latest_shipped_file() -> Path:
    return shipped_files()[-1]


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (line, section and row) and what."""

    line: int
    message: str
    section: str = ""
    row: int = 0

    def __str__(self) -> str:
        if self.section:
            return _("Line %(line)s (%(section)s, row %(row)s): %(message)s") % {
                "line": self.line,
                "section": self.section,
                "row": self.row,
                "message": self.message,
            }
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class DirectoryFileRefused(Exception):
    """The file was not imported; every problem found, in the order of the lines."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass
class Document:
    """A valid file's rows as service arguments (dates as dates)."""

    version: str
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    countries: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    agencies: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def referenced_countries(self) -> set[str]:
        return {row["country"] for row in (*self.statuses, *self.notes)}


# --- where each row starts ----------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")


def row_lines(text: str) -> dict[str, list[int]]:
    """For each top-level list of a valid JSON object, the line on which each item starts."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(index: int) -> int:
        return bisect.bisect_left(newlines, index) + 1

    decoder = json.JSONDecoder()
    lines: dict[str, list[int]] = {}
    index = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if text[index : index + 1] != "{":
        return lines
    index += 1
    while True:
        index = _WS.match(text, index).end()  # type: ignore[union-attr]
        if text[index : index + 1] in ("}", ""):
            return lines
        key, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _WS.match(text, index).end() + 1  # type: ignore[union-attr]  # the colon
        index = _WS.match(text, index).end()  # type: ignore[union-attr]
        if text[index : index + 1] == "[":
            index += 1
            starts: list[int] = []
            while True:
                index = _WS.match(text, index).end()  # type: ignore[union-attr]
                if text[index : index + 1] == "]":
                    index += 1
                    break
                starts.append(line_of(index))
                _value, index = decoder.raw_decode(text, index)
                index = _WS.match(text, index).end()  # type: ignore[union-attr]
                if text[index : index + 1] == ",":
                    index += 1
            lines[key] = starts
        else:
            _value, index = decoder.raw_decode(text, index)
        index = _WS.match(text, index).end()  # type: ignore[union-attr]
        if text[index : index + 1] == ",":
            index += 1


# --- validation ---------------------------------------------------------------------------


class _Collector:
    def __init__(self, lines: dict[str, list[int]]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []
        self.bad_rows: set[tuple[str, int]] = set()

    def line(self, section: str, index: int) -> int:
        starts = self.lines.get(section, [])
        return starts[index] if index < len(starts) else 1

    def add(self, section: str, index: int | None, message: str) -> None:
        if index is None:
            self.problems.append(Problem(1, message))
            return
        self.bad_rows.add((section, index))
        self.problems.append(Problem(self.line(section, index), message, section, index + 1))


def _schema_message(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    name = str(path[-1]) if path and isinstance(path[-1], str) else ""
    value = error.instance
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        what = missing[0] if missing else ""
        if what.startswith("source") or what == "checked_on":
            return _("the source is missing (%(field)s)") % {"field": what}
        return _("%(field)s is missing") % {"field": what}
    if error.validator == "pattern" and name in DATE_FIELDS:
        return _("%(field)s: “%(value)s” is not a date written YYYY-MM-DD") % {
            "field": name,
            "value": value,
        }
    if error.validator == "pattern" and name in {"code", "country"}:
        return _("%(field)s: “%(value)s” is not a country code") % {"field": name, "value": value}
    if error.validator == "enum":
        return _("%(field)s: “%(value)s” is not one of the allowed values") % {
            "field": name or "?",
            "value": value,
        }
    if error.validator == "minLength":
        if name.startswith("source"):
            return _("the source is missing (%(field)s is empty)") % {"field": name}
        return _("%(field)s is empty") % {"field": name}
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return _("unknown field %(field)s") % {"field": ", ".join(extra)}
    if error.validator == "type":
        return _("%(field)s has the wrong type (%(expected)s expected)") % {
            "field": name or "?",
            "expected": error.validator_value,
        }
    if error.validator == "const" and name == "format":
        return _("this is not a Kinlink directory file (format must be “%(format)s”)") % {
            "format": FORMAT
        }
    return f"{name}: {error.message}" if name else error.message


def _date(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(value)


def _row_values(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        if name in row:
            raw = row[name]
            values[name] = _date(raw) if name in DATE_FIELDS else raw
        elif name in STRING_DEFAULTS:
            values[name] = STRING_DEFAULTS[name]()
        elif name in DATE_FIELDS or name == "age_of_majority":
            values[name] = None
        elif name in {"verified", "parties_complete"}:
            values[name] = False
        else:
            values[name] = ""
    return values


def parse_and_validate(text: str) -> Document:
    """The file's rows, ready to import; or `DirectoryFileRefused` naming every problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DirectoryFileRefused(
            [
                Problem(
                    error.lineno,
                    _("not valid JSON (column %(column)s: %(reason)s)")
                    % {"column": error.colno, "reason": error.msg},
                )
            ]
        ) from error
    collector = _Collector(row_lines(text) if isinstance(data, dict) else {})
    validator = jsonschema.Draft202012Validator(schema())
    for found in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        path = list(found.absolute_path)
        if len(path) >= 2 and path[0] in SECTIONS and isinstance(path[1], int):
            collector.add(str(path[0]), path[1], _schema_message(found))
        else:
            collector.add("", None, _schema_message(found))
    if not isinstance(data, dict):
        raise DirectoryFileRefused(collector.problems)
    document = Document(version=str(data.get("version", "")))
    _check_rows(data, document, collector)
    if collector.problems:
        collector.problems.sort(key=lambda p: (p.line, p.section, p.row))
        raise DirectoryFileRefused(collector.problems)
    return document


def _rows(data: dict[str, Any], section: str, collector: _Collector) -> list[tuple[int, dict]]:
    """The rows of a section that passed the schema, with their index."""
    rows = data.get(section)
    if not isinstance(rows, list):
        return []
    return [
        (index, row)
        for index, row in enumerate(rows)
        if isinstance(row, dict) and (section, index) not in collector.bad_rows
    ]


def _real_dates(section: str, index: int, row: dict[str, Any], collector: _Collector) -> bool:
    for name in DATE_FIELDS & set(row):
        value = row[name]
        if value in (None, ""):
            continue
        try:
            date.fromisoformat(value)
        except ValueError:
            collector.add(
                section,
                index,
                _("%(field)s: “%(value)s” is not a date of the calendar")
                % {"field": name, "value": value},
            )
            return False
    return True


def _messages(errors: dict[str, str]) -> list[str]:
    return [f"{name}: {message}" for name, message in errors.items()]


def _check_rows(data: dict[str, Any], document: Document, collector: _Collector) -> None:
    """The rules beyond the schema: known codes, real dates, no duplicates, the forms' rules."""
    seen: dict[Any, int] = {}

    def duplicate(section: str, index: int, key: Any, message: str) -> bool:
        first = seen.get(key)
        if first is not None:
            collector.add(
                section,
                index,
                message + " " + _("(first on line %(line)s)") % {"line": first},
            )
            return True
        seen[key] = collector.line(section, index)
        return False

    for index, row in _rows(data, "instruments", collector):
        if not _real_dates("instruments", index, row, collector):
            continue
        code = row["instrument"]
        if duplicate(
            "instruments",
            index,
            ("instrument", code),
            _("instrument %(code)s twice") % {"code": code},
        ):
            continue
        document.coverage[code] = _row_values(row, COVERAGE_ROW)

    for index, row in _rows(data, "countries", collector):
        code = row["code"]
        if not is_country(code):
            collector.add("countries", index, _("unknown country code “%(code)s”") % {"code": code})
            continue
        if duplicate(
            "countries", index, ("country", code), _("country %(code)s twice") % {"code": code}
        ):
            continue
        values = _row_values(row, COUNTRY_ROW)
        errors = check_country_facts(values)
        for message in _messages(errors):
            collector.add("countries", index, message)
        if not errors:
            document.countries.append({"code": code, **values})

    for index, row in _rows(data, "statuses", collector):
        code = row["country"]
        if not is_country(code):
            collector.add("statuses", index, _("unknown country code “%(code)s”") % {"code": code})
            continue
        if not _real_dates("statuses", index, row, collector):
            continue
        key = ("status", code, row["instrument"])
        if duplicate(
            "statuses",
            index,
            key,
            _("a second status of %(country)s for %(instrument)s")
            % {"country": code, "instrument": row["instrument"]},
        ):
            continue
        values = _row_values(row, STATUS_ROW)
        errors = check_status({"instrument": row["instrument"], **values})
        for message in _messages(errors):
            collector.add("statuses", index, message)
        if not errors:
            document.statuses.append({"country": code, "instrument": row["instrument"], **values})

    existing_names = {a.name.lower(): a.code for a in Agency.objects.all()}
    for index, row in _rows(data, "agencies", collector):
        if not _real_dates("agencies", index, row, collector):
            continue
        values = _row_values(row, AGENCY_ROW)
        errors = check_agency(values)
        for message in _messages(errors):
            collector.add("agencies", index, message)
        code, name = values["code"], values["name"].strip()
        dup_code = duplicate(
            "agencies",
            index,
            ("agency", code),
            _("duplicate agency: code “%(code)s”") % {"code": code},
        )
        dup_name = duplicate(
            "agencies",
            index,
            ("agency-name", name.lower()),
            _("duplicate agency: name “%(name)s”") % {"name": name},
        )
        owner = existing_names.get(name.lower())
        taken = owner is not None and owner != code
        if taken:
            collector.add(
                "agencies",
                index,
                _("duplicate agency: “%(name)s” exists on this node with the code “%(code)s”")
                % {"name": name, "code": owner},
            )
        if not (errors or dup_code or dup_name or taken):
            document.agencies.append(values)

    for index, row in _rows(data, "legal_notes", collector):
        code = row["country"]
        if not is_country(code):
            collector.add(
                "legal_notes", index, _("unknown country code “%(code)s”") % {"code": code}
            )
            continue
        if not _real_dates("legal_notes", index, row, collector):
            continue
        values = _row_values(row, NOTE_ROW)
        note_key = ("note", code, values["topic"], values["title"].strip().lower())
        if duplicate(
            "legal_notes", index, note_key, _("a second note of the same title and topic")
        ):
            continue
        errors = check_note(values)
        for message in _messages(errors):
            collector.add("legal_notes", index, message)
        if not errors:
            document.notes.append({"country": code, **values})
