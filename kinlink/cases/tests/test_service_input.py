"""Services refuse what the forms refuse, whoever calls them: a `ValidationError` naming the
field, and nothing saved. On PostgreSQL an over-long value must never reach the database (it
would raise a DataError, an error page); on SQLite it must not be stored either."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import CONSENT, identity
from kinlink.cases.models import Case, CasePerson, Consent, Person
from kinlink.cases.services import case_person_add, case_register, case_update, consent_record

pytestmark = pytest.mark.django_db

PERSON = {"full_name": "Aminata Diallo", "relationship": "mother"}


def refused_fields(call: Any, **arguments: Any) -> set[str]:
    with pytest.raises(ValidationError) as error:
        call(**arguments)
    return set(error.value.message_dict)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"country": "ZZ"}, "country"),
        ({"contact": "+212 " + "6" * 400}, "contact"),
        ({"notes": "n" * 5000}, "notes"),
        ({"relationship": "neighbour"}, "relationship"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "A" * 201}, "full_name"),
        ({"full_name_original": "ا" * 201}, "full_name_original"),
    ],
    ids=[
        "unknown-country",
        "contact-400",
        "notes-5000",
        "unknown-relationship",
        "no-name",
        "name-201",
        "original-name-201",
    ],
)
def test_adding_a_person_refuses_what_the_form_refuses(
    case_a: Case, caseworker_a: Any, values: dict[str, Any], field: str
) -> None:
    arguments = {**PERSON, **values}
    assert field in refused_fields(case_person_add, actor=caseworker_a, case=case_a, **arguments)
    assert not Person.objects.exists()
    assert not CasePerson.objects.exists()


def test_a_person_within_the_limits_is_added(case_a: Case, caseworker_a: Any) -> None:
    link = case_person_add(
        actor=caseworker_a, case=case_a, country="GN", contact="+224 600 00 00", **PERSON
    )
    assert link.person.country == "GN"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"language": "zzz"}, "language"),
        ({"scopes": ["services", "marketing"]}, "scopes"),
        ({"given_by": "neighbour"}, "given_by"),
        ({"given_by_name": "N" * 201}, "given_by_name"),
        (
            {
                "given_by": "",
                "scopes": [],
                "legal_basis": "vital_interests",
                "reason_without_consent": "r" * 2001,
            },
            "reason_without_consent",
        ),
        (
            {
                "given_by": "",
                "scopes": [],
                "legal_basis": "whim",
                "reason_without_consent": "x" * 20,
            },
            "legal_basis",
        ),
    ],
    ids=[
        "unknown-language",
        "unknown-scope",
        "unknown-giver",
        "name-201",
        "reason-2001",
        "unknown-basis",
    ],
)
def test_recording_consent_refuses_what_the_form_refuses(
    case_a: Case, caseworker_a: Any, values: dict[str, Any], field: str
) -> None:
    before = Consent.objects.count()
    consent = {**CONSENT, **values}
    assert field in refused_fields(consent_record, actor=caseworker_a, case=case_a, consent=consent)
    assert Consent.objects.count() == before


def test_registration_names_a_bad_consent_field_as_its_form_does(caseworker_a: Any) -> None:
    fields = refused_fields(
        case_register,
        actor=caseworker_a,
        team=caseworker_a.teams.first(),
        lead_caseworker=caseworker_a,
        identity=identity(),
        consent={**CONSENT, "language": "zzz"},
    )
    assert fields == {"consent_language"}
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"place_of_origin": "P" * 500}, "place_of_origin"),
        ({"current_location": "L" * 201}, "current_location"),
        ({"sex": "martian"}, "sex"),
        ({"case_type": "holiday"}, "case_type"),
        ({"risk_level": "extreme"}, "risk_level"),
        ({"separation_status": "lost"}, "separation_status"),
        ({"aliases": ["A" * 101]}, "aliases"),
        ({"aliases": [f"Name{chr(97 + n)}" for n in range(11)]}, "aliases"),
    ],
    ids=[
        "place-500",
        "location-201",
        "unknown-sex",
        "unknown-type",
        "unknown-risk",
        "unknown-separation",
        "alias-101",
        "eleven-aliases",
    ],
)
def test_changing_the_identity_refuses_what_the_form_refuses(
    case_a: Case, caseworker_a: Any, values: dict[str, Any], field: str
) -> None:
    version = case_a.version
    assert field in refused_fields(
        case_update, actor=caseworker_a, case=case_a, seen_version=version, identity=values
    )
    case_a.refresh_from_db()
    assert case_a.version == version
    assert (case_a.sex, case_a.place_of_origin, case_a.case_type) == ("male", "Nyala", "uasc_host")
