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
    return Prepared(
        record=record,
        name=given + family,
        given=len(given),
        chain=() if family else father,
        aliases=aliases,
        father=father,
        mother=tokenize(record.mother_name),
        place=place_tokens(record.place_of_origin),
        birth=birth_of(record),
        sex=sex if sex in {"M", "F"} else "",
        nationality=record.nationality.strip().upper(),
        # A total order on records, so that a pair is always compared the same way round.
        order=repr(record),
        extra=tuple((column, normalise(value)) for column, value in record.extra),
    )
