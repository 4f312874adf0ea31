"""Name keys that survive spelling and script: the first, simple engine behind search and the
duplicate check (the family-tracing matcher replaces it).

A name becomes tokens (transliterated to Latin letters, lower case, particles removed), and each
token becomes a consonant skeleton: the same name spelled by an English, French or Italian
caseworker, or written in Arabic script without vowels, gives the same skeleton
("Mohamed", "Muhammad", "Mohammed", "محمد" → "mhmd"). Pure Python: no Django here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii
from rapidfuzz import fuzz

# Arabic article and connectors written apart ("al Amin", "el-Amine", "bin Laden").
PARTICLES = frozenset(
    {
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
        "an",
        "az",
        "bin",
        "ben",
        "ibn",
        "bint",
        "de",
        "del",
        "la",
        "los",
        "las",
        "y",
        "da",
        "di",
        "van",
        "von",
        "wad",
        "ould",
        "ag",
    }
)
# Digraphs that different transcription habits spell differently; applied in order.
DIGRAPHS = (
    ("sch", "s"),
    ("tch", "c"),
    ("dj", "j"),
    ("dh", "d"),
    ("th", "t"),
    ("kh", "k"),
    ("gh", "g"),
    ("sh", "s"),
    ("ch", "s"),
    ("ph", "f"),
    ("ou", "u"),
    ("q", "k"),
    ("ck", "k"),
    ("x", "ks"),
    ("z", "s"),
    ("w", "u"),
    ("y", "i"),
    ("j", "i"),
    ("c", "k"),
)
VOWELS = frozenset("aeiou")
ARTICLE_PREFIX = re.compile(r"^(?:al|el|ul)(?=[a-z]{3,})")
ABD_PREFIX = re.compile(r"^abd(?:[aeiou]?l|[aeiou](?=([bcdfghjklmnpqrstvwxz])\1))?")


ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_ABD = re.compile(r"(?<![\u0600-\u06ff])عبد\s*(?:ال)?")
ARABIC_ARTICLE = re.compile(r"(?<![\u0600-\u06ff])ال(?=[\u0600-\u06ff]{2,})")


def to_latin(text: str) -> str:
    """Transliterate any script to lower-case ASCII words.

    Arabic is written without short vowels and with the article joined to the word, so the
    article is cut and "عبد ال…" becomes the "abd" compound before transliteration.
    """
    text = unicodedata.normalize("NFKC", text)
    text = ARABIC_MARKS.sub("", text)
    text = ARABIC_ABD.sub(" abd", text)
    text = ARABIC_ARTICLE.sub("", text)
    ascii_text = anyascii(text).lower()
    return re.sub(r"[^a-z]+", " ", ascii_text.replace("'", "").replace("`", "")).strip()


def tokens(text: str) -> list[str]:
    """Meaningful name parts: particles dropped, "abd al rahman" joined into one part."""
    parts = [p for p in to_latin(text).split() if p]
    joined: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        # "abd al rahman", "abdel rahman", "abdul rahman": one name, written apart.
        if part in {"abd", "abdel", "abdul", "abdal", "abdoul"} and index + 1 < len(parts):
            nxt = parts[index + 1]
            if nxt in PARTICLES and index + 2 < len(parts):
                part, index = "abd" + parts[index + 2], index + 2
            else:
                part, index = "abd" + nxt, index + 1
        if part not in PARTICLES:
            joined.append(part)
        index += 1
    return joined


def skeleton(token: str) -> str:
    """Consonant skeleton of one token: first letter kept, vowels dropped, doubles folded."""
    word = (
        ABD_PREFIX.sub("abd", token) if token.startswith("abd") else ARTICLE_PREFIX.sub("", token)
    )
    if word.startswith("abd") and len(word) > 3:
        rest = word[3:]
        rest = re.sub(r"^[aeiou]*l(?=[^aeiou])", "", rest)
        word = "abd" + rest
    for old, new in DIGRAPHS:
        word = word.replace(old, new)
    if not word:
        return ""
    # Vowels go, the first one too: Arabic script writes neither "Amin"'s nor "Ahmad"'s.
    consonants = "".join(ch for ch in word if ch not in VOWELS)
    return re.sub(r"(.)\1+", r"\1", consonants)


def keys(names: Iterable[str]) -> set[str]:
    """Every searchable key of a set of names: full Latin tokens and their skeletons."""
    found: set[str] = set()
    for name in names:
        for token in tokens(name):
            found.add(token)
            if sk := skeleton(token):
                found.add("~" + sk)
    return found


def index_text(names: Iterable[str]) -> str:
    """The stored search index of a record: its keys, space-separated, bounded by spaces."""
    return " " + " ".join(sorted(keys(names))) + " "


def query_keys(query: str) -> list[set[str]]:
    """For each token of a search, the keys that may match it (any one suffices)."""
    result = []
    for token in tokens(query):
        options = {token}
        if sk := skeleton(token):
            options.add("~" + sk)
        result.append(options)
    return result


def name_similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """0–1: how alike two sets of names are, by skeletons, order-insensitive."""
    left = " ".join(sorted(k for k in keys(a) if k.startswith("~")))
    right = " ".join(sorted(k for k in keys(b) if k.startswith("~")))
    if not left or not right:
        return 0.0
    return fuzz.token_set_ratio(left, right) / 100.0
