"""Places of origin, however spelt: the same town in the spelling of each language, and the
exonyms caseworkers use ("Alep", "Aleppo" and "Halab" are one city)."""

from __future__ import annotations

from functools import lru_cache

from kinlink.tracing.matching.names import Token, canonical_name, fold, make_token, tokenize

# One line per place; the first word names it. Only places whose spellings differ beyond
# what folding and the fuzzy comparison catch.
ALIASES = """
halab aleppo alep alepo
dimashq damascus damas damasco sham
hims homs
hama hamah
dayr deir deirezzor
muqdisho mogadishu mogadiscio mogadiscio mogadischu
hargeisa hargeysa
kismayo kismaayo chisimaio
addis addisababa
asmara asmera
kabul kaboul cabul
kandahar qandahar
herat hirat
mazar mazarisharif
jalalabad jelalabad
kyiv kiev kiew kijow
kharkiv kharkov
odesa odessa
lviv lvov lwow
hochiminh saigon
hanoi
conakry konakry konakri
bamako
dakar
tegucigalpa
sanpedrosula
""".strip()


@lru_cache(maxsize=1)
def _place_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in ALIASES.splitlines():
        words = line.split()
        for word in words:
            table.setdefault(fold(word), fold(words[0]))
    return table


def place_tokens(text: str) -> tuple[Token, ...]:
    """Tokens of a place, a known exonym replaced by the place's own name.

    Words of a known multi-word name are joined first ("Addis Ababa", "San Pedro Sula").
    """
    tokens = tokenize(text)
    table = _place_table()
    joined = "".join(token.folded for token in tokens)
    if joined in table and len(tokens) > 1:
        return (make_token(table[joined], False),)
    out = []
    for token in tokens:
        canon = table.get(token.folded)
        out.append(make_token(canon, False) if canon else token)
    return tuple(out)


__all__ = ["canonical_name", "place_tokens"]
