"""Further identifying columns (a street, a postcode, a district, a registration place),
compared with Fellegi–Sunter weights learnt from the data, without labels.

A file may carry columns beyond those of `bench/TRACING_FORMAT.md`; the matcher cannot know
what they mean, so it learns what agreement on each says, as Fellegi and Sunter did and as
Splink does:

- three levels per column: the same value, a near value (one slip of the pen: a
  Damerau-Levenshtein distance of 1, or Jaro-Winkler ≥ 0.92 on values of five characters or
  more), a different value; a value missing on either side says nothing;
- u, how often two different children agree by chance: for the same value, that value's own
  share among the cases (agreeing on a state held by a third of the records says less than
  agreeing on a postcode held by three); for the near level, the share among random pairs;
- m, how often two records of one child agree: by expectation–maximisation over the
  candidate pairs of a sample of records, the odds that the names and birth alone give
  (`compare.py`, `score.py`) held fixed;
- weight = log2(m / u), within ±MAX_WEIGHT bits.

Siblings share an address: under the sibling rule (`score.py`) these columns, like the
parents and the place, only count against a pair.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

LEVELS = ("same", "near", "differs")
MAX_WEIGHT = 12.0
# Before learning: what a clerk's copy of a value usually is.
START_M = {"same": 0.9, "near": 0.06, "differs": 0.04}
RANDOM_PAIRS = 20_000
EM_ROUNDS = 12


def normalise(value: str) -> str:
    """Case and spacing folded: "New  Lambton" and "new lambton" are one value."""
    return " ".join(value.casefold().split())


def level_of(a: str, b: str) -> str:
    """The agreement level of two normalised non-empty values."""
    if a == b:
        return "same"
    if min(len(a), len(b)) >= 2 and DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1:
        return "near"
    if min(len(a), len(b)) >= 5 and JaroWinkler.similarity(a, b) >= 0.92:
        return "near"
    if " " in a or " " in b:
        # A word dropped or exchanged ("lakewood estate", "estate lakewood").
        wa, wb = set(a.split()), set(b.split())
        if wa <= wb or wb <= wa:
            return "near"
    return "differs"


@dataclass
class Column:
    """What the matcher has learnt about one further column."""

    name: str
    shares: dict[str, float]
    u: dict[str, float]
    m: dict[str, float] = field(default_factory=lambda: dict(START_M))

    def weight(self, level: str, value: str) -> float:
        if level == "same":
            u = max(self.shares.get(value, 0.0), 0.5 / max(1, len(self.shares)))
        else:
            u = self.u[level]
        m = self.m[level]
        return max(-MAX_WEIGHT, min(MAX_WEIGHT, math.log2(max(m, 1e-6) / max(u, 1e-6))))


class FieldModel:
    """The further columns of a set of cases, with their learnt weights."""

    def __init__(self, extras: Sequence[tuple[tuple[str, str], ...]]) -> None:
        values: dict[str, list[str]] = defaultdict(list)
        for extra in extras:
            for column, value in extra:
                if value:
                    values[column].append(value)
        self.columns: dict[str, Column] = {}
        rnd = random.Random(0)  # noqa: S311 (sampling pairs, reproducibly; no secret)
        for column, seen in values.items():
            counts = Counter(seen)
            shares = {value: count / len(seen) for value, count in counts.items()}
            same = sum(share * share for share in shares.values())
            near = 0
            pairs = min(RANDOM_PAIRS, len(seen) * (len(seen) - 1) // 2)
            for _ in range(pairs):
                a, b = rnd.choice(seen), rnd.choice(seen)
                near += a != b and level_of(a, b) == "near"
            near_share = max(near / max(1, pairs), 1e-4)
            u = {"same": same, "near": near_share, "differs": max(1e-4, 1 - same - near_share)}
            self.columns[column] = Column(column, shares, u)

    def __bool__(self) -> bool:
        return bool(self.columns)

    def compare(
        self, a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]
    ) -> list[tuple[str, str, float]]:
        """(column, level, weight) for every learnt column; missing on a side: unknown, 0."""
        right = dict(b)
        found = []
        for column, value in a:
            model = self.columns.get(column)
            if model is None:
                continue
            other = right.get(column, "")
            if not value or not other:
                found.append((column, "unknown", 0.0))
                continue
            level = level_of(value, other)
            found.append((column, level, model.weight(level, value)))
        return found

    def learn(self, pairs: Sequence[tuple[float, list[tuple[str, str]]]]) -> None:
        """Expectation–maximisation of m over candidate pairs.

        Each pair is the log2 odds that it is one child by its names and birth alone (the
        engine's weight less its prior) and the level of each further column; u stays as
        measured on random pairs.
        """
        if not pairs or not self.columns:
            return
        for _ in range(EM_ROUNDS):
            totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
            mass: dict[str, float] = defaultdict(float)
            for core, levels in pairs:
                weight = core
                for column, level in levels:
                    model = self.columns[column]
                    m, u = model.m[level], model.u[level]
                    weight += math.log2(max(m, 1e-6) / max(u, 1e-6))
                r = 1.0 / (1.0 + math.pow(2.0, -max(-60.0, min(60.0, weight))))
                for column, level in levels:
                    totals[column][level] += r
                    mass[column] += r
            for column, counts in totals.items():
                if mass[column] < 5:
                    continue
                model = self.columns[column]
                # A pseudo-count of one per level keeps a level never seen from -inf.
                total = mass[column] + len(LEVELS)
                model.m = {level: (counts.get(level, 0.0) + 1) / total for level in LEVELS}

    def describe(self) -> dict[str, dict[str, float]]:
        """The learnt weights per column and level (for the benchmark and the docs)."""
        out = {}
        for name, model in self.columns.items():
            same = math.log2(model.m["same"] / max(1e-6, model.u["same"]))
            out[name] = {
                "same (average value)": round(same, 2),
                "near": round(model.weight("near", ""), 2),
                "differs": round(model.weight("differs", ""), 2),
            }
        return out
