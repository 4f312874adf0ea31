"""Field-by-field comparison of two prepared records: each field gives an agreement level and
a weight, the evidence (in bits, log2 of a likelihood ratio) that the two are one child.

The weights were set by reasoning about how often each level occurs between records of one
child and between records of two children, then checked on the development set
(`bench/tracing_data.py`, seed 1); `docs/matching.md` lists them.
"""

from __future__ import annotations

import itertools

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from kinlink.tracing.matching.birth import Birth, one_digit_apart, swapped, year_gap
from kinlink.tracing.matching.names import Token
from kinlink.tracing.matching.prepare import Prepared

AGREE = 0.85  # two tokens with at least this similarity are one name part
NEAR = 0.70  # below this they are two different names

_SIMILARITY: dict[int, float] = {}


def _forms(fa: str, sa: str, fb: str, sb: str, vowelless: bool) -> float:
    if vowelless:
        # Only consonants are written on one side: compare consonants only.
        if not sa or not sb:
            return 0.0
        if sa == sb:
            return 0.93
        return 0.9 * JaroWinkler.similarity(sa, sb)
    similarity = JaroWinkler.similarity(fa, fb)
    if sa and sa == sb and similarity >= 0.75:
        similarity = max(similarity, 0.9)
    if max(len(fa), len(fb)) <= 3:
        # Short names differ by one letter from many others ("An", "Anh"; "Ali", "Ari").
        similarity *= 0.9
    return similarity


def token_similarity(a: Token, b: Token) -> float:
    """0–1: how likely two tokens are spellings of one name part. Symmetric."""
    if a is b or a.folded == b.folded:
        return 1.0
    x, y = a.number, b.number
    key = (x << 32 | y) if x < y else (y << 32 | x)
    cached = _SIMILARITY.get(key)
    if cached is not None:
        return cached
    if a.canon and a.canon == b.canon:
        value = 0.95
    elif a.soft and a.soft == b.soft and len(a.soft) >= 2 and (a.vowelless or b.vowelless):
        value = 0.9
    else:
        vowelless = a.vowelless or b.vowelless
        value = _forms(a.folded, a.skeleton, b.folded, b.skeleton, vowelless)
        if a.bare_folded:
            value = max(
                value, _forms(a.bare_folded, a.bare_skeleton, b.folded, b.skeleton, vowelless)
            )
        if b.bare_folded:
            value = max(
                value, _forms(a.folded, a.skeleton, b.bare_folded, b.bare_skeleton, vowelless)
            )
        # One slip of the pen: a letter dropped, doubled, changed or two exchanged, in the
        # spelling as written or once habits are folded ("Msmadou", "Mamadu"); across a
        # vowelless script, in a skeleton of four consonants or more ("Nikofar", "نیلوفر").
        if value < AGREE:
            if vowelless:
                slip = (
                    min(len(a.skeleton), len(b.skeleton)) >= 4
                    and DamerauLevenshtein.distance(a.skeleton, b.skeleton, score_cutoff=1) <= 1
                )
            else:
                slip = min(len(a.text), len(b.text)) >= 4 and (
                    DamerauLevenshtein.distance(a.text, b.text, score_cutoff=1) <= 1
                    or DamerauLevenshtein.distance(a.folded, b.folded, score_cutoff=1) <= 1
                )
            if slip:
                value = max(value, 0.87)
    if len(_SIMILARITY) > 2_000_000:
        _SIMILARITY.clear()
    _SIMILARITY[key] = value
    return value


def align(a: tuple[Token, ...], b: tuple[Token, ...]) -> tuple[list[float], bool]:
    """The similarity of each token of the shorter name with its partner in the longer one,
    each token used once (order ignored: "Nguyen Van An" and "An Nguyen Van" are one name);
    and whether `a` was the shorter."""
    sims, _, a_shorter = align_partners(a, b)
    return sims, a_shorter


def align_partners(
    a: tuple[Token, ...], b: tuple[Token, ...]
) -> tuple[list[float], list[int], bool]:
    """As `align`, with the position of each token's partner in the longer name. Up to
    three tokens on the shorter side the pairing is the best one (every assignment tried);
    beyond, greedy."""
    a_shorter = len(a) <= len(b)
    if not a_shorter:
        a, b = b, a
    rows = [[token_similarity(x, y) for y in b] for x in a]
    if len(a) == 1:
        row = rows[0]
        best_j = max(range(len(b)), key=row.__getitem__)
        return [row[best_j]], [best_j], a_shorter
    # When every token's best partner is a different token, that pairing is the best one.
    argmax = [max(range(len(b)), key=row.__getitem__) for row in rows]
    if len(set(argmax)) == len(argmax):
        return [rows[i][j] for i, j in enumerate(argmax)], argmax, a_shorter
    if len(a) <= 3 and len(b) <= 5:
        indices = range(len(a))
        perm = max(
            itertools.permutations(range(len(b)), len(a)),
            key=lambda p: sum(rows[i][p[i]] for i in indices),
        )
        return [rows[i][perm[i]] for i in indices], list(perm), a_shorter
    pairs = sorted(((rows[i][j], i, j) for i in range(len(a)) for j in range(len(b))), reverse=True)
    best = [0.0] * len(a)
    partner = [0] * len(a)
    used_a: set[int] = set()
    used_b: set[int] = set()
    for value, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        best[i], partner[i] = value, j
        used_a.add(i)
        used_b.add(j)
        if len(used_a) == len(a):
            break
    return best, partner, a_shorter


# --- the child's name ---------------------------------------------------------------

NAME_WEIGHTS = {
    "same": 9.0,  # every part identical once folded
    "agree": 7.0,  # every part of the shorter name found in the longer (base, two parts)
    "one part agrees": 3.0,  # one side has a single name part, and it is found
    "family name may be misspelt": 2.5,
    "family name differs": -3.0,  # the given name agrees: a namesake, or another surname
    "given name may be misspelt": 1.0,
    "given name differs": -6.0,  # the family name agrees: siblings, cousins
    "may be misspelt": -2.0,
    "differs": -9.0,
    "unknown": 0.0,
}
# Levels under which what siblings share is not counted in favour (see score.py): a given
# name that may only be misspelt is also how twins Hassan and Hussein compare.
CONFLICTS = frozenset(
    {"given name may be misspelt", "given name differs", "may be misspelt", "differs"}
)
Name = tuple[tuple[Token, ...], int]  # tokens, and how many of the first are given names


def compare_name_tokens(a: Name, b: Name) -> tuple[str, float]:
    """The level of agreement of two names and its weight.

    Every part of the shorter name must be found in the longer: a patronymic chain cut short
    ("Yonas Tesfay" of "Yohannes Tesfaye Habte") or one of two Spanish surnames agrees. A
    given name that differs under a shared family name is a sibling; a family name that
    differs under a shared given name is a namesake or a surname written another way, and
    the other fields decide.
    """
    (a_tokens, a_given), (b_tokens, b_given) = a, b
    if not a_tokens or not b_tokens:
        return "unknown", 0.0
    sims, partners, a_shorter = align_partners(a_tokens, b_tokens)
    low = min(sims)
    if low >= AGREE:
        if len(sims) == 1:
            return "one part agrees", NAME_WEIGHTS["one part agrees"] * (0.5 + 0.5 * low)
        if low == 1.0 and len(a_tokens) == len(b_tokens):
            return "same", NAME_WEIGHTS["same"] + 0.5 * (min(len(a_tokens), 4) - 2)
        mean = sum(sims) / len(sims)
        extra = 1.5 * (min(len(sims), 3) - 2)
        return "agree", (NAME_WEIGHTS["agree"] + extra) * (0.7 + 0.3 * (mean - AGREE) / 0.15)
    if not any(s >= AGREE for s in sims):
        level = "may be misspelt" if max(sims) >= NEAR else "differs"
        return level, NAME_WEIGHTS[level]
    # Siblings: a given name facing a given name, and they differ.
    given, other_given = (a_given, b_given) if a_shorter else (b_given, a_given)
    weak_given = any(
        s < AGREE and i < given and partners[i] < other_given for i, s in enumerate(sims)
    )
    part = "given name" if weak_given else "family name"
    level = f"{part} may be misspelt" if low >= NEAR else f"{part} differs"
    return level, NAME_WEIGHTS[level]


def _variants(tokens: tuple[Token, ...], given: int, chain: tuple[Token, ...]) -> list[Name]:
    return [(tokens, given), (tokens + chain, given)] if chain else [(tokens, given)]


def _given_agree(a: Prepared, b: Prepared) -> bool:
    return any(
        token_similarity(x, y) >= AGREE for x in a.name[: a.given] for y in b.name[: b.given]
    )


def compare_names(a: Prepared, b: Prepared) -> tuple[str, float]:
    """The best agreement between any name or alias of one record and any of the other.

    A record without a family name is also tried with its father's names as its family name,
    when the given names agree: otherwise "Ahmad, son of Mohammad" would be his own father
    "Mohammad, son of Ahmad".
    """
    chains = _given_agree(a, b)
    left = _variants(a.name, a.given, a.chain if chains else ())
    right = _variants(b.name, b.given, b.chain if chains else ())
    left += [(alias, len(alias)) for alias in a.aliases]
    right += [(alias, len(alias)) for alias in b.aliases]
    best = ("unknown", 0.0)
    for x in left:
        for y in right:
            found = compare_name_tokens(x, y)
            if best[0] == "unknown" or found[1] > best[1]:
                best = found
    return best


# --- parents and place ----------------------------------------------------------------


def compare_parent(a: tuple[Token, ...], b: tuple[Token, ...]) -> tuple[str, float]:
    """A parent's name: the shorter found in the longer (a mother's name may carry her family
    name, a father's his own father's)."""
    if not a or not b:
        return "unknown", 0.0
    sims, _ = align(a, b)
    if min(sims) >= AGREE:
        return "agree", 3.0 if len(sims) == 1 else 4.0
    if max(sims) >= AGREE:
        return "partly", 0.5
    if max(sims) >= NEAR:
        return "may be misspelt", -0.5
    return "differs", -4.5


def compare_place(a: tuple[Token, ...], b: tuple[Token, ...]) -> tuple[str, float]:
    """Place of origin: a village and its district are both right, so a partial agreement
    counts a little and a difference costs little."""
    if not a or not b:
        return "unknown", 0.0
    sims, _ = align(a, b)
    if min(sims) >= AGREE:
        return "agree", 2.0
    if max(sims) >= AGREE:
        return "partly", 0.5
    return "differs", -1.0


# --- birth, sex, nationality ------------------------------------------------------------


ESTIMATES = frozenset({"age", "placeholder"})


def compare_birth(a: Birth, b: Birth) -> tuple[str, float]:
    """Birth dates and ages, tolerant of estimates, placeholders and swapped day and month."""
    if not a.known or not b.known:
        return "unknown", 0.0
    if a.day is not None and b.day is not None:
        if a.day == b.day:
            return "same date", 7.0
        if swapped(a.day, b.day):
            return "day and month swapped", 5.0
        if one_digit_apart(a.day, b.day):
            return "one digit apart", 4.0
        if a.day.year == b.day.year:
            return "same year", 1.0
    gap = year_gap(a, b)
    estimated = a.kind in ESTIMATES or b.kind in ESTIMATES
    if gap == 0:
        if estimated:
            return "age consistent", 1.5
        return "same year", 3.0
    if gap == 1:
        return "a year apart", 0.5 if estimated else -0.5
    if gap == 2:
        return "two years apart", 0.0 if estimated else -2.0
    if gap == 3:
        return "three years apart", -1.5 if estimated else -4.0
    return "years apart", -5.0 if estimated else -7.0


def compare_sex(a: str, b: str) -> tuple[str, float]:
    if not a or not b:
        return "unknown", 0.0
    return ("agree", 1.0) if a == b else ("differs", -4.0)


def compare_nationality(a: str, b: str) -> tuple[str, float]:
    if not a or not b:
        return "unknown", 0.0
    return ("agree", 0.5) if a == b else ("differs", -1.5)
