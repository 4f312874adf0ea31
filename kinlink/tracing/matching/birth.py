"""When a child was born, as precisely as the record knows it.

A date of birth on 1 January is usually a placeholder written when only the year was
estimated, so it counts as a year. An age estimate at the record's date is a range of two
birth years, and an assessed age is often two or three years off: the comparison tolerates
more when either side is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kinlink.tracing.matching.records import Record


@dataclass(frozen=True, slots=True)
class Birth:
    """Birth as known: an exact day, or a range of years, and how it was learnt."""

    kind: str  # "date", "placeholder", "year", "age" or "" (unknown)
    first_year: int = 0
    last_year: int = 0
    day: date | None = None

    @property
    def known(self) -> bool:
        return bool(self.kind)

    def describe(self) -> str:
        """What the record says, for the explanation."""
        if self.kind == "date" and self.day:
            return self.day.isoformat()
        if self.kind in {"placeholder", "year"}:
            return f"{self.first_year}" + (" (1 January)" if self.kind == "placeholder" else "")
        if self.kind == "age":
            return f"born {self.first_year}–{self.last_year} (age estimate)"
        return ""


def birth_of(record: Record) -> Birth:
    """The most precise birth information the record holds."""
    dob = record.date_of_birth
    if dob is not None:
        if dob.month == 1 and dob.day == 1:
            return Birth("placeholder", dob.year, dob.year)
        return Birth("date", dob.year, dob.year, dob)
    if record.birth_year:
        return Birth("year", record.birth_year, record.birth_year)
    if record.age_estimate is not None and record.record_date is not None:
        born = record.record_date.year - int(record.age_estimate)
        return Birth("age", born - 1, born)
    return Birth("")


def year_gap(a: Birth, b: Birth) -> int:
    """Years between the two ranges (0 when they overlap)."""
    return max(0, a.first_year - b.last_year, b.first_year - a.last_year)


def swapped(a: date, b: date) -> bool:
    """Same year, with day and month exchanged (the US and European orders)."""
    return a.year == b.year and a.day == b.month and a.month == b.day and a.day != a.month


def one_digit_apart(a: date, b: date) -> bool:
    """The two dates written as YYYYMMDD differ in one digit, or in two adjacent digits
    exchanged: a typing slip."""
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    diffs = [i for i in range(8) if x[i] != y[i]]
    if len(diffs) == 1:
        return True
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and x[diffs[0]] == y[diffs[1]]
