"""Services of assessments and decisions: what each records, and on the case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kinlink.assessments import services
from kinlink.assessments.models import BIDStatus, TracingStatusChange
from kinlink.assessments.tests.conftest import (
    consent_to_tracing,
    decision,
    hear_child,
    reload,
    write_assessment,
)
from kinlink.audit.models import AuditEvent
from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.models import ApprovalStatus, Stage, Task, TaskKind, TaskStatus
from kinlink.cases.selectors import CaseFilters, case_list
from kinlink.cases.workflow import approval_decide, case_transition

pytestmark = pytest.mark.django_db


def test_recording_the_childs_views_sets_the_case_fact_and_is_audited(
    case_a: Any, caseworker_a: Any
) -> None:
    views = hear_child(case_a, caseworker_a)
    assert reload(case_a).child_views_recorded_at is not None
    assert AuditEvent.objects.filter(object_id=str(views.pk), action="create").exists()


def test_an_approved_assessment_names_its_approver(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, caseworker_a)
    approval = services.assessment_submit(actor=caseworker_a, assessment=assessment)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assessment = reload(assessment)
    assert assessment.approved_by == supervisor_a
    assert assessment.approved_at is not None


def test_a_sent_back_assessment_can_be_edited_again(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, caseworker_a)
    approval = services.assessment_submit(actor=caseworker_a, assessment=assessment)
    approval_decide(
        actor=supervisor_a, approval=approval, approve=False, comments="Add the health domain."
    )
    assessment = reload(assessment)
    services.assessment_update(
        actor=caseworker_a,
        assessment=assessment,
        seen_version=assessment.version,
        kind="comprehensive",
        completed_on=timezone.localdate(),
        recommendation="Same.",
        domains={"health": "Seen by a doctor."},
    )
    assert reload(assessment).health == "Seen by a doctor."


def test_a_risk_reassessment_moves_the_due_date_and_opens_a_review_task(
    case_a: Any, caseworker_a: Any
) -> None:
    due_before = case_a.first_response_due_at
    review_on = timezone.localdate() + timedelta(days=30)
    review = services.risk_reassess(
        actor=caseworker_a,
        case=case_a,
        new_level="low",
        reasons="Placed in a safe shelter with a guardian.",
        next_review_on=review_on,
    )
    case = reload(case_a)
    assert case.risk_level == "low"
    assert case.first_response_due_at > due_before
    task = Task.objects.get(source_id=review.pk)
    assert task.kind == TaskKind.RISK_REVIEW
    assert task.due_at.date() == review_on


def test_a_second_risk_review_closes_the_first_review_task(case_a: Any, caseworker_a: Any) -> None:
    first = services.risk_reassess(
        actor=caseworker_a,
        case=case_a,
        new_level="medium",
        reasons="Better than at arrival.",
        next_review_on=timezone.localdate() + timedelta(days=10),
    )
    services.risk_reassess(
        actor=caseworker_a,
        case=reload(case_a),
        new_level="low",
        reasons="Settled and attending school.",
        next_review_on=timezone.localdate() + timedelta(days=60),
    )
    assert Task.objects.get(source_id=first.pk).status == TaskStatus.DONE


def test_while_age_is_assessed_the_child_stays_a_child_with_the_lower_age(
    case_a: Any, caseworker_a: Any
) -> None:
    age = services.age_assessment_request(
        actor=caseworker_a,
        case=case_a,
        reason_for_doubt="Police report states he is 19; documents contradict each other.",
        child_consent=True,
        guardian_consent=True,
        methods=["interview", "documents"],
        assessors="Social worker; psychologist",
    )
    assert age.methods == ["documents", "interview"]
    case = reload(case_a)
    assert case.age_disputed is True
    assert case.age_assessment_status == "requested"
    age = services.age_assessment_update(
        actor=caseworker_a, assessment=age, seen_version=age.version, status="in_progress"
    )
    age = services.age_assessment_update(
        actor=caseworker_a,
        assessment=age,
        seen_version=age.version,
        status="decided",
        age_min=14,
        age_max=18,
        decided_on=timezone.localdate(),
    )
    case = reload(case_a)
    assert case.age_estimate == 14
    assert case.age_disputed is True
    assert case.age_assessment_status == "decided"
    assert case.stage != Stage.CLOSED
    listed = case_list(user=caseworker_a, filters=CaseFilters())
    assert [(c.pk, c.age_estimate) for c in listed] == [(case.pk, 14)]
    services.age_assessment_update(
        actor=caseworker_a,
        assessment=age,
        seen_version=age.version,
        status="final",
        age_min=14,
        age_max=18,
        decided_on=timezone.localdate(),
    )
    case = reload(case_a)
    assert case.age_disputed is False
    assert case.age_assessment_status == "final"


def test_an_age_range_above_the_current_age_does_not_raise_it(
    case_a: Any, caseworker_a: Any
) -> None:
    age = services.age_assessment_request(
        actor=caseworker_a,
        case=case_a,
        reason_for_doubt="Appearance and account suggest an adult, serious doubt.",
        child_consent=True,
        guardian_consent=True,
        methods=["documents"],
        assessors="Two social workers",
    )
    age = services.age_assessment_update(
        actor=caseworker_a, assessment=age, seen_version=age.version, status="in_progress"
    )
    services.age_assessment_update(
        actor=caseworker_a,
        assessment=age,
        seen_version=age.version,
        status="decided",
        age_min=17,
        age_max=20,
        decided_on=timezone.localdate(),
    )
    assert reload(case_a).age_estimate == 15


def test_starting_tracing_dates_it_once(case_a: Any, caseworker_a: Any) -> None:
    consent_to_tracing(case_a, caseworker_a)
    services.tracing_status_update(
        actor=caseworker_a,
        case=case_a,
        status="open",
        do_no_harm_confirmed=True,
        tracing_targets="Mother, Fatima",
    )
    case = reload(case_a)
    assert case.tracing_status == "open"
    assert case.tracing_started_on == timezone.localdate()
    services.tracing_status_update(actor=caseworker_a, case=case, status="in_progress")
    assert TracingStatusChange.objects.filter(case=case_a).count() == 2


def test_a_trafficking_concern_sets_the_reflection_period(case_a: Any, caseworker_a: Any) -> None:
    referred = timezone.localdate()
    services.trafficking_concern_record(
        actor=caseworker_a,
        case=case_a,
        indicators="Debt bondage; recruited with false promises of work.",
        referred_on=referred,
        referred_to="National anti-trafficking unit",
    )
    assert reload(case_a).trafficking_reflection_until == referred + timedelta(days=30)


def test_a_bid_decision_records_the_solution_on_the_case(
    ready_bid: Any, supervisor_a: Any, case_a: Any
) -> None:
    bid = services.bid_decide(
        actor=supervisor_a, bid=ready_bid, seen_version=ready_bid.version, **decision()
    )
    assert bid.status == BIDStatus.DECIDED
    assert bid.decided_by == supervisor_a
    assert reload(case_a).decided_solution == "host"


def test_deferring_a_bid_sends_the_case_back_to_temporary_care(
    ready_bid: Any, caseworker_a: Any, supervisor_a: Any, case_a: Any
) -> None:
    from kinlink.cases.models import Case

    Case.objects.filter(pk=case_a.pk).update(stage=Stage.SOLUTION_DETERMINATION)
    services.bid_defer(
        actor=caseworker_a,
        bid=reload(ready_bid),
        seen_version=ready_bid.version,
        reason="The family evaluation from abroad is still missing.",
    )
    assert reload(case_a).stage == Stage.INTERIM_CARE
    assert reload(ready_bid).status == BIDStatus.DEFERRED


def test_deferring_from_the_wrong_step_is_refused_and_the_bid_stays_open(
    ready_bid: Any, caseworker_a: Any
) -> None:
    from kinlink.cases.models import Case

    Case.objects.filter(pk=ready_bid.case_id).update(stage=Stage.INTERIM_CARE)
    with pytest.raises(TransitionRefused):
        services.bid_defer(
            actor=caseworker_a,
            bid=ready_bid,
            seen_version=ready_bid.version,
            reason="More information is needed here.",
        )
    assert reload(ready_bid).status == BIDStatus.OPEN


def test_the_lifecycle_moves_once_assessment_family_and_bid_are_done(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, ready_bid: Any
) -> None:
    from kinlink.cases.models import Case

    assessment = write_assessment(case_a, caseworker_a)
    approval = services.assessment_submit(actor=caseworker_a, assessment=assessment)
    assert approval_decide(actor=supervisor_a, approval=approval, approve=True).status == (
        ApprovalStatus.APPROVED
    )
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.ASSESSMENT)
    case = reload(case_a)
    case_transition(
        actor=supervisor_a, case=case, name="start_temporary_care", seen_version=case.version
    )
    services.family_evaluation_record(
        actor=caseworker_a,
        case=case,
        who_was_met="Mother and uncle",
        home_conditions="Two rooms, clean.",
        capacity="Willing and able with support.",
        evaluator_name="Awa Ndiaye",
        evaluator_agency="ISS Senegal",
        evaluated_on=timezone.localdate(),
        recommendation="with_support",
    )
    case = reload(case)
    case_transition(
        actor=supervisor_a,
        case=case,
        name="start_solution_determination",
        seen_version=case.version,
    )
    services.bid_decide(
        actor=supervisor_a, bid=reload(ready_bid), seen_version=ready_bid.version, **decision()
    )
    case = reload(case)
    case_transition(
        actor=supervisor_a, case=case, name="implement_solution", seen_version=case.version
    )
    assert reload(case).stage == Stage.IMPLEMENTATION


# --- review fixes -----------------------------------------------------------------------


def test_sending_an_assessment_for_approval_bumps_its_version_and_is_audited(
    case_a: Any, caseworker_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, caseworker_a)
    version = assessment.version
    services.assessment_submit(actor=caseworker_a, assessment=assessment)
    assert reload(assessment).version == version + 1
    event = AuditEvent.objects.filter(object_id=str(assessment.pk), action="update").get()
    assert event.changes["version"] == [version, version + 1]
    assert event.changes["submitted_at"][0] is None


def test_an_approved_submission_is_stamped_and_a_returned_one_is_not(
    ready_bid: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    assert ready_bid.submission_approved_at is not None
    from kinlink.assessments.models import BestInterestsDetermination

    BestInterestsDetermination.objects.filter(pk=ready_bid.pk).update(submission_approved_at=None)
    approval = services.bid_submit(actor=caseworker_a, bid=reload(ready_bid))
    approval_decide(
        actor=supervisor_a, approval=approval, approve=False, comments="Weigh a return as well."
    )
    assert reload(ready_bid).submission_approved_at is None


def test_a_decision_opens_a_review_task_for_the_lead_caseworker(
    ready_bid: Any, supervisor_a: Any, case_a: Any
) -> None:
    values = decision()
    services.bid_decide(actor=supervisor_a, bid=ready_bid, seen_version=ready_bid.version, **values)
    task = Task.objects.get(source_id=ready_bid.pk)
    assert task.kind == TaskKind.OTHER
    assert task.title == "Review the best-interests determination"
    assert task.due_at.date() == values["review_on"]
    assert task.owner == reload(case_a).lead_caseworker


@pytest.mark.parametrize(
    ("stage", "transition"),
    [(Stage.FOLLOW_UP, "review_solution"), (Stage.CLOSED, "reopen")],
)
def test_a_review_or_reopening_supersedes_the_decided_determination(
    ready_bid: Any, supervisor_a: Any, case_a: Any, stage: str, transition: str
) -> None:
    from kinlink.cases.models import Case

    services.bid_decide(
        actor=supervisor_a, bid=ready_bid, seen_version=ready_bid.version, **decision()
    )
    Case.objects.filter(pk=case_a.pk).update(stage=stage)
    case = reload(case_a)
    case_transition(
        actor=supervisor_a,
        case=case,
        name=transition,
        seen_version=case.version,
        reason="The placement is no longer in the child's interest.",
    )
    assert reload(ready_bid).status == BIDStatus.SUPERSEDED
    assert reload(case_a).decided_solution == ""
    assert Task.objects.get(source_id=ready_bid.pk).status == TaskStatus.DONE
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.SOLUTION_DETERMINATION, hold="")
    case = reload(case_a)
    with pytest.raises(TransitionRefused, match="best-interests determination must be decided"):
        case_transition(
            actor=supervisor_a, case=case, name="implement_solution", seen_version=case.version
        )


def test_deferring_from_the_case_page_defers_the_open_determination(
    ready_bid: Any, caseworker_a: Any, case_a: Any
) -> None:
    case = reload(case_a)
    case_transition(
        actor=caseworker_a,
        case=case,
        name="defer_determination",
        seen_version=case.version,
        reason="The family evaluation from abroad is still missing.",
    )
    bid = reload(ready_bid)
    assert bid.status == BIDStatus.DEFERRED
    assert bid.deferral_reason


def test_deferring_on_the_determination_page_defers_it_once(
    ready_bid: Any, caseworker_a: Any, case_a: Any
) -> None:
    services.bid_defer(
        actor=caseworker_a,
        bid=ready_bid,
        seen_version=ready_bid.version,
        reason="The family evaluation from abroad is still missing.",
    )
    bid = reload(ready_bid)
    assert bid.deferral_reason == "The family evaluation from abroad is still missing."
    assert (
        AuditEvent.objects.filter(object_id=str(bid.pk), changes__status__1="deferred").count() == 1
    )
