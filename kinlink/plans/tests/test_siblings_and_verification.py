"""SG-13: a return or a placement away does not separate siblings living with the child without
reasons approved by a supervisor. SG-10: no return before the family is verified."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from kinlink.cases.lifecycle import TRANSITIONS, TransitionRefused, refusals
from kinlink.cases.models import ApprovalStatus, Stage
from kinlink.cases.services import case_facts_update, case_person_add
from kinlink.cases.workflow import approval_decide, case_transition
from kinlink.plans import services
from kinlink.plans.models import SiblingDecision
from kinlink.plans.tests.conftest import decide, move_to, prepare_return, reload

pytestmark = pytest.mark.django_db

SIBLINGS_REFUSAL = "say whether the solution keeps them together"
UNVERIFIED = "The family is not verified"


def messages_of(case: Any, name: str = "implement_solution") -> list[str]:
    return [r.message for r in refusals(reload(case), TRANSITIONS[name])]


def implement(case: Any, supervisor: Any) -> None:
    case = reload(case)
    case_transition(
        actor=supervisor, case=case, name="implement_solution", seen_version=case.version
    )


@pytest.fixture
def return_case(case_a: Any, caseworker_a: Any) -> Any:
    decide(case_a, "return")
    prepare_return(case_a, caseworker_a)
    return move_to(case_a, Stage.SOLUTION_DETERMINATION)


@pytest.fixture
def sister(return_case: Any, caseworker_a: Any) -> Any:
    return case_person_add(
        actor=caseworker_a,
        case=reload(return_case),
        full_name="Amal El Amine",
        relationship="sister",
        lives_with_child=True,
    )


def test_a_return_separating_a_sister_living_with_the_child_is_refused(
    return_case: Any, sister: Any, supervisor_a: Any
) -> None:
    [message] = [m for m in messages_of(return_case) if SIBLINGS_REFUSAL in m]
    assert "Amal El Amine" in message
    with pytest.raises(TransitionRefused):
        implement(return_case, supervisor_a)
    assert reload(return_case).stage == Stage.SOLUTION_DETERMINATION


def test_the_sibling_refusal_reads_in_the_readers_language(return_case: Any, sister: Any) -> None:
    with translation.override("fr"):
        french = [m for m in messages_of(return_case) if "Amal El Amine" in m]
        if gettext("Siblings") == "Siblings":
            pytest.skip("no compiled French catalogue (run `make messages`)")
    assert french and SIBLINGS_REFUSAL not in french[0]


def test_siblings_kept_together_let_the_return_go_ahead(
    return_case: Any, sister: Any, caseworker_a: Any
) -> None:
    services.sibling_decision_record(
        actor=caseworker_a, case=reload(return_case), sibling=sister, together=True
    )
    assert not any(SIBLINGS_REFUSAL in m for m in messages_of(return_case))


def test_a_separation_needs_reasons_and_waits_for_a_supervisor(
    return_case: Any, sister: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.sibling_decision_record(
            actor=caseworker_a, case=reload(return_case), sibling=sister, together=False
        )
    assert "reasons" in error.value.message_dict
    assert not SiblingDecision.objects.exists()
    decision = services.sibling_decision_record(
        actor=caseworker_a,
        case=reload(return_case),
        sibling=sister,
        together=False,
        reasons="She is 19, studies in Tangier and chooses to stay here.",
    )
    assert any(SIBLINGS_REFUSAL in m for m in messages_of(return_case))  # not approved yet
    approval = decision_approval(decision)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    decision.refresh_from_db()
    assert decision.approved_by == supervisor_a
    assert not any(SIBLINGS_REFUSAL in m for m in messages_of(return_case))


def test_a_separation_sent_back_still_stops_the_return(
    return_case: Any, sister: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    decision = services.sibling_decision_record(
        actor=caseworker_a,
        case=reload(return_case),
        sibling=sister,
        together=False,
        reasons="She prefers to stay with her foster family here.",
    )
    approval_decide(
        actor=supervisor_a,
        approval=decision_approval(decision),
        approve=False,
        comments="Ask the sister and the child together first.",
    )
    assert any(SIBLINGS_REFUSAL in m for m in messages_of(return_case))


def test_a_brother_not_living_with_the_child_needs_no_decision(
    return_case: Any, caseworker_a: Any
) -> None:
    case_person_add(
        actor=caseworker_a,
        case=reload(return_case),
        full_name="Omar El Amine",
        relationship="brother",
    )
    assert not any(SIBLINGS_REFUSAL in m for m in messages_of(return_case))


def test_integration_here_separates_nobody(case_a: Any, caseworker_a: Any) -> None:
    decide(case_a, "host")
    case_person_add(
        actor=caseworker_a,
        case=reload(case_a),
        full_name="Amal El Amine",
        relationship="sister",
        lives_with_child=True,
    )
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    assert not any(SIBLINGS_REFUSAL in m for m in messages_of(case))


def decision_approval(decision: SiblingDecision) -> Any:
    from kinlink.cases.models import Approval

    return Approval.objects.get(object_id=decision.pk, status=ApprovalStatus.PENDING)


# --- SG-10 ---------------------------------------------------------------------------------


def test_a_return_before_the_family_is_verified_is_refused(
    return_case: Any, supervisor_a: Any
) -> None:
    case_facts_update(actor=None, case=reload(return_case), family_verified_at=None)
    with pytest.raises(TransitionRefused) as refused:
        implement(return_case, supervisor_a)
    [refusal] = [r for r in refused.value.refusals if UNVERIFIED in r.message]
    assert refusal.where.endswith("/assessments/verification/new/")
    assert reload(return_case).stage == Stage.SOLUTION_DETERMINATION


def test_the_case_page_lists_the_family_verification_before_the_return(
    client: Any, return_case: Any, caseworker_a: Any
) -> None:
    from django.urls import reverse

    case_facts_update(actor=None, case=reload(return_case), family_verified_at=None)
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[return_case.pk])).content.decode()
    assert "The family verified, the child and the adult willing" in page
