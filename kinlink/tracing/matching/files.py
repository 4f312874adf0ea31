"""The CSV files of `bench/TRACING_FORMAT.md`: records read and checked, matches written.

Messages are catalogue ids, translated by `kinlink match` for its user. Reading never stops
at the first problem: every missing column, bad date, bad number,
unknown country and repeated id is reported with its line, so that one correction pass
fixes the file. Writing goes to a temporary file renamed into place: a failed run leaves
no partial output.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pycountry

from kinlink.tracing.matching.engine import Match
from kinlink.tracing.matching.records import Record

COLUMNS = (
    "record_id",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "date_of_birth",
    "birth_year",
    "age_estimate",
    "record_date",
    "nationality",
    "place_of_origin",
    "father_name",
    "mother_name",
)
OUTPUT_COLUMNS = ("request_id", "case_id", "score", "suggested")


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogues. The library imports nothing of Django
    (it runs in plain processes); `kinlink match` translates when it prints."""
    return message


def _same(message: str) -> str:
    return message


LOCATION = gettext_noop("%(path)s, line %(line)s: %(message)s")


@dataclass(frozen=True, slots=True)
class Message:
    """A problem's words (a catalogue message id) and the values they name."""

    text: str
    params: dict[str, object] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = _same) -> str:
        return translate(self.text) % self.params if self.params else translate(self.text)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an input file, where it is."""

    path: str
    line: int
    message: Message

    def render(self, translate: Callable[[str], str] = _same) -> str:
        """The problem in words: English, or through `translate` (the command's gettext)."""
        return translate(LOCATION) % {
            "path": self.path,
            "line": self.line,
            "message": self.message.render(translate),
        }

    def __str__(self) -> str:
        return self.render()


def _countries() -> frozenset[str]:
    codes = {country.alpha_2 for country in pycountry.countries}
    # Kosovo's user-assigned code is what agencies use.
    return frozenset(codes | {"XK"})


COUNTRIES = _countries()


def _date(value: str, column: str, problems: list[Message]) -> date | None:
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problems.append(
            Message(
                gettext_noop("%(column)s %(value)r is not a date written YYYY-MM-DD"),
                {"column": column, "value": value},
            )
        )
        return None


def _number(
    value: str, column: str, problems: list[Message], low: float, high: float
) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(
            Message(
                gettext_noop("%(column)s %(value)r is not a number"),
                {"column": column, "value": value},
            )
        )
        return None
    if not low <= number <= high:
        problems.append(
            Message(
                gettext_noop("%(column)s %(value)r is outside %(low)s–%(high)s"),
                {"column": column, "value": value, "low": f"{low:g}", "high": f"{high:g}"},
            )
        )
        return None
    return number


def parse_row(
    row: dict[str, str], extra: tuple[str, ...] = ()
) -> tuple[Record | None, list[Message]]:
    """A record from one CSV row, or the problems that prevent it. `extra` names the further
    columns the file carries beyond the format's; they are kept as written."""
    problems: list[Message] = []
    value = {column: (row.get(column) or "").strip() for column in COLUMNS}
    if not value["record_id"]:
        problems.append(Message(gettext_noop("record_id is empty")))
    dob = _date(value["date_of_birth"], "date_of_birth", problems)
    record_date = _date(value["record_date"], "record_date", problems)
    year = _number(value["birth_year"], "birth_year", problems, 1900, 2100)
    if year is not None and year != int(year):
        problems.append(
            Message(
                gettext_noop("birth_year %(value)r is not a whole year"),
                {"value": value["birth_year"]},
            )
        )
    age = _number(value["age_estimate"], "age_estimate", problems, 0, 120)
    nationality = value["nationality"].upper()
    if nationality and nationality not in COUNTRIES:
        problems.append(
            Message(
                gettext_noop("nationality %(value)r is not an ISO 3166-1 alpha-2 country"),
                {"value": value["nationality"]},
            )
        )
    sex = value["sex"].upper()
    if sex not in {"", "M", "F"}:
        problems.append(
            Message(gettext_noop("sex %(value)r is not M, F or empty"), {"value": value["sex"]})
        )
    if problems:
        return None, problems
    record = Record(
        record_id=value["record_id"],
        given_name=value["given_name"],
        family_name=value["family_name"],
        other_names=tuple(part.strip() for part in value["other_names"].split(";") if part.strip()),
        sex=sex,
        date_of_birth=dob,
        birth_year=int(year) if year is not None else None,
        age_estimate=age,
        record_date=record_date,
        nationality=nationality,
        place_of_origin=value["place_of_origin"],
        father_name=value["father_name"],
        mother_name=value["mother_name"],
        extra=tuple((column, (row.get(column) or "").strip()) for column in extra),
    )
    return record, []


def read_records(path: str | Path) -> tuple[list[Record], list[Problem]]:
    """Every record of a file, and every problem found in it (the records are only to be
    used when there is no problem)."""
    name = str(path)
    records: list[Record] = []
    problems: list[Problem] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in COLUMNS if column not in header]
            for column in missing:
                problems.append(
                    Problem(
                        name,
                        1,
                        Message(gettext_noop("column %(column)r is missing"), {"column": column}),
                    )
                )
            if missing:
                return [], problems
            extra = tuple(column for column in header if column and column not in COLUMNS)
            seen: dict[str, int] = {}
            end = reader.line_num
            for row in reader:
                line, end = end + 1, reader.line_num  # a quoted cell may span lines
                if None in row:
                    problems.append(
                        Problem(name, line, Message(gettext_noop("more cells than columns")))
                    )
                record, found = parse_row(row, extra)
                problems.extend(Problem(name, line, message) for message in found)
                if record is None:
                    continue
                first = seen.setdefault(record.record_id, line)
                if first != line:
                    message = Message(
                        gettext_noop("record_id %(value)r already used on line %(first)s"),
                        {
                            "value": record.record_id,
                            "first": first,
                        },
                    )
                    problems.append(Problem(name, line, message))
                records.append(record)
    except FileNotFoundError:
        problems.append(Problem(name, 0, Message(gettext_noop("no such file"))))
    except UnicodeDecodeError as error:
        problems.append(
            Problem(
                name,
                0,
                Message(
                    gettext_noop("not UTF-8 text (%(reason)s at byte %(byte)s)"),
                    {"reason": error.reason, "byte": error.start},
                ),
            )
        )
    except csv.Error as error:
        problems.append(
            Problem(name, 0, Message(gettext_noop("not a CSV file (%(error)s)"), {"error": error}))
        )
    return records, problems


def write_matches(path: str | Path, matches: Iterable[Match]) -> int:
    """Write matches.csv atomically; the number of rows written."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (renamed into place below)
        "w", newline="", encoding="utf-8", dir=directory, prefix=f".{target.name}.", delete=False
    )
    rows = 0
    try:
        with handle:
            writer = csv.writer(handle)
            writer.writerow(OUTPUT_COLUMNS)
            for match in matches:
                writer.writerow(
                    [
                        match.request_id,
                        match.case_id,
                        f"{match.score:.4f}",
                        str(match.suggested).lower(),
                    ]
                )
                rows += 1
        os.replace(handle.name, target)
    except BaseException:
        os.unlink(handle.name)
        raise
    return rows
