"""A record as the matcher sees it: a registered child (a case) or the child a relative
describes (a tracing request). The fields are those of `bench/TRACING_FORMAT.md`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Record:
    """One child as one agency wrote him down. Every field but the id may be empty."""

    record_id: str
    given_name: str = ""
    family_name: str = ""
    other_names: tuple[str, ...] = field(default=())
    sex: str = ""  # "M", "F" or ""
    date_of_birth: date | None = None
    birth_year: int | None = None
    age_estimate: float | None = None
    record_date: date | None = None
    nationality: str = ""  # ISO 3166-1 alpha-2, upper case, or ""
    place_of_origin: str = ""
    father_name: str = ""
    mother_name: str = ""
    # Further identifying columns a file may carry beyond the format's (an address, a
    # registration place): (column, value) pairs, compared with weights learnt from the data
    # (`fields.py`).
    extra: tuple[tuple[str, str], ...] = field(default=())
