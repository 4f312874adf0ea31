"""SG-07: a placement abroad between two 1996 Convention states is not implemented without the
receiving state's recorded consent; where no treaty asks for it, nothing waits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kinlink.cases.lifecycle import TRANSITIONS, TransitionRefused, refusals
from kinlink.cases.models import Stage
from kinlink.cases.workflow import case_transition
from kinlink.directory import services as directory
from kinlink.plans import services
from kinlink.plans.tests.conftest import decide, move_to, reload

SOURCE = {
    "source_title": "HCCH status table",
    "source_url": "https://www.hcch.net/en/instruments/conventions/status-table/?cid=70",
    "checked_on": date(2026, 12, 1),
    "verified": True,
}


@pytest.fixture
def hc1996(db: Any) -> None:
    """Morocco (this node's country) and France are 1996 parties; Guinea is not."""
    for code, in_force in (("MA", date(2002, 12, 1)), ("FR", date(2011, 2, 1))):
        country = directory.country_create(actor=None, code=code)
        directory.treaty_status_create(
            actor=None,
            country=country,
            instrument="hc1996",
            kind="ratification",
            in_force_on=in_force,
            **SOURCE,
        )
    directory.country_create(actor=None, code="GN")
    from kinlink.directory.services import _coverage_save

    _coverage_save(
        actor=None,
        instrument="hc1996",
        values={"parties_complete": True, "note": "", **SOURCE},
        context={},
    )


def messages_of(case: Any, name: str) -> list[str]:
    return [r.message for r in refusals(reload(case), TRANSITIONS[name])]


def _placed(case: Any, actor: Any, country: str, **consent: Any) -> Any:
    return services.placement_abroad_save(
        actor=actor, case=case, receiving_country=country, carer_kind="relative", **consent
    )


CONSENT = {
    "consent_authority": "Ministère de la Justice, autorité centrale",
    "consent_given_on": timezone.localdate() - timedelta(days=1),
    "consent_reference": "AC-2026-0412",
}


def test_a_third_country_placement_first_names_where_the_child_goes(
    hc1996: Any, case_a: Any
) -> None:
    decide(case_a, "third_country")
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    assert any(
        "Record where the child is to be placed abroad" in m
        for m in messages_of(case, "implement_solution")
    )


def test_placing_a_child_from_morocco_with_relatives_in_france_waits_for_frances_consent(
    hc1996: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    decide(case_a, "third_country")
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    placement = _placed(case, caseworker_a, "FR")
    refused = [m for m in messages_of(case, "implement_solution") if "consent of France" in m]
    assert refused and "Art. 33" in refused[0]
    with pytest.raises(TransitionRefused):
        case_transition(
            actor=supervisor_a,
            case=reload(case),
            name="implement_solution",
            seen_version=reload(case).version,
        )
    assert reload(case).stage == Stage.SOLUTION_DETERMINATION

    services.placement_abroad_save(
        actor=caseworker_a,
        case=case,
        seen_version=placement.version,
        receiving_country="FR",
        carer_kind="relative",
        **CONSENT,
    )
    # The other guards of the move (the best-interests decision…) are other tests' business.
    assert not any("consent" in m for m in messages_of(case, "implement_solution"))


def test_no_consent_is_waited_for_where_the_receiving_state_is_not_a_party(
    hc1996: Any, case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "third_country")
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    _placed(case, caseworker_a, "GN")
    assert not any("consent" in m for m in messages_of(case, "implement_solution"))


def test_a_return_to_a_parent_is_not_a_placement(
    hc1996: Any, case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "return")
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    services.placement_abroad_save(
        actor=caseworker_a, case=case, receiving_country="FR", carer_kind="parent"
    )
    assert not any("consent of France" in m for m in messages_of(case, "implement_solution"))


def test_a_return_into_kinship_care_abroad_waits_for_the_consent_too(
    hc1996: Any, case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "return")
    case = move_to(case_a, Stage.IMPLEMENTATION)
    _placed(case, caseworker_a, "FR")
    assert any("consent of France" in m for m in messages_of(case, "start_follow_up"))


def test_a_consent_is_recorded_whole(hc1996: Any, case_a: Any, caseworker_a: Any) -> None:
    decide(case_a, "third_country")
    with pytest.raises(ValidationError) as error:
        _placed(case_a, caseworker_a, "FR", consent_authority="Autorité centrale")
    assert {"consent_given_on", "consent_reference"} <= set(error.value.message_dict)


def test_the_refusal_links_to_where_the_consent_is_recorded(
    hc1996: Any, case_a: Any, caseworker_a: Any, client: Any
) -> None:
    decide(case_a, "third_country")
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    _placed(case, caseworker_a, "FR")
    [refusal] = [
        r
        for r in refusals(reload(case), TRANSITIONS["implement_solution"])
        if "consent" in r.message
    ]
    assert refusal.where == reverse("plans:placement_abroad", args=[case.pk])
    client.force_login(caseworker_a)
    page = client.get(refusal.where).content.decode()
    assert "Art. 33" in page
