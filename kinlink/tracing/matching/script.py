"""Any script to Latin letters, the way a caseworker would read the name aloud.

`anyascii` does the transliteration. What is ours is what it cannot know about names:
Arabic script writes no short vowels and joins the article to the word, so the article is
cut and "عبد ال…" becomes the `abd` compound first; letters that Persian, Dari, Pashto and
Levantine speakers pronounce as "z" or "s" are read that way, since that is how a caseworker
who heard the name spells it. A word in an abjad (Arabic, Hebrew, Syriac, Thaana) is marked
*vowelless*: only its consonants may be compared with a Latin spelling.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_LETTER = r"\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# "عبد الرحمن", "عبدالرحمن": one name, the compound of abd.
ARABIC_ABD = re.compile(rf"(?<![{ARABIC_LETTER}])عبد\s*(?:ال)?")
# The joined article, when at least two letters follow it.
ARABIC_ARTICLE = re.compile(rf"(?<![{ARABIC_LETTER}])ال(?=[{ARABIC_LETTER}]{{2,}})")
# Arabic-script letters (Arabic, Persian, Dari, Pashto, Urdu) to the folded Latin letter a
# caseworker who heard the name would write, one letter each, so that no false digraph
# forms ("زهرا" is z-h-r-a, not zh-r-a). The classes are those of `names.FOLDS`: ذ ظ ز are
# "z" (Zabiullah, Zaki: Persian and Levantine speech), ث "th" (Othman), خ "kh", ش "sh",
# ق "q", all folded; long vowels and hamza seats are vowels, ع is unwritten in Latin.
ABJAD_LETTERS = str.maketrans(
    {
        "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ء": "", "ئ": "i", "ؤ": "u",
        "ب": "b", "پ": "p", "ت": "t", "ث": "t", "ج": "j", "چ": "s", "ح": "h", "خ": "k",
        "د": "d", "ذ": "s", "ر": "r", "ز": "s", "ژ": "j", "س": "s", "ش": "s", "ص": "s",
        "ض": "d", "ط": "t", "ظ": "s", "ع": "", "غ": "g", "ف": "f", "ق": "k", "ك": "k",
        "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a", "و": "u",
        "ي": "i", "ی": "i", "ى": "a", "ے": "i", "ۀ": "a", "ټ": "t", "ډ": "d", "ړ": "r",
        "ږ": "j", "ښ": "s", "ګ": "g", "ڼ": "n", "ې": "i", "ۍ": "i",
    }
)  # fmt: skip
ABJAD = re.compile(rf"[{ARABIC_LETTER}\u0590-\u05ff\u0700-\u074f\u0780-\u07bf]")
LATIN_WORD = re.compile(r"[a-z0-9]+")


def is_abjad(word: str) -> bool:
    """True when the word is written in a script that leaves short vowels out."""
    return bool(ABJAD.search(word))


def transliterate(text: str) -> list[tuple[str, bool]]:
    """The words of a name in lower-case ASCII letters, each with its vowelless mark.

    Never raises: a character no table knows becomes nothing, and a name made only of such
    characters gives no word (the comparison then treats the field as unknown).
    """
    text = unicodedata.normalize("NFKC", text)
    if ABJAD.search(text):
        text = ARABIC_MARKS.sub("", text)
        text = text.replace("الله", " ullah")  # Allah in compounds: Abdullah, Zabihullah
        text = ARABIC_ABD.sub(" abd", text)
        text = ARABIC_ARTICLE.sub("", text)
    words: list[tuple[str, bool]] = []
    # Apostrophes and hyphens join (O'Brien, al-Amin is split later by the particle rules).
    # Arabic commas, semicolons and question marks separate words as their Latin forms do.
    for raw in re.split(r"[\s,;/()\[\]{}\.\-_\u060c\u061b\u061f]+", text):
        if not raw:
            continue
        # A word mixing letters of another script into an abjad one is read as that script.
        vowelless = is_abjad(raw) and not any(ch.isalpha() and not ABJAD.match(ch) for ch in raw)
        if vowelless:
            # A final ه after a consonant writes a vowel (فاطمه Fatemeh, صدیقه Sediqa).
            raw = re.sub(r"(?<=[^\s\u0627\u0648\u064a\u06cc])\u0647$", "\u0627", raw)
            raw = raw.translate(ABJAD_LETTERS)
        latin = anyascii(raw).lower()
        # anyascii writes some letters with marks ("`" for ayin, "'" for glottal stops).
        for word in LATIN_WORD.findall(latin.replace("'", "").replace("`", "")):
            words.append((word, vowelless))
    return words
