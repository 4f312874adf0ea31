"""SG-10: the family link is verified, and the child and the adult both want to live together,
before tracing reaches "reunified" and before a return."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kinlink.assessments import services
from kinlink.assessments.models import FamilyVerification
from kinlink.assessments.tests.conftest import consent_to_tracing, reload
from kinlink.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

REFUSAL = "Record a family verification first"


def verification(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "adult_name": "Amina El Amine",
        "relationship": "mother",
        "how_verified": "Birth certificate; the child's and the mother's accounts agree.",
        "verified_by": "Partner social worker, Khartoum",
        "verified_on": timezone.localdate(),
        "relationship_confirmed": True,
        "information_matches": True,
        "child_willing": True,
        "adult_willing": True,
    }
    values.update(overrides)
    return values


def traced_to_found(case: Any, actor: Any) -> Any:
    consent_to_tracing(case, actor)
    services.tracing_status_update(
        actor=actor,
        case=reload(case),
        status="open",
        do_no_harm_confirmed=True,
        tracing_targets="Mother",
    )
    services.tracing_status_update(actor=actor, case=reload(case), status="found")
    return reload(case)


def test_the_relationship_is_not_marked_verified_without_a_verification(
    case_a: Any, caseworker_a: Any
) -> None:
    case = traced_to_found(case_a, caseworker_a)
    with pytest.raises(ValidationError, match=REFUSAL):
        services.tracing_status_update(actor=caseworker_a, case=case, status="verified")
    assert reload(case).tracing_status == "found"


def test_tracing_is_not_reunified_while_the_child_does_not_want_it(
    case_a: Any, caseworker_a: Any
) -> None:
    case = traced_to_found(case_a, caseworker_a)
    services.family_verification_record(
        actor=caseworker_a, case=case, **verification(child_willing=False)
    )
    services.tracing_status_update(actor=caseworker_a, case=reload(case), status="verified")
    with pytest.raises(ValidationError, match=REFUSAL):
        services.tracing_status_update(actor=caseworker_a, case=reload(case), status="reunified")
    assert reload(case).tracing_status == "verified"
    assert reload(case).family_verified_at is None


def test_a_full_verification_lets_the_family_be_reunified_and_is_audited_without_names(
    case_a: Any, caseworker_a: Any
) -> None:
    case = traced_to_found(case_a, caseworker_a)
    row = services.family_verification_record(actor=caseworker_a, case=case, **verification())
    assert reload(case).family_verified_at is not None
    for status in ("verified", "reunified"):
        services.tracing_status_update(actor=caseworker_a, case=reload(case), status=status)
    assert reload(case).tracing_status == "reunified"
    event = AuditEvent.objects.get(object_id=str(row.pk))
    assert "Amina" not in str(event.changes)


def test_a_later_verification_that_fails_clears_the_fact(case_a: Any, caseworker_a: Any) -> None:
    services.family_verification_record(actor=caseworker_a, case=case_a, **verification())
    services.family_verification_record(
        actor=caseworker_a, case=reload(case_a), **verification(adult_willing=False)
    )
    assert reload(case_a).family_verified_at is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"how_verified": "ok"}, "how_verified"),
        ({"verified_by": ""}, "verified_by"),
        ({"relationship": "neighbour"}, "relationship"),
        (
            {"verified_on": timezone.localdate().replace(year=timezone.localdate().year + 1)},
            "verified_on",
        ),
    ],
    ids=["how-too-short", "no-verifier", "unknown-relationship", "future-date"],
)
def test_an_incomplete_verification_is_refused(
    case_a: Any, caseworker_a: Any, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        services.family_verification_record(
            actor=caseworker_a, case=case_a, **verification(**overrides)
        )
    assert field in error.value.message_dict
    assert not FamilyVerification.objects.exists()


def test_the_refusal_reads_in_french(case_a: Any, caseworker_a: Any) -> None:
    case = traced_to_found(case_a, caseworker_a)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.tracing_status_update(actor=caseworker_a, case=case, status="verified")
    message = " ".join(error.value.messages)
    if REFUSAL in message:
        pytest.skip("no compiled French catalogue (run `make messages`)")
    assert "vérification" in message


def test_the_verification_form_records_it(client: Any, case_a: Any, caseworker_a: Any) -> None:
    client.force_login(caseworker_a)
    data = {
        **verification(),
        "verified_on": timezone.localdate().isoformat(),
        "relationship_confirmed": "on",
        "information_matches": "on",
        "child_willing": "on",
        "adult_willing": "on",
    }
    response = client.post(reverse("assessments:verification_add", args=[case_a.pk]), data)
    assert response.status_code == 302
    assert reload(case_a).family_verified_at is not None
