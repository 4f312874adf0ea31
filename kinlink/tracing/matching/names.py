"""Names as tokens, and tokens as the keys different spellings share.

A name field becomes tokens: transliterated (`script.py`), particles dropped (al, el, bin,
ould, de, van…), the abd compounds joined ("Abd al-Rahman", "Abdel Rahman", "Abderrahmane"
are one token), the "-ullah" compounds joined ("Zabih Ullah" is "Zabihullah"). Each token
then carries three forms:

- `folded`: the spelling with the habits of English, French, Italian and Spanish
  transcription folded together ("Djalo", "Diallo", "Jallow" → `jalo`; "Mamadou",
  "Mamadu" → `mamadu`);
- `skeleton`: its consonants only, the only part an abjad writes ("محمد", "Mohammed" → `mhmd`);
- `canon`: the name it is a nickname or a language form of, if our table knows it
  ("Pepe" → `jose`, "Yonas" → `yohannes`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

from kinlink.tracing.matching import nicknames
from kinlink.tracing.matching.script import transliterate

# Connectors and articles written apart: Arabic (al, bin, ould, wad; abu is a name and
# stays), Berber (ag), Spanish (de, del, y), Italian and Portuguese (di, da, dos). Not "an",
# "van" or "e": they are Vietnamese and Tigrinya names ("Nguyen Van An").
PARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "ad",
        "ed",
        "ar",
        "er",
        "as",
        "es",
        "at",
        "et",
        "az",
        "ez",
        "bin",
        "ben",
        "ibn",
        "bint",
        "binti",
        "ould",
        "wad",
        "ag",
        "de",
        "del",
        "la",
        "las",
        "los",
        "y",
        "da",
        "di",
        "dos",
        "das",
    ]
)
ABD_ALONE = frozenset(
    {"abd", "abdel", "abdul", "abdal", "abdoul", "abdou", "abdu", "abdol", "abdil"}
)
ULLAH = frozenset({"ullah", "ulla", "allah", "ollah", "olla", "ulloh", "llah", "lah", "llh"})
# "Abdelkader", "Abdulkadir", "Abderrahmane" (assimilated article), "Abdurrahman".
ABD_PREFIX = re.compile(r"^abd(?:[aeiou]?l|[aeiou](?=([bcdfghjklmnpqrstvwxz])\1))?")
JOINED_ARTICLE = re.compile(r"^(?:al|el|ul)(?=[bcdfghjklmnpqrstvwxz][a-z]{2,})")
# Spelling habits folded together, longest first. Each pair is a sound that English,
# French, Italian, Spanish and German caseworkers write differently.
FOLDS = (
    ("tsch", "s"),
    ("sch", "s"),
    ("tch", "s"),
    ("dzh", "j"),
    ("dj", "j"),
    ("dh", "d"),
    ("th", "t"),
    ("kh", "k"),
    ("gh", "g"),
    ("sh", "s"),
    ("ch", "s"),
    ("zh", "j"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ey", "i"),
    ("ay", "ai"),
    ("q", "k"),
    ("c", "k"),
    ("x", "ks"),
    ("z", "s"),
    ("w", "v"),
    ("y", "i"),
)
VOWELS = frozenset("aeiou")
# Letters a skeleton leaves out besides the vowels: "v" is Arabic-script و, a consonant in
# Persian speech (Javad) and a vowel in Arabic (Mahmoud), written without a sign for which.
SKELETON_DROPS = frozenset("aeiouv")
# French "Dia-"/"Dja-" and English "Ja-" are one sound (Diallo, Djalo, Jallow).
DI_VOWEL = re.compile(r"^d[iy](?=[aeou])")
# Spanish and Italian write a hard "g" before e and i as "gu" and "gh" (Miguel, Ghirardi).
GU_VOWEL = re.compile(r"gu(?=[ei])")


@dataclass(frozen=True, slots=True)
class Token:
    """One part of a name, in the forms that different spellings share."""

    text: str
    folded: str
    skeleton: str
    canon: str
    vowelless: bool
    # The skeleton without "h": Latin spellings drop Arabic ح and ه freely (Zabiullah for
    # ذبیح الله, Amadou for Ahmadou).
    soft: str
    # The form without a joined Arabic article ("Alhassan" → `hasan`), or "" if none: kept
    # beside the whole word because "Alberto" and "Alpha" are not "al" + a name.
    bare_folded: str = ""
    bare_skeleton: str = ""
    # A number of its own, so that pair similarities are cached under one integer.
    number: int = field(default_factory=itertools.count().__next__, compare=False)

    # Blocking keys (`token_keys`), worked out once.
    keys: tuple[str, ...] = field(default=(), compare=False)


def token_keys(token: Token) -> tuple[str, ...]:
    """Blocking keys: the skeleton's first four consonants (what any script and any spelling
    share; a typo late in a long name keeps the record), the same without "h" ("Ibraima",
    "Ibrahim"), the nickname group if known ("Pepe" and "José" share no consonant), and the
    bare form's skeleton."""
    found = [_key(token.skeleton, token.folded)]
    soft = token.soft[:4]
    if soft and soft != found[0]:
        found.append(soft)
    if token.canon:
        found.append("=" + token.canon)
    if token.bare_folded:
        found.append(_key(token.bare_skeleton, token.bare_folded))
    return tuple(found)


def _key(skeleton: str, folded: str) -> str:
    return skeleton[:4] if skeleton else "#" + folded[:3]


def _join_compounds(words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    joined: list[tuple[str, bool]] = []
    index = 0
    while index < len(words):
        word, vowelless = words[index]
        if word in ABD_ALONE and index + 1 < len(words):
            nxt = index + 1
            if words[nxt][0] in PARTICLES and nxt + 1 < len(words):
                nxt += 1
            word, index = "abd" + words[nxt][0], nxt
        elif word in ULLAH and joined:
            prev, prev_vowelless = joined.pop()
            word, vowelless = prev + "ullah", prev_vowelless or vowelless
        if word not in PARTICLES:
            joined.append((word, vowelless))
        index += 1
    return joined


def fold(word: str) -> str:
    """The spelling with transcription habits folded together; vowels kept. Folded until
    nothing changes, so that folding is idempotent ("soou" → "sou" → "su")."""
    for _ in range(8):
        folded = _fold_once(word)
        if folded == word:
            break
        word = folded
    return word


def _fold_once(word: str) -> str:
    if word.startswith("abd"):
        word = ABD_PREFIX.sub("abd", word)
    word = DI_VOWEL.sub("j", word)
    word = GU_VOWEL.sub("g", word)
    for old, new in FOLDS:
        word = word.replace(old, new)
    return _finish(word)


def _finish(word: str) -> str:
    word = re.sub(r"(.)\1+", r"\1", word)
    # A final "h" after a vowel is silent in every habit (Fatimah, Aisha, Abdallah).
    word = re.sub(r"(?<=[aeiou])h$", "", word)
    # "Ullah" compounds are written -ullah, -ulla, -ollah, -ola.
    return re.sub(r"[aeiou]la$", "ula", word)


@lru_cache(maxsize=1)
def _canon_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in nicknames.groups():
        name = fold(group[0])
        for spelling in group:
            # A spelling claimed by two groups belongs to the first: groups are narrow.
            table.setdefault(fold(spelling), name)
    return table


def canonical_name(folded: str) -> str:
    """The group a folded spelling belongs to, or "" if the table does not know it."""
    return _canon_table().get(folded, "")


def skeleton_of(folded: str) -> str:
    """Consonants only, doubles folded: what an abjad writes ("mhmd")."""
    consonants = "".join(ch for ch in folded if ch not in SKELETON_DROPS)
    return re.sub(r"(.)\1+", r"\1", consonants)


@cache
def make_token(word: str, vowelless: bool) -> Token:
    """A token from one transliterated word."""
    # An abjad word arrives folded letter by letter (`script.ABJAD_LETTERS`).
    folded = _finish(word) if vowelless else fold(word)
    skeleton = skeleton_of(folded)
    soft = skeleton.replace("h", "")
    canon = "" if vowelless else canonical_name(folded)
    bare = JOINED_ARTICLE.sub("", word)
    if bare != word and not vowelless:
        bare_folded = fold(bare)
        bare_skeleton = skeleton_of(bare_folded)
        token = Token(word, folded, skeleton, canon, vowelless, soft, bare_folded, bare_skeleton)
    else:
        token = Token(word, folded, skeleton, canon, vowelless, soft)
    return replace(token, keys=token_keys(token), number=token.number)


@lru_cache(maxsize=200_000)
def tokenize(text: str) -> tuple[Token, ...]:
    """The tokens of one name field, in the order written.

    Deterministic and total: any string gives a (possibly empty) tuple.
    """
    if not text or not text.strip():
        return ()
    text = re.sub(r"(?i)\b[sdwb]\s*/\s*o\b", " ", text)  # "s/o", "d/o": son of, daughter of
    words = _join_compounds(transliterate(text))
    return tuple(make_token(word, vowelless) for word, vowelless in words if word)


def normalize(text: str) -> str:
    """The folded form of a whole name, tokens joined by spaces (idempotent on Latin text; a
    name in an abjad gives its letters, which Latin folding would read otherwise)."""
    return " ".join(token.folded for token in tokenize(text))
