"""Each safeguard refuses with a clear message, says where to fix it, and changes nothing:
no return without its conditions (SG-04, SG-05, SG-19, SG-20), no follow-up without plans,
no closure without its checklist, as an adult while the age is disputed (SG-02), or at 18
without a prepared transition (SG-14); closure is decided once, by a supervisor (SG-16)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kinlink.audit.models import AuditEvent
from kinlink.care.models import LegalProcedure, ProcedureStatus, ProcedureType
from kinlink.cases.lifecycle import TRANSITIONS, TransitionRefused, refusals
from kinlink.cases.models import (
    Approval,
    ApprovalStatus,
    Stage,
    Task,
    TaskKind,
    TaskStatus,
)
from kinlink.cases.workflow import approval_decide, case_transition, task_open
from kinlink.plans import services
from kinlink.plans.models import ActionPlan, Closure, ClosureStatus
from kinlink.plans.safeguards import SafeguardRefused
from kinlink.plans.tests.conftest import (
    closure_values,
    decide,
    follow_up,
    move_to,
    prepare_return,
    reload,
)

pytestmark = pytest.mark.django_db

CLAIM = "An asylum or protection claim is still pending: no return before a final decision."


def messages_of(case: Any, name: str) -> list[str]:
    return [r.message for r in refusals(reload(case), TRANSITIONS[name])]


def _implement(case: Any, supervisor: Any) -> None:
    case = reload(case)
    case_transition(
        actor=supervisor, case=case, name="implement_solution", seen_version=case.version
    )


@pytest.fixture
def return_case(case_a: Any, caseworker_a: Any) -> Any:
    """A return decided, the child heard, every return condition met; at step 6."""
    decide(case_a, "return")
    prepare_return(case_a, caseworker_a)
    return move_to(case_a, Stage.SOLUTION_DETERMINATION)


def test_a_fully_prepared_return_raises_none_of_the_return_safeguards(
    return_case: Any,
) -> None:
    mine = [m for m in messages_of(return_case, "implement_solution") if "return" in m.lower()]
    assert mine == []


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"claim": "applied"}, CLAIM),
        ({"claim": "appeal"}, CLAIM),
        ({"claim": "refused"}, "refused at first instance"),
        (
            {"trafficking_reflection_until": timezone.localdate() + timedelta(days=1)},
            "reflection period",
        ),
        ({"child_views_recorded_at": None}, "child's views must be recorded"),
    ],
    ids=[
        "claim pending",
        "appeal pending",
        "refused, not final",
        "reflection period",
        "child not heard",
    ],
)
def test_a_return_is_refused_while_a_case_fact_forbids_it(
    return_case: Any, caseworker_a: Any, supervisor_a: Any, facts: dict[str, Any], expected: str
) -> None:
    decide(return_case, "return", **{"child_views_recorded_at": timezone.now(), **facts})
    with pytest.raises(TransitionRefused) as refused:
        _implement(return_case, supervisor_a)
    assert any(expected in r.message and r.where for r in refused.value.refusals)
    assert reload(return_case).stage == Stage.SOLUTION_DETERMINATION
    with pytest.raises(SafeguardRefused) as plan_refused:
        services.action_plan_create(actor=caseworker_a, case=reload(return_case))
    assert [r.message for r in plan_refused.value.refusals if expected in r.message]
    assert not ActionPlan.objects.exists()
    assert not Task.objects.filter(kind=TaskKind.ACTION).exists()


@pytest.mark.parametrize(
    ("prep", "expected"),
    [
        ({"risk_result": "unsafe"}, "rated the return unsafe"),
        ({"risk_result": "", "risk_assessed_on": None, "risk_assessed_by": ""}, "assessment"),
        ({"carer_agreed_on": None}, "agreed in writing"),
        ({"reception_confirmed_on": None}, "not confirmed the child's reception"),
    ],
    ids=["unsafe risk", "no risk assessment", "no written agreement", "no confirmed reception"],
)
def test_a_return_is_refused_while_the_preparation_lacks_a_condition(
    case_a: Any,
    caseworker_a: Any,
    supervisor_a: Any,
    prep: dict[str, Any],
    expected: str,
) -> None:
    decide(case_a, "return")
    prepare_return(case_a, caseworker_a, **prep)
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    with pytest.raises(TransitionRefused) as refused:
        _implement(case, supervisor_a)
    ours = [r for r in refused.value.refusals if expected in r.message]
    assert len(ours) == 1 and ours[0].where.endswith("/plans/return/")
    assert reload(case).stage == Stage.SOLUTION_DETERMINATION
    with pytest.raises(SafeguardRefused):
        services.action_plan_create(actor=caseworker_a, case=reload(case))
    assert not ActionPlan.objects.exists()


@pytest.mark.parametrize("status", ["granted", "final"])
def test_a_protection_claim_decided_for_good_does_not_hold_the_return(
    return_case: Any, status: str
) -> None:
    decide(return_case, "return", claim=status)
    assert not [m for m in messages_of(return_case, "implement_solution") if "claim" in m]


def test_a_pending_procedure_on_another_matter_does_not_hold_the_return(
    return_case: Any,
) -> None:
    LegalProcedure.objects.create(
        case=return_case,
        procedure_type=ProcedureType.BIRTH_REGISTRATION,
        authority="Civil registry",
        lodged_on=timezone.localdate(),
        status=ProcedureStatus.APPLIED,
        status_changed_at=timezone.now(),
    )
    assert not [m for m in messages_of(return_case, "implement_solution") if "claim" in m]


def test_each_missing_return_condition_is_named_on_its_own(case_a: Any) -> None:
    decide(case_a, "return", claim="applied")
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    messages = messages_of(case, "implement_solution")
    for expected in ("assessment", "agreed in writing", "reception", CLAIM):
        assert [m for m in messages if expected in m], expected


def test_the_return_safeguards_do_not_apply_to_other_solutions(case_a: Any) -> None:
    decide(case_a, "host", claim="applied", child_views_recorded_at=None)
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    assert not [m for m in messages_of(case, "implement_solution") if "return" in m.lower()]


def test_a_reflection_period_that_ended_yesterday_no_longer_blocks(
    return_case: Any, caseworker_a: Any
) -> None:
    decide(
        return_case,
        "return",
        trafficking_reflection_until=timezone.localdate() - timedelta(days=1),
    )
    plan = services.action_plan_create(actor=caseworker_a, case=reload(return_case))
    assert plan.items.count() == 8


# --- follow-up ------------------------------------------------------------------------------


def test_follow_up_starts_only_with_an_approved_action_plan_and_a_follow_up_plan(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    decide(case_a, "host")
    case = move_to(case_a, Stage.IMPLEMENTATION)
    messages = messages_of(case, "start_follow_up")
    assert any("action plan must be approved" in m for m in messages)
    assert any("follow-up plan" in m for m in messages)
    with pytest.raises(TransitionRefused):
        case_transition(
            actor=caseworker_a, case=case, name="start_follow_up", seen_version=case.version
        )
    assert reload(case).stage == Stage.IMPLEMENTATION

    plan = services.action_plan_create(actor=caseworker_a, case=case)
    approval = services.action_plan_submit(actor=caseworker_a, plan=plan)
    assert any("action plan" in m for m in messages_of(case, "start_follow_up"))
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    follow_up(case, caseworker_a)
    assert messages_of(case, "start_follow_up") == []
    case = reload(case)
    case_transition(
        actor=caseworker_a, case=case, name="start_follow_up", seen_version=case.version
    )
    assert reload(case).stage == Stage.FOLLOW_UP


# --- closure -------------------------------------------------------------------------------


@pytest.fixture
def followed_case(case_a: Any) -> Any:
    return move_to(case_a, Stage.FOLLOW_UP)


def _request(case: Any, actor: Any, **values: Any) -> Any:
    case = reload(case)
    return services.closure_request(
        actor=actor, case=case, seen_version=case.version, **closure_values(**values)
    )


def _nothing_requested(case: Any) -> None:
    assert reload(case).stage == Stage.FOLLOW_UP
    assert not Closure.objects.exists()
    assert not Approval.objects.exists()


def test_closure_without_the_checklist_is_refused_field_by_field(
    followed_case: Any, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        _request(
            followed_case,
            caseworker_a,
            goals_met_or_explained=False,
            child_safe=False,
            carer_name="",
            carer_address="",
            follow_up_completed=False,
            child_informed=False,
        )
    assert {
        "goals_met_or_explained",
        "child_safe",
        "carer_name",
        "carer_address",
        "follow_up_completed",
        "child_informed",
    } <= set(error.value.message_dict)
    _nothing_requested(followed_case)


def test_closure_as_an_adult_is_refused_while_the_age_is_disputed(
    register_case: Any, caseworker_a: Any
) -> None:
    case = move_to(register_case(age_disputed=True), Stage.FOLLOW_UP)
    with pytest.raises(ValidationError) as error:
        _request(case, caseworker_a, reason="turned_18")
    assert "presumption of minority" in error.value.message_dict["reason"][0]
    _nothing_requested(case)


@pytest.mark.parametrize("status", ["requested", "in_progress", "appealed"])
def test_closure_as_an_adult_is_refused_while_the_age_is_being_assessed(
    followed_case: Any, caseworker_a: Any, status: str
) -> None:
    decide(followed_case, "host", age_assessment_status=status)
    with pytest.raises(ValidationError, match="presumption of minority"):
        _request(followed_case, caseworker_a, reason="turned_18")
    _nothing_requested(followed_case)


def test_closure_at_18_is_refused_until_the_transition_plan_task_is_done(
    followed_case: Any, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError, match="transition to adulthood is not prepared"):
        _request(followed_case, caseworker_a, reason="turned_18")
    _nothing_requested(followed_case)
    task = task_open(
        case=followed_case,
        kind=TaskKind.TRANSITION_PLAN,
        title="Plan the transition to adulthood",
        due_at=timezone.now(),
        owner=caseworker_a,
    )
    with pytest.raises(ValidationError, match="transition to adulthood"):
        _request(followed_case, caseworker_a, reason="turned_18")
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE)
    closure = _request(followed_case, caseworker_a, reason="turned_18")
    assert closure.status == ClosureStatus.REQUESTED


def test_closure_after_repatriation_needs_the_receiving_case_or_a_reason(
    followed_case: Any, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        _request(followed_case, caseworker_a, reason="repatriated")
    assert "receiving_case_reference" in error.value.message_dict
    _nothing_requested(followed_case)
    closure = _request(
        followed_case, caseworker_a, reason="repatriated", receiving_case_reference="SD-77-2027"
    )
    assert closure.receiving_case_reference == "SD-77-2027"


def test_the_plain_closure_move_explains_what_is_missing_and_where(
    followed_case: Any, caseworker_a: Any
) -> None:
    case = reload(followed_case)
    with pytest.raises(TransitionRefused) as refused:
        case_transition(
            actor=caseworker_a, case=case, name="request_closure", seen_version=case.version
        )
    (refusal,) = [r for r in refused.value.refusals if "closure form" in r.message]
    assert refusal.where.endswith("/plans/closure/")
    assert reload(case).stage == Stage.FOLLOW_UP


def test_a_closure_request_moves_the_case_and_asks_a_supervisor(
    followed_case: Any, caseworker_a: Any
) -> None:
    closure = _request(followed_case, caseworker_a)
    assert reload(followed_case).stage == Stage.CLOSURE_REQUESTED
    approval = Approval.objects.get(object_id=closure.pk)
    assert approval.subject == "closure" and approval.status == ApprovalStatus.PENDING


def test_an_approved_closure_closes_the_case_with_an_audit_event(
    followed_case: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    closure = _request(followed_case, caseworker_a)
    approval = Approval.objects.get(object_id=closure.pk)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert reload(followed_case).stage == Stage.CLOSED
    closure = reload(closure)
    assert closure.status == ClosureStatus.APPROVED and closure.decided_by == supervisor_a
    event = AuditEvent.objects.filter(object_id=str(followed_case.pk), actor=supervisor_a).last()
    assert event.context["transition"] == "approve_closure"
    assert event.changes["stage"] == [Stage.CLOSURE_REQUESTED, Stage.CLOSED]


def test_a_closure_sent_back_returns_the_case_to_its_previous_step(
    followed_case: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    closure = _request(followed_case, caseworker_a)
    approval = Approval.objects.get(object_id=closure.pk)
    approval_decide(
        actor=supervisor_a,
        approval=approval,
        approve=False,
        comments="Follow-up is not finished: two visits are missing.",
    )
    assert reload(followed_case).stage == Stage.FOLLOW_UP
    closure = reload(closure)
    assert closure.status == ClosureStatus.RETURNED
    assert closure.decision_comments.startswith("Follow-up is not finished")
    # A new request is possible, with a new record.
    _request(followed_case, caseworker_a)
    assert Closure.objects.count() == 2


def test_two_supervisors_deciding_one_closure_at_once_one_wins_the_other_is_told(
    followed_case: Any, caseworker_a: Any, supervisor_a: Any, supervisor_a2: Any
) -> None:
    closure = _request(followed_case, caseworker_a)
    seen_by_first = Approval.objects.get(object_id=closure.pk)
    seen_by_second = Approval.objects.get(object_id=closure.pk)
    approval_decide(actor=supervisor_a, approval=seen_by_first, approve=True)
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="decided on this approval meanwhile"):
        approval_decide(
            actor=supervisor_a2,
            approval=seen_by_second,
            approve=False,
            comments="I would have sent it back.",
        )
    assert AuditEvent.objects.count() == events_before
    assert reload(followed_case).stage == Stage.CLOSED
    assert reload(closure).status == ClosureStatus.APPROVED
    assert reload(closure).decided_by == supervisor_a
    transitions = AuditEvent.objects.filter(
        object_id=str(followed_case.pk), context__transition="approve_closure"
    )
    assert transitions.count() == 1


def test_a_stale_case_refuses_the_closure_request_and_saves_nothing(
    followed_case: Any, caseworker_a: Any
) -> None:
    case = reload(followed_case)
    from kinlink.core.concurrency import StaleEdit

    with pytest.raises(StaleEdit):
        services.closure_request(
            actor=caseworker_a,
            case=case,
            seen_version=case.version - 1,
            **closure_values(),
        )
    _nothing_requested(followed_case)


# --- review fixes: the plan of the decided solution, safeguards until departure (H1, M5, M8, M7)


def _approved_plan(case: Any, caseworker: Any, supervisor: Any) -> ActionPlan:
    plan = services.action_plan_create(actor=caseworker, case=reload(case))
    approval = services.action_plan_submit(actor=caseworker, plan=plan)
    approval_decide(actor=supervisor, approval=approval, approve=True)
    return reload(plan)


def _take(case: Any, actor: Any, name: str, reason: str = "") -> Any:
    case = reload(case)
    return case_transition(
        actor=actor, case=case, name=name, seen_version=case.version, reason=reason
    )


def test_follow_up_needs_the_approved_plan_of_the_decided_solution_not_an_earlier_one(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    decide(case_a, "host")
    _approved_plan(case_a, caseworker_a, supervisor_a)
    follow_up(case_a, caseworker_a)
    decide(case_a, "third_country")
    case = move_to(case_a, Stage.IMPLEMENTATION)
    assert any("action plan must be approved" in m for m in messages_of(case, "start_follow_up"))
    with pytest.raises(TransitionRefused):
        _take(case, caseworker_a, "start_follow_up")
    assert reload(case).stage == Stage.IMPLEMENTATION


@pytest.mark.parametrize(
    ("transition", "stage", "who"),
    [("review_solution", Stage.FOLLOW_UP, "caseworker"), ("reopen", Stage.CLOSED, "supervisor")],
    ids=["review", "reopen"],
)
def test_a_review_or_a_reopening_supersedes_the_plans_and_a_new_plan_is_made_for_the_same_solution(
    case_a: Any,
    caseworker_a: Any,
    supervisor_a: Any,
    transition: str,
    stage: str,
    who: str,
) -> None:
    decide(case_a, "host")
    old_plan = _approved_plan(case_a, caseworker_a, supervisor_a)
    old_follow_up = follow_up(case_a, caseworker_a)
    move_to(case_a, stage)
    actor = caseworker_a if who == "caseworker" else supervisor_a
    _take(case_a, actor, transition, reason="The family situation has changed since.")
    assert reload(old_plan).superseded_at is not None
    assert reload(old_follow_up).superseded_at is not None
    event = AuditEvent.objects.filter(object_id=str(old_plan.pk)).last()
    assert event.context["transition"] == transition and "superseded_at" in event.changes
    # The same solution decided again: the superseded plan is not reused, a new one is needed.
    decide(case_a, "host")
    case = move_to(case_a, Stage.IMPLEMENTATION)
    messages = messages_of(case, "start_follow_up")
    assert any("action plan must be approved" in m for m in messages)
    assert any("follow-up plan" in m for m in messages)
    new_plan = services.action_plan_create(actor=caseworker_a, case=reload(case))
    assert new_plan.pk != old_plan.pk and new_plan.solution == old_plan.solution
    with pytest.raises(ValidationError, match="superseded by a review"):
        services.action_plan_item_add(
            actor=caseworker_a,
            plan=reload(old_plan),
            title="Late line",
            due_on=timezone.localdate(),
            owner=caseworker_a,
        )


def test_follow_up_of_a_return_is_refused_while_a_claim_is_pending(
    return_case: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    _approved_plan(return_case, caseworker_a, supervisor_a)
    follow_up(return_case, caseworker_a)
    case = move_to(return_case, Stage.IMPLEMENTATION)
    assert messages_of(case, "start_follow_up") == []
    decide(case, "return", claim="applied")
    with pytest.raises(TransitionRefused) as refused:
        _take(case, caseworker_a, "start_follow_up")
    assert any(CLAIM in r.message and r.where for r in refused.value.refusals)
    assert reload(case).stage == Stage.IMPLEMENTATION


def test_a_return_plan_is_not_approved_once_a_reflection_period_opened_after_its_request(
    return_case: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    plan = services.action_plan_create(actor=caseworker_a, case=reload(return_case))
    approval = services.action_plan_submit(actor=caseworker_a, plan=plan)
    decide(return_case, "return", trafficking_reflection_until=timezone.localdate())
    with pytest.raises(ValidationError) as error:
        approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert any("reflection period" in m for m in error.value.messages)
    assert reload(approval).status == ApprovalStatus.PENDING
    assert reload(plan).approved_at is None


def test_no_transfer_of_responsibility_during_a_reflection_period(
    case_a: Any, supervisor_a: Any
) -> None:
    decide(case_a, "host", trafficking_reflection_until=timezone.localdate())
    with pytest.raises(TransitionRefused) as refused:
        _take(case_a, supervisor_a, "transfer_out", reason="The child moved to another region")
    (refusal,) = [r for r in refused.value.refusals if "no transfer of responsibility" in r.message]
    assert refusal.where
    assert reload(case_a).hold == ""
    decide(case_a, "host", trafficking_reflection_until=timezone.localdate() - timedelta(days=1))
    _take(case_a, supervisor_a, "transfer_out", reason="The child moved to another region")
    assert reload(case_a).hold == "transferred_out"


def test_no_placement_in_a_third_country_during_a_reflection_period(case_a: Any) -> None:
    decide(case_a, "third_country", trafficking_reflection_until=timezone.localdate())
    case = move_to(case_a, Stage.SOLUTION_DETERMINATION)
    assert any("third country" in m for m in messages_of(case, "implement_solution"))
    decide(case, "host")
    assert not any("reflection period" in m for m in messages_of(case, "implement_solution"))


def test_an_age_appeal_lodged_after_the_request_stops_the_closure_as_turned_18(
    followed_case: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    task = task_open(
        case=followed_case,
        kind=TaskKind.TRANSITION_PLAN,
        title="Plan the transition to adulthood",
        due_at=timezone.now(),
        owner=caseworker_a,
    )
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE)
    closure = _request(followed_case, caseworker_a, reason="turned_18")
    decide(followed_case, "host", age_assessment_status="appealed")
    approval = Approval.objects.get(object_id=closure.pk)
    with pytest.raises(ValidationError) as error:
        approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert any("presumption of minority" in m for m in error.value.messages)
    assert reload(followed_case).stage == Stage.CLOSURE_REQUESTED
    assert reload(closure).status == ClosureStatus.REQUESTED
    assert reload(approval).status == ApprovalStatus.PENDING


# --- the return checklist and the guards share the checks and one read (8) ------------------


def test_the_case_page_checklist_is_the_guards_return_checks(
    case_a: Any, caseworker_a: Any
) -> None:
    from kinlink.plans.safeguards import RETURN_CHECK_LABELS, RETURN_CHECKS
    from kinlink.plans.selectors import return_checklist

    decide(case_a, "return", claim="applied")
    prepare_return(case_a, caseworker_a, carer_agreed_on=None)
    case = reload(case_a)
    checklist = return_checklist(case)
    assert [c.label for c in checklist] == [str(RETURN_CHECK_LABELS[c]) for c in RETURN_CHECKS]
    assert [c.ok for c in checklist] == [check(case) is None for check in RETURN_CHECKS]
    assert [c.ok for c in checklist] == [True, False, True, False, True, True]


def test_a_guard_pass_reads_the_return_preparation_once_and_never_a_stale_one(
    return_case: Any, caseworker_a: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = reload(return_case)
    with CaptureQueriesContext(connection) as queries:
        refusals(case, TRANSITIONS["implement_solution"])
    reads = [q for q in queries if "plans_returnpreparation" in q["sql"]]
    assert len(reads) == 1
    prep = case.return_preparation
    services.return_preparation_save(
        actor=caseworker_a,
        case=case,
        seen_version=prep.version,
        risk_result="unsafe",
        risk_assessed_on=prep.risk_assessed_on,
        risk_assessed_by=prep.risk_assessed_by,
    )
    messages = [r.message for r in refusals(case, TRANSITIONS["implement_solution"])]
    assert any("rated the return unsafe" in m for m in messages)
    # Written meanwhile through another copy of the case: the lock's refresh reads it afresh.
    from kinlink.cases.models import Case

    services.return_preparation_save(
        actor=caseworker_a,
        case=Case.objects.get(pk=case.pk),
        seen_version=reload(prep).version,
        risk_result="safe",
        risk_assessed_on=prep.risk_assessed_on,
        risk_assessed_by=prep.risk_assessed_by,
    )
    case.refresh_from_db()
    messages = [r.message for r in refusals(case, TRANSITIONS["implement_solution"])]
    assert not any("risk and security" in m.lower() for m in messages)
