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

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from operator import itemgetter

from kinlink.tracing.matching.names import Token
from kinlink.tracing.matching.prepare import Prepared

MAX_TOKENS = 6
YEAR_TOLERANCE = 2  # extra years searched either side of the query's birth range
AGE_TOLERANCE = 3  # the same when either the query's birth is an age estimate
MAX_POSTING = 1500  # a key shared by more cases than this is not used to find candidates
MAX_CANDIDATES = 80  # scored per query, those sharing the rarest keys first
POOL = 300  # looked at cheaply (birth, sex, parents, place) before the best are scored
PRESCORE = 0.15  # how much a bit of that cheap evidence counts against a shared key


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
    """Cases filed under their blocking keys, for repeated candidate look-ups."""

    def __init__(self, cases: Sequence[Prepared]) -> None:
        self.cases = list(cases)
        postings: dict[str, list[int]] = defaultdict(list)
        for position, case in enumerate(self.cases):
            for key in keys(case, query=False):
                postings[key].append(position)
        self.postings = dict(postings)
        total = max(1, len(self.cases))
        self.frequencies = {
            key[2:]: len(posting) / total for key, posting in self.postings.items() if key[0] == "s"
        }

    def candidates(self, record: Prepared, limit: int = 0) -> list[Prepared]:
        """Cases sharing a key with the record, the ones sharing most first, at most `limit`.
        The record itself (same record_id) is never its own candidate."""
        hits: dict[int, float] = defaultdict(float)
        for key in keys(record, query=True):
            posting = self.postings.get(key)
            if posting is None or len(posting) > MAX_POSTING:
                continue
            # A rare shared key says more than a common one; a shared pair of name parts
            # more than a shared part and a year.
            weight = (3.0 if key[0] == "p" else 1.0) / (1.0 + math.log(len(posting)))
            for position in posting:
                hits[position] += weight
        limit = limit or MAX_CANDIDATES
        ranked = heapq.nlargest(max(limit, POOL), hits.items(), key=itemgetter(1))
        if len(ranked) > limit:
            # Among many namesakes, the one born when the request says, of the same sex,
            # with the same parents and place, is the one worth scoring in full.
            cases = self.cases
            ranked = heapq.nlargest(
                limit,
                ((p, shared + PRESCORE * quick(record, cases[p])) for p, shared in ranked),
                key=itemgetter(1),
            )
        found = [self.cases[position] for position, _ in ranked]
        return [case for case in found if case.record_id != record.record_id]


def quick(a: Prepared, b: Prepared) -> float:
    """A cheap part of a pair's evidence, in bits, on the weights of `compare.py` rounded:
    birth years, sex, the parents' first names and the place's first word (the names are
    what the shared keys already measure)."""
    a0, a1, a_est, a_sex, a_father, a_mother, a_place = a.cheap
    b0, b1, b_est, b_sex, b_father, b_mother, b_place = b.cheap
    total = 0.0
    if a0 and b0:
        gap = max(0, a0 - b1, b0 - a1)
        estimated = a_est or b_est
        if gap == 0:
            total += 1.5 if estimated else 3.0
        elif gap == 1:
            total += 0.5 if estimated else -0.5
        elif gap == 2:
            total += 0.0 if estimated else -2.0
        else:
            total -= 4.0
    if a_sex and b_sex:
        total += 1.0 if a_sex == b_sex else -4.0
    if a_father and b_father:
        total += 3.0 if a_father & b_father else -2.0
    if a_mother and b_mother:
        total += 3.0 if a_mother & b_mother else -2.0
    if a_place and a_place == b_place:
        total += 1.0
    return total
