"""Care services: each writes, audits, and keeps the case's facts and tasks in step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_user
from kinlink.audit.models import AuditEvent
from kinlink.care import services
from kinlink.care.models import CareArrangement, Goal, Guardianship, LegalProcedure, SupportPlan
from kinlink.care.tests.conftest import appoint, days_ago, fresh, hear, place
from kinlink.cases.models import ApprovalStatus, CaseAssignment, Task, TaskKind, TaskStatus
from kinlink.cases.policies import visible_cases
from kinlink.cases.workflow import approval_decide


def audited(obj: Any, action: str = "create") -> bool:
    return AuditEvent.objects.filter(object_id=str(obj.pk), action=action).exists()


# --- care arrangements -----------------------------------------------------------------


def test_starting_a_care_arrangement_records_it_as_current(case_a: Any, caseworker_a: Any) -> None:
    arrangement = place(case_a, caseworker_a)
    assert arrangement.end_date is None and arrangement.is_current
    assert audited(arrangement)


def test_a_new_arrangement_ends_the_current_one_on_its_start_date(
    case_a: Any, caseworker_a: Any
) -> None:
    first = place(case_a, caseworker_a, start_date=days_ago(10))
    second = place(case_a, caseworker_a, care_type="foster", start_date=days_ago(3))
    first.refresh_from_db()
    assert first.end_date == days_ago(3) and first.end_reason == "moved"
    assert CareArrangement.objects.filter(case=case_a, end_date__isnull=True).get() == second
    assert audited(first, "update")


def test_a_new_arrangement_cannot_start_before_the_current_one(
    case_a: Any, caseworker_a: Any
) -> None:
    place(case_a, caseworker_a, start_date=days_ago(3))
    with pytest.raises(ValidationError) as error:
        place(case_a, caseworker_a, start_date=days_ago(5))
    assert "start_date" in error.value.message_dict
    assert CareArrangement.objects.filter(case=case_a).count() == 1


def test_ending_an_arrangement_leaves_the_child_without_a_current_one(
    case_a: Any, caseworker_a: Any
) -> None:
    arrangement = place(case_a, caseworker_a)
    services.care_arrangement_end(
        actor=caseworker_a,
        arrangement=arrangement,
        seen_version=arrangement.version,
        end_date=days_ago(1),
        end_reason="absconded",
    )
    assert not services.current_arrangement_exists(case_a)
    assert audited(arrangement, "update")


def test_a_caseworker_of_another_team_cannot_record_care(case_a: Any, caseworker_b: Any) -> None:
    with pytest.raises(PermissionDenied):
        place(case_a, caseworker_b)


def test_a_guardian_reads_but_cannot_record_care(guarded_case: Any, guardian: Any) -> None:
    with pytest.raises(PermissionDenied):
        place(guarded_case, guardian)


# --- detention -------------------------------------------------------------------------


def test_a_detention_record_is_kept_and_its_release_recorded(
    case_a: Any, caseworker_a: Any
) -> None:
    detention = services.detention_record(
        actor=caseworker_a,
        case=case_a,
        place="Commissariat central",
        authority="Police",
        started_on=days_ago(1),
    )
    assert audited(detention)
    services.detention_end(
        actor=caseworker_a,
        detention=detention,
        seen_version=detention.version,
        ended_on=timezone.localdate(),
    )
    detention.refresh_from_db()
    assert detention.ended_on == timezone.localdate()


# --- guardianship ----------------------------------------------------------------------


def test_an_unaccompanied_child_gets_a_guardian_request_and_task_at_registration(
    case_a: Any, caseworker_a: Any
) -> None:
    term = Guardianship.objects.get(case=case_a)
    assert term.status == "requested"
    assert fresh(case_a).guardianship_status == "requested"
    task = Task.objects.get(case=case_a, kind=TaskKind.GUARDIAN)
    assert task.source_id == term.pk and task.owner == caseworker_a
    assert task.due_at - case_a.created_at == timedelta(days=15)


@pytest.mark.parametrize("separation", ["separated", "accompanied"])
def test_no_guardian_is_requested_at_registration_for_a_child_who_is_not_unaccompanied(
    register_case: Any, separation: str
) -> None:
    case = register_case(separation_status=separation)
    assert not Guardianship.objects.filter(case=case).exists()
    assert not Task.objects.filter(case=case, kind=TaskKind.GUARDIAN).exists()
    assert fresh(case).guardianship_status == "none"


def test_appointing_a_guardian_fulfils_the_request_and_closes_its_task(
    case_a: Any, caseworker_a: Any
) -> None:
    term = appoint(case_a, caseworker_a)
    assert Guardianship.objects.filter(case=case_a).count() == 1
    assert term.status == "appointed" and term.guardian_name == "Salma Bennani"
    assert Task.objects.get(case=case_a, kind=TaskKind.GUARDIAN).status == TaskStatus.DONE
    assert fresh(case_a).guardianship_status == "appointed"
    assert audited(term, "update")


def test_a_guardian_appointed_with_an_account_by_a_supervisor_sees_the_case(
    case_a: Any, supervisor_a: Any, guardian: Any
) -> None:
    appoint(case_a, supervisor_a, user=guardian)
    assert CaseAssignment.objects.filter(case=case_a, user=guardian, role="guardian").exists()
    assert AuditEvent.objects.filter(case_id=case_a.pk, action="assign").exists()
    assert visible_cases(guardian).filter(pk=case_a.pk).exists()


def test_a_caseworker_cannot_give_the_guardians_account_access_and_nothing_is_saved(
    case_a: Any, caseworker_a: Any, guardian: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        appoint(case_a, caseworker_a, user=guardian)
    assert error.value.message_dict["user"] == [services.guardian_access_message()]
    assert not CaseAssignment.objects.filter(case=case_a, user=guardian).exists()
    assert not visible_cases(guardian).filter(pk=case_a.pk).exists()
    assert Guardianship.objects.get(case=case_a).status == "requested"
    assert fresh(case_a).guardianship_status == "requested"
    assert Task.objects.get(case=case_a, kind=TaskKind.GUARDIAN).status == TaskStatus.OPEN


def test_a_caseworker_appoints_a_guardian_without_an_account(
    case_a: Any, caseworker_a: Any, guardian: Any
) -> None:
    term = appoint(case_a, caseworker_a)
    assert term.status == "appointed" and term.user is None
    assert not CaseAssignment.objects.filter(case=case_a, role="guardian").exists()


def test_a_caseworker_cannot_give_access_to_a_new_guardian_when_replacing_and_nothing_is_saved(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, guardian: Any, agency: Any
) -> None:
    first = appoint(case_a, supervisor_a, user=guardian)
    other = make_user("guardian_2", "guardian", agency, [])
    with pytest.raises(ValidationError) as error:
        services.guardian_replace(
            actor=caseworker_a,
            case=case_a,
            seen_version=first.version,
            guardian_name="Rachid Alaoui",
            appointing_authority="Tribunal de première instance, Tanger",
            legal_basis="court_order",
            appointed_on=timezone.localdate(),
            user=other,
        )
    assert "user" in error.value.message_dict
    first.refresh_from_db()
    assert first.status == "appointed"
    assert CaseAssignment.objects.filter(case=case_a, user=guardian, role="guardian").exists()
    assert not CaseAssignment.objects.filter(case=case_a, user=other).exists()


def test_a_caseworker_may_keep_the_same_guardians_account_in_a_new_term(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, guardian: Any
) -> None:
    first = appoint(case_a, supervisor_a, user=guardian)
    second = services.guardian_replace(
        actor=caseworker_a,
        case=case_a,
        seen_version=first.version,
        guardian_name="Salma Bennani",
        appointing_authority="Cour d'appel, Tanger",
        legal_basis="court_order",
        appointed_on=timezone.localdate(),
        user=guardian,
    )
    assert second.user == guardian
    assert CaseAssignment.objects.filter(case=case_a, user=guardian, role="guardian").exists()


def test_a_caseworker_cannot_be_chosen_as_the_guardians_account(
    case_a: Any, caseworker_a: Any, caseworker_b: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        appoint(case_a, caseworker_a, user=caseworker_b)
    assert "user" in error.value.message_dict
    assert fresh(case_a).guardianship_status == "requested"


def test_a_separated_child_may_have_a_guardian_requested_by_hand(
    register_case: Any, caseworker_a: Any
) -> None:
    case = register_case(separation_status="separated")
    term = services.guardian_request(actor=caseworker_a, case=case)
    assert term.status == "requested"
    assert Task.objects.filter(case=case, kind=TaskKind.GUARDIAN, source_id=term.pk).exists()
    with pytest.raises(ValidationError):
        services.guardian_request(actor=caseworker_a, case=case)


def test_replacing_a_guardian_ends_the_term_and_moves_the_access(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, guardian: Any
) -> None:
    first = appoint(case_a, supervisor_a, user=guardian)
    second = services.guardian_replace(
        actor=caseworker_a,
        case=case_a,
        seen_version=first.version,
        guardian_name="Rachid Alaoui",
        appointing_authority="Tribunal de première instance, Tanger",
        legal_basis="court_order",
        appointed_on=timezone.localdate(),
        note="The first guardian moved to Rabat.",
    )
    first.refresh_from_db()
    assert first.status == "replaced" and first.ended_on == timezone.localdate()
    assert second.status == "appointed"
    assert not CaseAssignment.objects.filter(case=case_a, user=guardian).exists()
    assert not visible_cases(guardian).filter(pk=case_a.pk).exists()
    assert fresh(case_a).guardianship_status == "appointed"


def test_ending_a_guardianship_at_18_records_the_reason(case_a: Any, caseworker_a: Any) -> None:
    term = appoint(case_a, caseworker_a)
    services.guardian_end(
        actor=caseworker_a,
        case=case_a,
        seen_version=term.version,
        ended_on=timezone.localdate(),
        reason="adulthood",
    )
    term.refresh_from_db()
    assert term.status == "ended" and term.end_reason == "adulthood"
    assert fresh(case_a).guardianship_status == "ended"


def test_withdrawing_a_guardian_request_cancels_its_task_rather_than_marking_it_done(
    case_a: Any, caseworker_a: Any
) -> None:
    term = Guardianship.objects.get(case=case_a)
    services.guardian_end(
        actor=caseworker_a,
        case=case_a,
        seen_version=term.version,
        ended_on=timezone.localdate(),
        reason="reunification",
    )
    task = Task.objects.get(case=case_a, kind=TaskKind.GUARDIAN)
    assert task.status == TaskStatus.CANCELLED
    assert fresh(case_a).guardianship_status == "none"


# --- support plan ----------------------------------------------------------------------


def open_plan(case: Any, actor: Any) -> SupportPlan:
    return services.support_plan_create(
        actor=actor,
        case=case,
        concerns="Safe accommodation; school enrolment; contact with his mother.",
        review_on=timezone.localdate() + timedelta(days=90),
        child_participation="Discussed with him in Arabic with an interpreter.",
    )


def add_goal(plan: SupportPlan, actor: Any, **overrides: Any) -> Goal:
    values: dict[str, Any] = {
        "area": "education",
        "description": "Enrol in the local school.",
        "owner": actor,
        "due_on": timezone.localdate() + timedelta(days=30),
    }
    values.update(overrides)
    return services.goal_add(actor=actor, plan=plan, **values)


def test_a_case_has_one_support_plan(case_a: Any, caseworker_a: Any) -> None:
    plan = open_plan(case_a, caseworker_a)
    assert audited(plan)
    with pytest.raises(ValidationError):
        open_plan(case_a, caseworker_a)


def test_adding_a_goal_opens_a_task_and_achieving_it_closes_the_task(
    case_a: Any, caseworker_a: Any
) -> None:
    plan = open_plan(case_a, caseworker_a)
    goal = add_goal(plan, caseworker_a)
    task = Task.objects.get(source_id=goal.pk)
    assert task.kind == TaskKind.SUPPORT_PLAN and task.owner == caseworker_a
    assert task.due_at.date() == goal.due_on
    services.goal_complete(actor=caseworker_a, goal=goal, seen_version=goal.version)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Goal.objects.get(pk=goal.pk).status == "done"


def test_a_goal_owner_must_be_staff_of_the_agency(
    case_a: Any, caseworker_a: Any, outsider: Any
) -> None:
    plan = open_plan(case_a, caseworker_a)
    with pytest.raises(ValidationError) as error:
        add_goal(plan, caseworker_a, owner=outsider)
    assert "owner" in error.value.message_dict
    assert not Goal.objects.exists()


def test_an_approved_plan_is_stamped_with_its_approver(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear(case_a)
    plan = open_plan(case_a, caseworker_a)
    add_goal(plan, caseworker_a)
    approval = services.support_plan_submit(actor=caseworker_a, plan=fresh_plan(plan))
    assert fresh_plan(plan).is_pending
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    plan = fresh_plan(plan)
    assert plan.approved_by == supervisor_a and plan.approved_at is not None


def test_a_plan_sent_back_can_be_changed_and_submitted_again(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear(case_a)
    plan = open_plan(case_a, caseworker_a)
    add_goal(plan, caseworker_a)
    approval = services.support_plan_submit(actor=caseworker_a, plan=fresh_plan(plan))
    with pytest.raises(ValidationError):
        services.support_plan_update(
            actor=caseworker_a,
            plan=fresh_plan(plan),
            seen_version=fresh_plan(plan).version,
            concerns="Changed while waiting",
            review_on=timezone.localdate(),
        )
    approval_decide(
        actor=supervisor_a, approval=approval, approve=False, comments="Add a health goal please."
    )
    assert approval.status == ApprovalStatus.RETURNED
    plan = fresh_plan(plan)
    assert not plan.is_pending and plan.approved_at is None
    services.support_plan_update(
        actor=caseworker_a,
        plan=plan,
        seen_version=plan.version,
        concerns="Safe accommodation; school; health check.",
        review_on=plan.review_on,
    )
    services.support_plan_submit(actor=caseworker_a, plan=fresh_plan(plan))


def test_changing_an_approved_plan_withdraws_the_approval(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear(case_a)
    plan = open_plan(case_a, caseworker_a)
    add_goal(plan, caseworker_a)
    approval = services.support_plan_submit(actor=caseworker_a, plan=fresh_plan(plan))
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    plan = fresh_plan(plan)
    services.support_plan_update(
        actor=caseworker_a,
        plan=plan,
        seen_version=plan.version,
        concerns="A different plan altogether.",
        review_on=plan.review_on,
    )
    assert fresh_plan(plan).approved_at is None


def fresh_plan(plan: SupportPlan) -> SupportPlan:
    return SupportPlan.objects.get(pk=plan.pk)


def submitted_plan(case: Any, caseworker: Any) -> tuple[SupportPlan, Goal, Any]:
    hear(case)
    plan = open_plan(case, caseworker)
    goal = add_goal(plan, caseworker)
    approval = services.support_plan_submit(actor=caseworker, plan=fresh_plan(plan))
    return fresh_plan(plan), Goal.objects.get(pk=goal.pk), approval


def test_no_goal_is_added_while_the_plan_waits_for_approval(case_a: Any, caseworker_a: Any) -> None:
    plan, _goal, _approval = submitted_plan(case_a, caseworker_a)
    with pytest.raises(ValidationError) as error:
        add_goal(plan, caseworker_a, area="health", description="Health check.")
    assert error.value.messages == [services.plan_pending_message()]
    assert plan.goals.count() == 1
    assert Task.objects.filter(case=case_a, kind=TaskKind.SUPPORT_PLAN).count() == 1


def test_no_goal_is_achieved_while_the_plan_waits_for_approval(
    case_a: Any, caseworker_a: Any
) -> None:
    _plan, goal, _approval = submitted_plan(case_a, caseworker_a)
    with pytest.raises(ValidationError) as error:
        services.goal_complete(actor=caseworker_a, goal=goal, seen_version=goal.version)
    assert error.value.messages == [services.plan_pending_message()]
    assert Goal.objects.get(pk=goal.pk).status == "open"
    assert Task.objects.get(source_id=goal.pk).status == TaskStatus.OPEN


def test_adding_a_goal_to_an_approved_plan_withdraws_the_approval(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    plan, _goal, approval = submitted_plan(case_a, caseworker_a)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    add_goal(fresh_plan(plan), caseworker_a, area="health", description="Health check.")
    plan = fresh_plan(plan)
    assert plan.approved_at is None and plan.approved_by is None and not plan.is_pending
    assert AuditEvent.objects.filter(
        object_id=str(plan.pk), action="update", changes__has_key="approved_at"
    ).exists()
    services.support_plan_submit(actor=caseworker_a, plan=plan)


def test_achieving_a_goal_of_an_approved_plan_keeps_the_approval(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    plan, goal, approval = submitted_plan(case_a, caseworker_a)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    services.goal_complete(actor=caseworker_a, goal=goal, seen_version=goal.version)
    assert fresh_plan(plan).approved_at is not None


# --- legal procedures ------------------------------------------------------------------


def lodge(case: Any, actor: Any, **overrides: Any) -> LegalProcedure:
    values: dict[str, Any] = {
        "procedure_type": "asylum",
        "authority": "Bureau des réfugiés et apatrides",
        "file_number": "BRA-2026-118",
        "lodged_on": days_ago(20),
        "next_deadline": timezone.localdate() + timedelta(days=10),
        "deadline_what": "Interview at the asylum office",
    }
    values.update(overrides)
    return services.legal_procedure_add(actor=actor, case=case, **values)


def test_a_procedure_deadline_opens_a_task(case_a: Any, caseworker_a: Any) -> None:
    procedure = lodge(case_a, caseworker_a)
    task = Task.objects.get(source_id=procedure.pk, status=TaskStatus.OPEN)
    assert task.kind == TaskKind.LEGAL_DEADLINE
    assert task.due_at.date() == procedure.next_deadline
    assert audited(procedure)


def test_a_changed_deadline_replaces_the_task(case_a: Any, caseworker_a: Any) -> None:
    procedure = lodge(case_a, caseworker_a)
    new_day = timezone.localdate() + timedelta(days=40)
    services.legal_procedure_update(
        actor=caseworker_a,
        procedure=procedure,
        seen_version=procedure.version,
        next_deadline=new_day,
        deadline_what="Lodge the appeal",
    )
    open_tasks = Task.objects.filter(source_id=procedure.pk, status=TaskStatus.OPEN)
    assert [t.due_at.date() for t in open_tasks] == [new_day]
    assert Task.objects.filter(source_id=procedure.pk).count() == 2


def test_a_deadline_needs_to_say_what_is_due(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError) as error:
        lodge(case_a, caseworker_a, deadline_what="")
    assert "deadline_what" in error.value.message_dict
    assert not LegalProcedure.objects.exists()


def test_the_legal_status_fact_follows_the_most_pending_procedure(
    case_a: Any, caseworker_a: Any
) -> None:
    assert fresh(case_a).legal_status == "none"
    asylum = lodge(case_a, caseworker_a)
    assert fresh(case_a).legal_status == "applied"
    birth = lodge(case_a, caseworker_a, procedure_type="birth_registration", next_deadline=None)
    services.legal_procedure_update(
        actor=caseworker_a, procedure=birth, seen_version=birth.version, status="granted"
    )
    assert fresh(case_a).legal_status == "applied"  # asylum still pending
    asylum = services.legal_procedure_update(
        actor=caseworker_a, procedure=asylum, seen_version=asylum.version, status="refused"
    )
    assert fresh(case_a).legal_status == "refused"  # the latest decision
    asylum = services.legal_procedure_update(
        actor=caseworker_a, procedure=asylum, seen_version=asylum.version, status="appeal"
    )
    assert fresh(case_a).legal_status == "appeal"
    services.legal_procedure_update(
        actor=caseworker_a, procedure=asylum, seen_version=asylum.version, status="final"
    )
    assert fresh(case_a).legal_status == "final"
