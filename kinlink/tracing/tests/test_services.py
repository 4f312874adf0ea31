"""Tracing requests, their log and verification, and suggested matches a person decides."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kinlink.audit.models import AuditEvent
from kinlink.cases.models import Case
from kinlink.tracing import jobs, services, suggest
from kinlink.tracing.models import Suggestion, SuggestionStatus, TracingRequest
from kinlink.tracing.policies import visible_requests, visible_suggestions
from kinlink.tracing.tests.conftest import relative_values

pytestmark = pytest.mark.django_db


def file(actor: Any, **overrides: Any) -> TracingRequest:
    return services.tracing_request_file(
        actor=actor,
        team=actor.teams.first(),
        filed_by="relative",
        values=relative_values(**overrides),
    )


def verification(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "adult_name": "Aissatou Diallo",
        "relationship": "mother",
        "how_verified": "Photographs, birth certificate, separate interviews.",
        "verified_by": "M. Barry, SPG Conakry",
        "verified_on": date(2026, 11, 20),
        "relationship_confirmed": True,
        "information_matches": True,
        "child_willing": True,
        "adult_willing": True,
    }
    values.update(overrides)
    return values


def test_a_relatives_request_is_filed_with_who_asks_and_logged(caseworker_a: Any) -> None:
    request = file(caseworker_a)
    assert request.reference.startswith("TR-")
    assert request.status == "open"
    assert request.actions.count() == 1
    assert AuditEvent.objects.filter(object_id=str(request.pk), action="create").exists()


def test_bad_input_names_every_problem_and_files_nothing(caseworker_a: Any) -> None:
    with pytest.raises(ValidationError) as error:
        file(caseworker_a, inquirer_name="", sought_given_name="", sought_nationality="Guinea")
    assert {"inquirer_name", "sought_given_name", "sought_nationality"} <= set(
        error.value.message_dict
    )
    assert not TracingRequest.objects.exists()


def test_the_matcher_suggests_the_child_who_consented_to_tracing_and_links_nothing(
    caseworker_a: Any, mamadu: Case, register_case: Any
) -> None:
    register_case(given_name="Ibrahim", family_name="Sow", nationalities=["GN"])  # no consent
    request = file(caseworker_a)
    assert jobs.match_request.call(str(request.pk)) >= 1
    suggestion = Suggestion.objects.get(request=request)
    assert suggestion.case == mamadu
    assert suggestion.status == "new"
    fields = {line["field"] for line in suggestion.evidence}
    assert {"name", "birth", "father_name"} <= fields
    request.refresh_from_db()
    assert request.case is None and request.status == "open"


def test_a_child_without_tracing_consent_is_never_suggested(
    caseworker_a: Any, register_case: Any
) -> None:
    register_case(given_name="Mamadu", family_name="Jallow", age_estimate=17, nationalities=["GN"])
    request = file(caseworker_a)
    jobs.match_request.call(str(request.pk))
    assert not Suggestion.objects.exists()


def test_confirming_links_the_case_and_finds_the_request(caseworker_a: Any, mamadu: Case) -> None:
    request = file(caseworker_a)
    suggest.match_requests(request.agency_id)
    suggestion = Suggestion.objects.get(request=request, case=mamadu)
    services.suggestion_confirm(
        actor=caseworker_a, suggestion=suggestion, seen_version=suggestion.version
    )
    request.refresh_from_db()
    assert (request.case, request.status) == (mamadu, "found")
    assert AuditEvent.objects.filter(object_id=str(suggestion.pk), case_id=mamadu.pk).exists()


def test_a_rejected_pair_is_never_suggested_again(caseworker_a: Any, mamadu: Case) -> None:
    request = file(caseworker_a)
    suggest.match_requests(request.agency_id)
    suggestion = Suggestion.objects.get(request=request)
    with pytest.raises(ValidationError):
        services.suggestion_reject(
            actor=caseworker_a, suggestion=suggestion, seen_version=suggestion.version, reason=" "
        )
    services.suggestion_reject(
        actor=caseworker_a,
        suggestion=suggestion,
        seen_version=suggestion.version,
        reason="The mother says her son has a scar; this boy has none.",
    )
    assert suggest.match_requests(request.agency_id) == 0
    assert Suggestion.objects.get().status == SuggestionStatus.REJECTED


def test_a_decision_on_a_stale_suggestion_is_refused(caseworker_a: Any, mamadu: Case) -> None:
    from kinlink.core.concurrency import StaleEdit

    request = file(caseworker_a)
    suggest.match_requests(request.agency_id)
    suggestion = Suggestion.objects.get()
    with pytest.raises(StaleEdit):
        services.suggestion_confirm(
            actor=caseworker_a, suggestion=suggestion, seen_version=suggestion.version + 1
        )
    assert Suggestion.objects.get().status == "new"


def test_a_suggestion_reveals_the_child_only_to_who_may_see_the_case(
    caseworker_a: Any, caseworker_b: Any, supervisor_a: Any, outsider: Any, mamadu: Case
) -> None:
    # Karim (team B) files the request; the boy is Amina's case in team A.
    request = file(caseworker_b)
    suggest.match_requests(request.agency_id)
    suggestion = Suggestion.objects.get()
    assert not visible_suggestions(caseworker_b).exists()
    assert not visible_suggestions(outsider).exists()
    assert not visible_requests(caseworker_a).exists()
    with pytest.raises(PermissionDenied):
        services.suggestion_confirm(
            actor=caseworker_b, suggestion=suggestion, seen_version=suggestion.version
        )
    assert visible_requests(caseworker_b).filter(pk=request.pk).exists()


def test_reunification_needs_a_verification_that_confirms_it(
    caseworker_a: Any, mamadu: Case
) -> None:
    request = file(caseworker_a)
    suggest.match_requests(request.agency_id)
    suggestion = Suggestion.objects.get()
    services.suggestion_confirm(
        actor=caseworker_a, suggestion=suggestion, seen_version=suggestion.version
    )
    request.refresh_from_db()
    with pytest.raises(ValidationError):
        services.tracing_request_move(
            actor=caseworker_a, request=request, seen_version=request.version, status="verified"
        )
    services.tracing_verification_record(
        actor=caseworker_a, request=request, values=verification(child_willing=False)
    )
    services.tracing_request_move(
        actor=caseworker_a, request=request, seen_version=request.version, status="verified"
    )
    with pytest.raises(ValidationError) as error:
        services.tracing_request_move(
            actor=caseworker_a, request=request, seen_version=request.version, status="reunified"
        )
    assert "SG-10" in str(error.value)
    services.tracing_verification_record(
        actor=caseworker_a, request=request, values=verification(verified_on=date(2026, 11, 25))
    )
    services.tracing_request_move(
        actor=caseworker_a, request=request, seen_version=request.version, status="reunified"
    )
    assert TracingRequest.objects.get().status == "reunified"
    kinds = list(request.actions.values_list("kind", flat=True))
    assert kinds.count("status") == 3 and "match" in kinds


def test_closing_not_found_needs_a_reason_and_may_be_reopened(caseworker_a: Any) -> None:
    request = file(caseworker_a)
    with pytest.raises(ValidationError):
        services.tracing_request_move(
            actor=caseworker_a, request=request, seen_version=1, status="closed_not_found"
        )
    services.tracing_request_move(
        actor=caseworker_a,
        request=request,
        seen_version=1,
        status="closed_not_found",
        note="Twelve months of searching, no trace.",
    )
    with pytest.raises(ValidationError):
        services.tracing_request_move(
            actor=caseworker_a, request=request, seen_version=2, status="found"
        )
    services.tracing_request_move(
        actor=caseworker_a, request=request, seen_version=2, status="open"
    )


def test_a_child_looking_for_family_is_matched_against_the_relatives_requests(
    caseworker_a: Any, mamadu: Case
) -> None:
    relatives = file(caseworker_a)
    own = services.tracing_request_file(
        actor=caseworker_a,
        team=caseworker_a.teams.first(),
        filed_by="child",
        case=mamadu,
        values={"sought_given_name": "Aissatou", "sought_family_name": "Diallo"},
    )
    assert jobs.match_request.call(str(own.pk)) == 1
    assert Suggestion.objects.get().request == relatives


def test_two_registrations_of_one_child_are_suggested_as_duplicates_once(
    caseworker_a: Any, register_case: Any
) -> None:
    latin = {"given_name_original": "", "family_name_original": "", "original_script": ""}
    first = register_case(given_name="Yonas", family_name="Tesfay", nationalities=["ER"], **latin)
    second = register_case(given_name="Yonas", family_name="Tesfaye", nationalities=["ER"], **latin)
    register_case(given_name="Ibrahim", family_name="Sow", nationalities=["GN"], **latin)
    assert jobs.find_case_duplicates.call(str(second.pk)) == 1
    assert jobs.match_agency.call(str(first.agency_id))["duplicates"] == 0
    pair = Suggestion.objects.get(kind="duplicate")
    assert {pair.case_id, pair.other_case_id} == {first.pk, second.pk}
    assert Case.objects.count() == 3
