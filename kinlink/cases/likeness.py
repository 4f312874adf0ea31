"""A child's case as the family-tracing matcher reads it (`kinlink.tracing.matching`, a pure
library without Django), and the duplicate check at registration that uses it (ADR 0023).

The matcher's `Record` holds the child's names in every spelling recorded (Latin letters,
the original script, aliases), sex, birth (a date, an estimated year or an age at referral),
nationality, place of origin and the parents' names recorded on the case.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kinlink.cases.models import Case, Relationship
from kinlink.tracing.matching import Record

SEX = {"male": "M", "female": "F"}


def _parents(case: Case) -> tuple[str, str]:
    father = mother = ""
    # People are prefetched by callers that read many cases (`people__person`).
    for link in case.people.all():
        if link.relationship == Relationship.FATHER and not father:
            father = link.person.full_name or link.person.full_name_original
        elif link.relationship == Relationship.MOTHER and not mother:
            mother = link.person.full_name or link.person.full_name_original
    return father, mother


def identity_record(
    record_id: str,
    identity: dict[str, Any],
    *,
    father: str = "",
    mother: str = "",
    record_date: date | None = None,
) -> Record:
    """A record from a case's identity fields (a saved case or a registration form)."""
    dob = identity.get("date_of_birth")
    estimated = bool(identity.get("dob_estimated"))
    original = " ".join(
        part
        for part in (identity.get("given_name_original"), identity.get("family_name_original"))
        if part
    )
    others = tuple(
        name for name in (original, *(identity.get("aliases") or [])) if name and name.strip()
    )
    nationalities = identity.get("nationalities") or []
    return Record(
        record_id=record_id,
        given_name=identity.get("given_name") or "",
        family_name=identity.get("family_name") or "",
        other_names=others,
        sex=SEX.get(identity.get("sex") or "", ""),
        date_of_birth=dob if dob and not estimated else None,
        birth_year=dob.year if dob and estimated else None,
        age_estimate=identity.get("age_estimate") if not dob else None,
        record_date=record_date or identity.get("referral_date"),
        nationality=(
            nationalities[0] if nationalities else identity.get("country_of_origin") or ""
        ).upper()[:2],
        place_of_origin=identity.get("place_of_origin") or "",
        father_name=father,
        mother_name=mother,
    )


def case_record(case: Case) -> Record:
    """The case as the matcher reads it; its id is the case's id."""
    father, mother = _parents(case)
    fields = (
        "given_name",
        "family_name",
        "given_name_original",
        "family_name_original",
        "aliases",
        "sex",
        "date_of_birth",
        "dob_estimated",
        "age_estimate",
        "referral_date",
        "nationalities",
        "country_of_origin",
        "place_of_origin",
    )
    return identity_record(
        str(case.pk), {name: getattr(case, name) for name in fields}, father=father, mother=mother
    )
