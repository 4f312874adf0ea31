"""A record made ready to compare: every name field tokenised once, birth worked out."""

from __future__ import annotations

from dataclasses import dataclass

from kinlink.tracing.matching.birth import Birth, birth_of
from kinlink.tracing.matching.fields import normalise
from kinlink.tracing.matching.names import Token, tokenize
from kinlink.tracing.matching.places import place_tokens
from kinlink.tracing.matching.records import Record


@dataclass(frozen=True, slots=True)
class Prepared:
    """What comparisons read.

    `name` is the given names (the first `given` tokens) then the family names. `chain` is
    the father's names when the family name is empty: in a patronymic chain they are the
    child's family name (Yonas, son of Tesfay Habte, is "Yonas Tesfay Habte"), but an Afghan
    child's record may give his father's name where another gives his tribe's.
    """

    record: Record
    name: tuple[Token, ...]
    given: int
    chain: tuple[Token, ...]
    aliases: tuple[tuple[Token, ...], ...]
    father: tuple[Token, ...]
    mother: tuple[Token, ...]
    place: tuple[Token, ...]
    birth: Birth
    sex: str
    nationality: str
    order: str
    extra: tuple[tuple[str, str], ...] = ()
    # What the index's cheap look (`index.quick`) reads: birth years, whether estimated,
    # sex, the keys of each parent's first name and of the place's first word.
    cheap: tuple[int, int, bool, str, tuple[str, ...], tuple[str, ...], str] = (
        0, 0, False, "", (), (), ""
    )  # fmt: skip

    @property
    def record_id(self) -> str:
        return self.record.record_id


def prepare(record: Record) -> Prepared:
    """Tokenise every field of a record (never raises)."""
    given = tokenize(record.given_name)
    family = tokenize(record.family_name)
    father = tokenize(record.father_name)
    aliases = tuple(t for t in (tokenize(alias) for alias in record.other_names) if t)
    sex = record.sex.strip().upper()[:1]
    sex = sex if sex in {"M", "F"} else ""
    birth = birth_of(record)
    mother = tokenize(record.mother_name)
    place = place_tokens(record.place_of_origin)
    cheap = (
        birth.first_year,
        birth.last_year,
        birth.kind in {"age", "placeholder"},
        sex,
        _parent_keys(father),
        _parent_keys(mother),
        place[0].keys[0] if place else "",
    )
    name = given + family
    chain = () if family else father
    return Prepared(
        record=record,
        name=name,
        given=len(given),
        chain=chain,
        aliases=aliases,
        father=father,
        mother=mother,
        place=place,
        birth=birth,
        sex=sex,
        nationality=record.nationality.strip().upper(),
        # A total order on records, so that a pair is always compared the same way round.
        # (ties, two records with one id and one name, are broken in `score._ordered`).
        order=f"{record.record_id}\x1f{record.given_name}\x1f{record.family_name}",
        extra=tuple((column, normalise(value)) for column, value in record.extra),
        cheap=cheap,
    )


def _parent_keys(tokens: tuple[Token, ...]) -> tuple[str, ...]:
    # The first name's skeleton key and its nickname group, if any.
    if not tokens:
        return ()
    token = tokens[0]
    return (token.keys[0], "=" + token.canon) if token.canon else (token.keys[0],)
