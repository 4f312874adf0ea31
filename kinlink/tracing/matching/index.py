"""Blocking: which cases are worth scoring against a record.

Scoring every case against every request is 2·10⁹ pairs at national scale; instead each
case is filed under short keys, and a record is scored only against the cases that share
one of its keys:

- two name parts (`p|`): any two tokens of the name or an alias, order ignored, so a
  swapped order, a dropped second surname or a truncated chain still share a key;
- one name part and a birth year (`y|`), the query side widened by the tolerance of
  estimated ages;
- one name part and the first name of the father (`f|`) or of the mother (`m|`);
- keys that hold no name, for a record whose every name part is misspelt: the exact date
  of birth (`d|`, the query also under day and month swapped), the place of origin and a
  birth year (`o|`), the father's first name and a birth year (`fy|`), and each further
  column's value with a birth year (`e|`), with a name part (`x|`) or with another further
  column's value (`xx|`).

A token's key is its nickname group when it has one, else its first four consonants.
A key held by too many cases (a common name part in a common year) is skipped: it says
nothing, and the pair keys find those records anyway.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from kinlink.tracing.matching.names import Token
from kinlink.tracing.matching.prepare import Prepared

MAX_TOKENS = 6
YEAR_TOLERANCE = 2  # extra years searched either side of the query's birth range
AGE_TOLERANCE = 3  # the same when either the query's birth is an age estimate
MAX_POSTING = 1500  # a key shared by more cases than this is not used to find candidates
MAX_CANDIDATES = 80  # scored per query, those sharing the rarest keys first
POOL = 1000  # looked at cheaply (birth, sex, parents, place) before the best are scored
PRESCORE = 0.3  # how much a bit of that cheap evidence counts against a shared key


def _token_keys(tokens: Iterable[Token]) -> list[tuple[str, ...]]:
    return [token.keys for token in list(tokens)[:MAX_TOKENS]]


def _name_keys(p: Prepared) -> tuple[set[str], set[str]]:
    """Pair keys and single-token keys of a record's name and aliases."""
    pairs: set[str] = set()
    singles: set[str] = set()
    for name in (p.name + p.chain, *p.aliases):
        per_token = _token_keys(name)
        for i, keys_i in enumerate(per_token):
            singles.update(keys_i)
            for keys_j in per_token[i + 1 :]:
                for x in keys_i:
                    for y in keys_j:
                        if x != y:
                            pairs.add("p|" + "|".join(sorted((x, y))))
    return pairs, singles


def _years(p: Prepared, query: bool) -> range:
    if not p.birth.known:
        return range(0)
    widen = 0
    if query:
        widen = AGE_TOLERANCE if p.birth.kind in {"age", "placeholder"} else YEAR_TOLERANCE
    return range(p.birth.first_year - widen, p.birth.last_year + widen + 1)


def keys(p: Prepared, *, query: bool) -> set[str]:
    """The blocking keys of a record; `query=True` widens birth years by the tolerance."""
    pairs, singles = _name_keys(p)
    found = set(pairs)
    for year in _years(p, query):
        found.update(f"y|{key}|{year}" for key in singles)
    for prefix, parent in (("f|", p.father), ("m|", p.mother)):
        if parent:
            for parent_key in parent[0].keys:
                found.update(f"{prefix}{key}|{parent_key}" for key in singles)
    years = _years(p, query)
    if p.birth.kind == "date" and p.birth.day is not None:
        day = p.birth.day
        found.add(f"d|{day.isoformat()}")
        if query and day.day <= 12 and day.day != day.month:
            found.add(f"d|{day.year:04d}-{day.day:02d}-{day.month:02d}")
    place = [token.keys[0] for token in p.place[:2]]
    father = p.father[0].keys[0] if p.father else ""
    for year in years:
        found.update(f"o|{key}|{year}" for key in place)
        if father:
            found.add(f"fy|{father}|{year}")
    extra = [(column, value) for column, value in p.extra if value]
    for i, (column, value) in enumerate(extra):
        found.update(f"e|{column}|{value}|{year}" for year in years)
        found.update(f"x|{column}|{value}|{key}" for key in singles)
        found.update(f"xx|{column}|{value}|{other}|{v}" for other, v in extra[i + 1 :])
    # A single name part, for records that share nothing else: every case is filed under
    # each of its parts, and a query uses them when its name has one part or it has no birth.
    if not query or len(p.name) < 2 or not p.birth.known:
        found.update("s|" + key for key in singles)
    return found


class CandidateIndex:
    """Cases filed under their blocking keys, for repeated candidate look-ups.

    Postings are arrays of case positions, and what the cheap look reads is kept in one
    array per field, so that a look-up adds up shared keys and weighs a few hundred
    namesakes in a handful of array operations.
    """

    def __init__(self, cases: Sequence[Prepared]) -> None:
        self.cases = list(cases)
        # Every key gets a number; the postings are one array of case positions sorted by
        # key, each key's posting a slice of it.
        self.key_numbers: dict[str, int] = {}
        numbers = self.key_numbers
        key_of: list[int] = []
        position_of: list[int] = []
        for position, case in enumerate(self.cases):
            found = keys(case, query=False)
            for key in found:
                number = numbers.get(key)
                if number is None:
                    number = numbers[key] = len(numbers)
                key_of.append(number)
            position_of.extend([position] * len(found))
        key_array = np.array(key_of, dtype=np.int32)
        self.positions = np.array(position_of, dtype=np.int32)[np.argsort(key_array, kind="stable")]
        counts = np.bincount(key_array, minlength=len(numbers))
        self.starts = np.concatenate(([0], np.cumsum(counts))).tolist()
        total = max(1, len(self.cases))
        sizes = counts.tolist()
        self.frequencies = {
            key[2:]: sizes[number] / total for key, number in numbers.items() if key[0] == "s"
        }
        self._codes: dict[str, int] = {"": -1}
        columns: list[Sequence[int]] = list(
            zip(*(self._cheap(case) for case in self.cases), strict=True)
        )
        if not columns:
            columns = [[] for _ in range(8)]
        names = ("first", "last", "estimated", "sex", "father", "father2", "mother", "place")
        self.cheap = {
            name: np.array(column, dtype=np.int32)
            for name, column in zip(names, columns, strict=True)
        }

    def _code(self, key: str, create: bool = True) -> int:
        code = self._codes.get(key)
        if code is None:
            if not create:
                return -2  # a key no case holds: agrees with none
            code = self._codes[key] = len(self._codes)
        return code

    def _cheap(self, p: Prepared, create: bool = True) -> tuple[int, ...]:
        first, last, estimated, sex, father, mother, place = p.cheap
        father = (*father, "", "")
        return (
            first,
            last,
            int(estimated),
            {"M": 1, "F": 2}.get(sex, 0),
            self._code(father[0], create),
            self._code(father[1], create),
            self._code(mother[0] if mother else "", create),
            self._code(place, create),
        )

    def candidates(self, record: Prepared, limit: int = 0) -> list[Prepared]:
        """Cases sharing a key with the record, the ones sharing most first, at most `limit`.
        The record itself (same record_id) is never its own candidate."""
        found_postings = []
        found_weights = []
        starts, numbers = self.starts, self.key_numbers
        for key in keys(record, query=True):
            number = numbers.get(key)
            if number is None:
                continue
            start, end = starts[number], starts[number + 1]
            if end - start > MAX_POSTING:
                continue
            posting = self.positions[start:end]
            # A rare shared key says more than a common one; a shared pair of name parts
            # more than a shared part and a year.
            found_postings.append(posting)
            found_weights.append((3.0 if key[0] == "p" else 1.0) / (1.0 + math.log(len(posting))))
        if not found_postings:
            return []
        positions = np.concatenate(found_postings)
        weights = np.repeat(np.array(found_weights), [len(p) for p in found_postings])
        shared = np.bincount(positions, weights=weights, minlength=len(self.cases))
        hit = np.flatnonzero(shared)
        limit = limit or MAX_CANDIDATES
        if len(hit) > limit:
            if len(hit) > POOL:
                hit = hit[np.argpartition(-shared[hit], POOL)[:POOL]]
            # Among many namesakes, the one born when the request says, of the same sex,
            # with the same parents and place, is the one worth scoring in full.
            score: np.ndarray = shared[hit] + PRESCORE * self._quick(record, hit)
        else:
            score = shared[hit]
        # Best first; ties to the earlier case, so that a run is reproducible.
        order = np.lexsort((hit, -score))[:limit]
        cases = self.cases
        found = [cases[position] for position in hit[order].tolist()]
        return [case for case in found if case.record_id != record.record_id]

    def _quick(self, record: Prepared, hit: np.ndarray) -> np.ndarray:
        """A cheap part of each pair's evidence, in bits, on the weights of `compare.py`
        rounded: birth years, sex, the parents' first names and the place's first word (the
        names are what the shared keys already measure)."""
        first, last, estimated, sex, father, father2, mother, place = self._cheap(record, False)
        c = {name: column[hit] for name, column in self.cheap.items()}
        total = np.zeros(len(hit))
        if first:
            gap = np.maximum(0, np.maximum(first - c["last"], c["first"] - last))
            either = (c["estimated"] > 0) | bool(estimated)
            birth = np.select(
                [gap == 0, gap == 1, gap == 2],
                [
                    np.where(either, 1.5, 3.0),
                    np.where(either, 0.5, -0.5),
                    np.where(either, 0.0, -2.0),
                ],
                -4.0,
            )
            total += np.where(c["first"] > 0, birth, 0.0)
        if sex:
            total += np.where(c["sex"] == 0, 0.0, np.where(c["sex"] == sex, 1.0, -4.0))
        if father != -1:
            same = (c["father"] == father) | ((c["father2"] == father2) & (father2 >= 0))
            same |= (c["father2"] == father) | ((c["father"] == father2) & (father2 >= 0))
            total += np.where(c["father"] == -1, 0.0, np.where(same, 3.0, -2.0))
        if mother != -1:
            total += np.where(c["mother"] == -1, 0.0, np.where(c["mother"] == mother, 3.0, -2.0))
        if place != -1:
            total += np.where(c["place"] == place, 1.0, 0.0)
        return total
