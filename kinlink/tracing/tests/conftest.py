from __future__ import annotations

from typing import Any

import pytest

from kinlink.cases.services import case_person_add, consent_record


def consent(case: Any, actor: Any, *scopes: str) -> None:
    consent_record(
        actor=actor,
        case=case,
        consent={"given_by": "child", "scopes": list(scopes), "language": "ara"},
    )


@pytest.fixture
def mamadu(register_case: Any, caseworker_a: Any) -> Any:
    """Registered in Tangier as "Mamadu JALLOW", age assessed 17, father Alpha; he consented
    to tracing."""
    case = register_case(
        given_name="Mamadu",
        family_name="JALLOW",
        given_name_original="",
        family_name_original="",
        original_script="",
        age_estimate=17,
        nationalities=["GN"],
        country_of_origin="GN",
        place_of_origin="Labe",
    )
    case_person_add(actor=caseworker_a, case=case, full_name="Alpha Jallow", relationship="father")
    consent(case, caseworker_a, "tracing")
    return case


def relative_values(**overrides: Any) -> dict[str, Any]:
    """A mother in Conakry asks for her son "Mamadou Diallo, 15"."""
    values: dict[str, Any] = {
        "inquirer_name": "Aissatou Diallo",
        "inquirer_relationship": "mother",
        "inquirer_contact": "+224 600 00 00 00",
        "sought_given_name": "Mamadou",
        "sought_family_name": "Diallo",
        "sought_sex": "male",
        "sought_age": 15,
        "sought_nationality": "GN",
        "sought_place_of_origin": "Labé",
        "sought_father_name": "Alpha Diallo",
    }
    values.update(overrides)
    return values
