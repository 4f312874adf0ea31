"""A pair's score: the field weights added, turned into a probability, explained.

Rules on top of the field weights:

- A child is told from his sibling, his twin and his namesake by his own name. When the
  names conflict, what siblings share (birth, parents, place, nationality, sex) cannot lift
  the score: only its negative evidence counts.
- Scores are symmetric: a pair is always compared in one order (`Prepared.order`).
- `score = 1 / (1 + 2^-(weight - PRIOR))`; a candidate is *suggested* when its score
  reaches SUGGEST (calibrated on the development set, `docs/matching.md`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kinlink.tracing.matching import compare
from kinlink.tracing.matching.fields import FieldModel
from kinlink.tracing.matching.names import Token
from kinlink.tracing.matching.prepare import Prepared

PRIOR = 9.0  # bits of evidence at which a pair is as likely one child as two
# A pair is suggested from 8.5 bits (score 0.414): the best F1 on the development set
# (seed 1, `bench/tracing_calibrate.py`), never set on the evaluation seeds.
SUGGEST_WEIGHT = 8.5
# Below 2 bits (score 0.0078) a candidate is not shown: on the development seed the highest
# display threshold that keeps recall@10 at its best while fewer than 3 candidates are shown
# per request without a true case (2 bits: 0.985 and 2.56; 3 bits: 0.983 and 1.88).
SHOW_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One line of an explanation, as the review screen shows it."""

    field: str
    left: str
    right: str
    level: str
    weight: float
    counted: bool = True


@dataclass(frozen=True, slots=True)
class Score:
    """A pair's score in [0, 1], whether it is suggested, and the evidence for it."""

    left_id: str
    right_id: str
    value: float
    weight: float
    suggested: bool
    evidence: tuple[FieldEvidence, ...]


def probability(weight: float) -> float:
    """The score of a total weight in bits."""
    exponent = max(-60.0, min(60.0, weight - PRIOR))
    return 1.0 / (1.0 + math.pow(2.0, -exponent))


# Term frequency: agreeing on "Fatoumata Diallo" says less than agreeing on a rare name.
# Each agreeing name part moves the weight by half its rarity in bits against a name part
# held by one record in a hundred, within ±RARITY_CAP.
REFERENCE_SHARE = 0.01
RARITY_CAP = 1.5
AGREEING = frozenset({"same", "agree", "one part agrees"})
Frequencies = dict[str, float]


@dataclass(frozen=True, slots=True)
class Model:
    """What a pair is scored with beyond its two records: the share of each name key among
    the cases (term frequencies), the learnt weights of further columns, and the profile
    of the data set (`profiles.py`): whether its records may be siblings."""

    frequencies: Frequencies | None = None
    fields: FieldModel | None = None
    siblings: bool = True


SUGGEST = probability(SUGGEST_WEIGHT)


def _rarity(tokens: tuple[Token, ...], frequencies: Frequencies | None) -> float:
    if not frequencies:
        return 0.0
    total = 0.0
    for token in tokens:
        share = frequencies.get(token.keys[0], 0.0) or 1e-4
        total += max(-RARITY_CAP, min(RARITY_CAP, 0.5 * math.log2(REFERENCE_SHARE / share)))
    return total


def _levels(
    a: Prepared,
    b: Prepared,
    model: Model | None = None,
    name: tuple[str, float] | None = None,
) -> list[tuple[str, str, float]]:
    frequencies = model.frequencies if model else None
    fields = model.fields if model else None
    name_level, name_weight = name or compare.compare_names(a, b)
    if name_level in AGREEING:
        name_weight += _rarity(min(a.name, b.name, key=len) or a.name, frequencies)
    father = compare.compare_parent(a.father, b.father)
    if father[0] == "agree":
        father = (father[0], father[1] + _rarity(min(a.father, b.father, key=len)[:1], frequencies))
    mother = compare.compare_parent(a.mother, b.mother)
    if mother[0] == "agree":
        mother = (mother[0], mother[1] + _rarity(min(a.mother, b.mother, key=len)[:1], frequencies))
    found = [
        ("name", name_level, name_weight),
        ("birth", *compare.compare_birth(a.birth, b.birth)),
        ("sex", *compare.compare_sex(a.sex, b.sex)),
        ("father_name", *father),
        ("mother_name", *mother),
        ("place_of_origin", *compare.compare_place(a.place, b.place)),
        ("nationality", *compare.compare_nationality(a.nationality, b.nationality)),
    ]
    if fields and (a.extra or b.extra):
        found += fields.compare(a.extra, b.extra) if a.extra else fields.compare(b.extra, a.extra)
    return found


def _total(levels: list[tuple[str, str, float]], siblings: bool = True) -> tuple[float, list[bool]]:
    conflict = siblings and levels[0][1] in compare.CONFLICTS
    counted = [True] + [not (conflict and weight > 0) for _, _, weight in levels[1:]]
    total = sum(weight for (_, _, weight), used in zip(levels, counted, strict=True) if used)
    return total, counted


def _ordered(a: Prepared, b: Prepared) -> tuple[Prepared, Prepared, bool]:
    first = repr(a.record) <= repr(b.record) if a.order == b.order else a.order < b.order
    return (a, b, False) if first else (b, a, True)


def weigh(a: Prepared, b: Prepared, model: Model | None = None) -> float:
    """The total weight of a pair, without the explanation (the fast path for ranking).

    It is the weight `score_pair` explains whenever the pair can be shown. Under the
    sibling rule a conflicting name leaves the other fields only negative evidence, so
    when the name's weight alone is under SHOW_WEIGHT the pair cannot be shown and that
    weight, an upper bound of the total, is returned without the other fields.
    """
    first, second, _ = _ordered(a, b)
    siblings = model.siblings if model else True
    name = compare.compare_names(first, second)
    if siblings and name[0] in compare.CONFLICTS and name[1] < SHOW_WEIGHT:
        return name[1]
    return _total(_levels(first, second, model, name), siblings)[0]


def _show(tokens: tuple[Token, ...]) -> str:
    return " ".join(token.text for token in tokens)


def _values(p: Prepared, field: str) -> str:
    record = p.record
    if field == "name":
        names = " ".join(part for part in (record.given_name, record.family_name) if part)
        return "; ".join([names, *record.other_names]) if record.other_names else names
    if field == "birth":
        return p.birth.describe()
    if field == "sex":
        return p.sex
    if field == "nationality":
        return p.nationality
    if hasattr(record, field):
        return str(getattr(record, field))
    return dict(record.extra).get(field, "")


def score_pair(a: Prepared, b: Prepared, model: Model | None = None) -> Score:
    """Score and explain a pair. score_pair(a, b) and score_pair(b, a) agree.

    `model` (`Matcher.model`) turns on the term-frequency adjustment, the learnt weights of
    further columns and the data set's profile; without it a pair is scored on its own.
    """
    first, second, flipped = _ordered(a, b)
    levels = _levels(first, second, model)
    total, counted = _total(levels, model.siblings if model else True)
    evidence = []
    for (field, level, weight), used in zip(levels, counted, strict=True):
        left, right = _values(first, field), _values(second, field)
        if flipped:
            left, right = right, left
        evidence.append(FieldEvidence(field, left, right, level, round(weight, 2), used))
    value = probability(total)
    return Score(
        left_id=a.record_id,
        right_id=b.record_id,
        value=value,
        weight=total,
        suggested=value >= SUGGEST,
        evidence=tuple(evidence),
    )
