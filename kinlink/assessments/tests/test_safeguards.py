"""Every safeguard of this app refuses with a clear message, and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kinlink.assessments import services
from kinlink.assessments.models import (
    AgeAssessment,
    Assessment,
    BIDStatus,
    ChildViews,
    TracingStatusChange,
)
from kinlink.assessments.tests.conftest import (
    appoint_guardian,
    consent_to_tracing,
    decision,
    hear_child,
    reload,
    seat_panel,
    write_assessment,
)
from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.models import Approval, Case, Stage
from kinlink.cases.services import case_facts_update
from kinlink.cases.workflow import approval_decide, case_transition
from kinlink.core.models import NodeSettings

pytestmark = pytest.mark.django_db


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- SG-04: the child's views -----------------------------------------------------------


def test_an_assessment_cannot_be_sent_for_approval_before_the_child_is_heard(
    case_a: Any, caseworker_a: Any
) -> None:
    assessment = write_assessment(case_a, caseworker_a)
    with pytest.raises(ValidationError) as error:
        services.assessment_submit(actor=caseworker_a, assessment=assessment)
    assert "Record the child's views first" in messages_of(error)
    assert f"/cases/{case_a.pk}/assessments/views/new/" in messages_of(error)
    assert not Approval.objects.exists()
    assert reload(assessment).submitted_at is None


def test_views_without_any_wish_are_refused(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.child_views_record(
            actor=caseworker_a,
            case=case_a,
            heard_on=timezone.localdate(),
            method="interview",
            language="ara",
            maturity_note="Mature.",
        )
    assert "wishes" in messages_of(error)
    assert not ChildViews.objects.exists()
    assert reload(case_a).child_views_recorded_at is None


def test_temporary_care_is_refused_without_the_childs_views_and_an_approved_assessment(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.ASSESSMENT)
    case = reload(case_a)
    with pytest.raises(TransitionRefused, match="Record the child's views first"):
        case_transition(
            actor=supervisor_a, case=case, name="start_temporary_care", seen_version=case.version
        )
    hear_child(case, caseworker_a)
    with pytest.raises(TransitionRefused, match="approved by a supervisor"):
        case_transition(
            actor=supervisor_a, case=case, name="start_temporary_care", seen_version=case.version
        )
    assert reload(case).stage == Stage.ASSESSMENT


# --- approval by the author -----------------------------------------------------------


def test_the_author_of_an_assessment_cannot_approve_it(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, supervisor_a)  # the supervisor wrote it
    approval = services.assessment_submit(actor=caseworker_a, assessment=assessment)
    with pytest.raises(ValidationError, match="author of an assessment cannot approve"):
        approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert reload(approval).status == "pending"
    assert reload(assessment).approved_at is None


def test_a_guardian_cannot_write_an_assessment(
    case_a: Any, guardian: Any, guardian_on_case: Any
) -> None:
    with pytest.raises(PermissionDenied):
        write_assessment(case_a, guardian)
    assert not Assessment.objects.exists()


# --- SG-02: age assessment ------------------------------------------------------------

AGE_REQUEST = {
    "reason_for_doubt": "Police report states he is 19; documents contradict each other.",
    "child_consent": True,
    "guardian_consent": True,
    "methods": ["documents", "interview"],
    "assessors": "Social worker; psychologist",
}


@pytest.mark.parametrize(
    ("override", "field_message"),
    [
        ({"reason_for_doubt": "looks old"}, "at least 20 characters"),
        ({"child_consent": False}, "child's consent"),
        ({"guardian_consent": False}, "guardian's consent"),
        ({"methods": []}, "Choose the methods"),
        ({"methods": ["medical"]}, "last resort"),
        ({"methods": ["interview", "medical"]}, "last resort"),
    ],
)
def test_an_age_assessment_without_its_conditions_is_refused(
    case_a: Any, caseworker_a: Any, override: dict[str, Any], field_message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        services.age_assessment_request(
            actor=caseworker_a, case=case_a, **{**AGE_REQUEST, **override}
        )
    assert field_message in messages_of(error)
    assert not AgeAssessment.objects.exists()
    case = reload(case_a)
    assert case.age_assessment_status == "not_needed"
    assert case.age_disputed is False


def test_a_decided_age_needs_a_range(case_a: Any, caseworker_a: Any) -> None:
    age = services.age_assessment_request(actor=caseworker_a, case=case_a, **AGE_REQUEST)
    age = services.age_assessment_update(
        actor=caseworker_a, assessment=age, seen_version=age.version, status="in_progress"
    )
    with pytest.raises(ValidationError, match="range"):
        services.age_assessment_update(
            actor=caseworker_a, assessment=age, seen_version=age.version, status="decided"
        )
    with pytest.raises(ValidationError, match="cannot move"):
        services.age_assessment_update(
            actor=caseworker_a, assessment=age, seen_version=age.version, status="final"
        )
    assert reload(age).status == "in_progress"
    assert reload(case_a).age_estimate == 15


# --- SG-11: tracing -------------------------------------------------------------------


def test_tracing_cannot_start_without_consent_to_tracing(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError, match="consent that covers family tracing"):
        services.tracing_status_update(
            actor=caseworker_a,
            case=case_a,
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother",
        )
    case = reload(case_a)
    assert case.tracing_status == "not_started"
    assert case.tracing_started_on is None
    assert not TracingStatusChange.objects.exists()


def test_tracing_cannot_start_without_the_do_no_harm_confirmation(
    case_a: Any, caseworker_a: Any
) -> None:
    consent_to_tracing(case_a, caseworker_a)
    with pytest.raises(ValidationError, match="does not endanger"):
        services.tracing_status_update(
            actor=caseworker_a, case=case_a, status="open", tracing_targets="Mother"
        )
    assert reload(case_a).tracing_status == "not_started"


def test_an_alleged_abuser_cannot_be_traced(case_a: Any, caseworker_a: Any) -> None:
    consent_to_tracing(case_a, caseworker_a)
    with pytest.raises(ValidationError, match="alleged abuser"):
        services.tracing_status_update(
            actor=caseworker_a,
            case=case_a,
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother\nUncle Ahmed",
            alleged_abusers="uncle ahmed",
        )
    assert reload(case_a).tracing_status == "not_started"


def test_a_withdrawn_tracing_consent_does_not_count(case_a: Any, caseworker_a: Any) -> None:
    consent_to_tracing(case_a, caseworker_a)
    case_a.consents.update(withdrawn_on=timezone.localdate())
    with pytest.raises(ValidationError, match="consent"):
        services.tracing_status_update(
            actor=caseworker_a,
            case=case_a,
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother",
        )


# --- step 5 guard ---------------------------------------------------------------------


def test_solution_determination_needs_a_family_evaluation_or_tracing_closed(
    case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.INTERIM_CARE)
    case = reload(case_a)
    # The guardian safeguard (SG-03, care app) is met; this test is about the evaluation.
    case_facts_update(actor=None, case=case, guardianship_status="appointed")
    with pytest.raises(TransitionRefused, match="family evaluation"):
        case_transition(
            actor=supervisor_a,
            case=case,
            name="start_solution_determination",
            seen_version=case.version,
        )
    case_facts_update(actor=None, case=case, tracing_status="closed_not_found")
    case_transition(
        actor=supervisor_a,
        case=case,
        name="start_solution_determination",
        seen_version=case.version,
    )
    assert reload(case).stage == Stage.SOLUTION_DETERMINATION


def test_a_solution_cannot_be_implemented_without_a_decided_bid(
    case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.SOLUTION_DETERMINATION)
    case = reload(case_a)
    with pytest.raises(TransitionRefused, match="best-interests determination must be decided"):
        case_transition(
            actor=supervisor_a, case=case, name="implement_solution", seen_version=case.version
        )


# --- SG-08, SG-03, SG-04, SG-06: the BID decision ------------------------------------


def refused_decision(bid: Any, actor: Any, **overrides: Any) -> str:
    with pytest.raises(ValidationError) as error:
        services.bid_decide(actor=actor, bid=bid, seen_version=bid.version, **decision(**overrides))
    bid = reload(bid)
    assert bid.status == BIDStatus.OPEN
    assert bid.solution == ""
    assert reload(bid.case).decided_solution == ""
    return messages_of(error)


def test_the_report_author_cannot_decide(ready_bid: Any, caseworker_a: Any) -> None:
    assert "author of the report cannot decide" in refused_decision(ready_bid, caseworker_a)


def test_the_author_of_an_approved_assessment_cannot_decide(
    ready_bid: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any, team_a: Any
) -> None:
    from conftest import make_user

    second = make_user("supervisor_a2", "supervisor", case_a.agency, [team_a])
    assessment = write_assessment(case_a, supervisor_a)
    approval = services.assessment_submit(actor=caseworker_a, assessment=assessment)
    approval_decide(actor=second, approval=approval, approve=True)
    message = refused_decision(ready_bid, supervisor_a)
    assert "author of an approved assessment" in message


def test_a_panel_below_quorum_cannot_decide(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    appoint_guardian(case_a)
    bid = services.bid_open(actor=caseworker_a, case=case_a, report="BID report text.")
    services.bid_option_add(actor=caseworker_a, bid=bid, solution="host")
    seat_panel(bid, caseworker_a, count=2)
    assert "at least 3 members" in refused_decision(reload(bid), supervisor_a)


def test_the_quorum_follows_the_node_settings(ready_bid: Any, supervisor_a: Any) -> None:
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(bid_panel_quorum=4)
    assert "at least 4 members" in refused_decision(ready_bid, supervisor_a)


@pytest.mark.parametrize("missing", ["no_conflict_declared", "confidentiality_signed"])
def test_a_member_without_declarations_blocks_the_decision(
    ready_bid: Any, caseworker_a: Any, supervisor_a: Any, missing: str
) -> None:
    seat_panel(ready_bid, caseworker_a, count=1, external_name="Dr Late", **{missing: False})
    assert "Dr Late have not" in refused_decision(reload(ready_bid), supervisor_a)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"reasons": ""}, "Give the reasons"),
        ({"reasons": "ok"}, "Give the reasons"),
        ({"child_informed_on": None}, "when the child was informed"),
        ({"child_informed_language": ""}, "in which language"),
        ({"review_on": None}, "date of the review"),
        ({"review_on": timezone.localdate()}, "review date must be in the future"),
        ({"solution": "third_country"}, "options the panel weighed"),
    ],
)
def test_a_decision_missing_an_element_is_refused(
    ready_bid: Any, supervisor_a: Any, override: dict[str, Any], message: str
) -> None:
    assert message in refused_decision(ready_bid, supervisor_a, **override)


def test_a_decision_is_refused_while_the_childs_views_are_missing(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(child_views_recorded_at=None)
    assert "Record the child's views first" in refused_decision(reload(ready_bid), supervisor_a)


def test_a_decision_is_refused_for_an_unaccompanied_child_without_a_guardian(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(guardianship_status="requested")
    assert "guardian must be appointed" in refused_decision(reload(ready_bid), supervisor_a)


def test_adoption_before_24_months_of_tracing_is_refused(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)):
        consent_to_tracing(case_a, caseworker_a)
        services.tracing_status_update(
            actor=caseworker_a,
            case=case_a,
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother",
        )
        services.tracing_status_update(
            actor=caseworker_a, case=reload(case_a), status="closed_not_found"
        )
    with time_machine.travel(datetime(2028, 11, 1, 9, 0, tzinfo=UTC)):  # 23 months
        hear_child(case_a, caseworker_a)
        appoint_guardian(case_a)
        bid = services.bid_open(actor=caseworker_a, case=case_a, report="BID report text.")
        services.bid_option_add(actor=caseworker_a, bid=bid, solution="adoption_kafala")
        seat_panel(bid, caseworker_a)
        message = refused_decision(
            reload(bid),
            supervisor_a,
            solution="adoption_kafala",
            child_informed_on=timezone.localdate(),
            review_on=timezone.localdate() + timedelta(days=90),
        )
        assert "24 months of tracing" in message
    with time_machine.travel(datetime(2028, 12, 2, 9, 0, tzinfo=UTC)):  # 24 months on
        bid = services.bid_decide(
            actor=supervisor_a,
            bid=reload(bid),
            seen_version=reload(bid).version,
            **decision(
                solution="adoption_kafala",
                child_informed_on=timezone.localdate(),
                review_on=timezone.localdate() + timedelta(days=90),
            ),
        )
        assert reload(case_a).decided_solution == "adoption_kafala"


def test_adoption_while_tracing_is_still_open_is_refused(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(
        tracing_status="in_progress",
        tracing_started_on=timezone.localdate() - timedelta(days=1000),
    )
    message = refused_decision(reload(ready_bid), supervisor_a, solution="adoption_kafala")
    assert "closed without finding the family" in message


def test_a_stale_decision_is_refused(ready_bid: Any, supervisor_a: Any) -> None:
    from kinlink.core.concurrency import StaleEdit

    with pytest.raises(StaleEdit):
        services.bid_decide(
            actor=supervisor_a, bid=ready_bid, seen_version=ready_bid.version - 1, **decision()
        )
    assert reload(ready_bid).status == BIDStatus.OPEN


# --- SG-19 ----------------------------------------------------------------------------


def test_a_later_concern_never_shortens_the_reflection_period(
    case_a: Any, caseworker_a: Any
) -> None:
    today = timezone.localdate()
    services.trafficking_concern_record(
        actor=caseworker_a,
        case=case_a,
        indicators="Recruited with false promises of work.",
        referred_on=today,
        referred_to="National referral mechanism",
    )
    services.trafficking_concern_record(
        actor=caseworker_a,
        case=reload(case_a),
        indicators="An earlier incident reported late.",
        referred_on=today - timedelta(days=20),
        referred_to="National referral mechanism",
    )
    assert reload(case_a).trafficking_reflection_until == today + timedelta(days=30)


def test_a_trafficking_concern_without_indicators_is_refused(
    case_a: Any, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError, match="at least 10 characters"):
        services.trafficking_concern_record(
            actor=caseworker_a,
            case=case_a,
            indicators="",
            referred_on=timezone.localdate(),
            referred_to="NRM",
        )
    assert reload(case_a).trafficking_reflection_until is None
