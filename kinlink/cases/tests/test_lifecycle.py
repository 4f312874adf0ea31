"""The lifecycle hub: named transitions with guards, holds, tasks, approvals, deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kinlink.accounts.models import Notification
from kinlink.audit.models import AuditEvent
from kinlink.cases import lifecycle
from kinlink.cases.jobs import refresh_deadlines
from kinlink.cases.lifecycle import Refusal, TransitionRefused
from kinlink.cases.models import ApprovalStatus, ApprovalSubject, Stage, Task, TaskKind, TaskStatus
from kinlink.cases.workflow import (
    approval_decide,
    approval_request,
    case_transition,
    task_complete,
    task_open,
)
from kinlink.core.concurrency import StaleEdit


@pytest.fixture
def no_satellite_guards(monkeypatch: Any) -> None:
    """The hub's own behaviour, without the guards other apps register."""
    monkeypatch.setattr(lifecycle, "_GUARDS", lifecycle.defaultdict(list))


def move(case: Any, actor: Any, name: str, reason: str = "") -> Any:
    case.refresh_from_db()
    return case_transition(
        actor=actor, case=case, name=name, seen_version=case.version, reason=reason
    )


def test_a_transition_moves_the_step_and_is_audited(
    case_a: Any, caseworker_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "start_immediate_care")
    case_a.refresh_from_db()
    assert case_a.stage == Stage.IMMEDIATE_CARE
    event = AuditEvent.objects.filter(case_id=case_a.pk, action="update").last()
    assert event is not None
    assert event.context["transition"] == "start_immediate_care"
    assert event.changes["stage"] == ["identified", "immediate_care"]


def test_a_move_from_the_wrong_step_is_refused_and_changes_nothing(
    case_a: Any, caseworker_a: Any, no_satellite_guards: None
) -> None:
    with pytest.raises(TransitionRefused, match="cannot be made from the current step"):
        move(case_a, caseworker_a, "start_follow_up")
    case_a.refresh_from_db()
    assert case_a.stage == Stage.IDENTIFIED


def test_a_caseworker_cannot_take_a_supervisors_move(
    case_a: Any, caseworker_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "start_immediate_care")
    move(case_a, caseworker_a, "start_assessment")
    with pytest.raises(PermissionDenied):
        move(case_a, caseworker_a, "start_temporary_care")


def test_a_registered_guard_refuses_with_its_message_and_nothing_changes(
    case_a: Any, caseworker_a: Any, no_satellite_guards: None
) -> None:
    lifecycle.guard("start_immediate_care")(
        lambda case: Refusal("Record where the child stays tonight.", "/somewhere/")
    )
    events_before = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as refused:
        move(case_a, caseworker_a, "start_immediate_care")
    assert refused.value.refusals == [
        Refusal("Record where the child stays tonight.", "/somewhere/")
    ]
    case_a.refresh_from_db()
    assert case_a.stage == Stage.IDENTIFIED
    assert AuditEvent.objects.count() == events_before


def test_the_case_page_explains_a_blocked_move_and_the_post_is_refused(
    client: Any, case_a: Any, caseworker_a: Any, no_satellite_guards: None
) -> None:
    lifecycle.guard("start_immediate_care")(lambda case: Refusal("Record the care first."))
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "Record the care first." in page
    response = client.post(
        reverse("cases:transition", args=[case_a.pk, "start_immediate_care"]),
        {"version": case_a.version},
    )
    assert response.status_code == 409
    assert "Record the care first." in response.content.decode()
    case_a.refresh_from_db()
    assert case_a.stage == Stage.IDENTIFIED


def test_a_hold_needs_a_reason_pauses_the_case_and_resume_returns_it(
    case_a: Any, caseworker_a: Any, no_satellite_guards: None
) -> None:
    with pytest.raises(TransitionRefused, match="reason"):
        move(case_a, caseworker_a, "report_missing")
    move(case_a, caseworker_a, "report_missing", reason="Left the centre last night, police told")
    case_a.refresh_from_db()
    assert (case_a.hold, case_a.stage) == ("missing", Stage.IDENTIFIED)
    with pytest.raises(TransitionRefused, match="on hold"):
        move(case_a, caseworker_a, "start_immediate_care")
    move(case_a, caseworker_a, "resume", reason="Found safe at the bus station")
    case_a.refresh_from_db()
    assert case_a.hold == ""
    move(case_a, caseworker_a, "start_immediate_care")


def test_a_stale_move_is_refused(case_a: Any, caseworker_a: Any, no_satellite_guards: None) -> None:
    with pytest.raises(StaleEdit):
        case_transition(
            actor=caseworker_a,
            case=case_a,
            name="start_immediate_care",
            seen_version=case_a.version - 1,
        )


def test_closure_returned_by_the_supervisor_goes_back_to_the_previous_step(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "start_immediate_care")
    move(case_a, caseworker_a, "request_closure")
    move(case_a, supervisor_a, "return_closure", reason="The follow-up is not finished")
    case_a.refresh_from_db()
    assert case_a.stage == Stage.IMMEDIATE_CARE


def test_reopening_a_closed_case_needs_a_supervisor_and_a_reason(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "request_closure")
    move(case_a, supervisor_a, "approve_closure")
    with pytest.raises(PermissionDenied):
        move(case_a, caseworker_a, "reopen", reason="New concern reported by school")
    move(case_a, supervisor_a, "reopen", reason="New concern reported by school")
    case_a.refresh_from_db()
    assert (case_a.stage, case_a.reopened_count) == (Stage.ASSESSMENT, 1)


# --- approvals ---


def test_an_approval_request_tells_the_supervisor_and_the_requester_cannot_decide(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    approval = approval_request(
        actor=caseworker_a, case=case_a, subject=ApprovalSubject.ASSESSMENT, object_id=uuid4()
    )
    assert Notification.objects.filter(recipient=supervisor_a, kind="approval_requested").exists()
    with pytest.raises(PermissionDenied):
        approval_decide(actor=caseworker_a, approval=approval, approve=True)


def test_two_supervisors_deciding_at_once_one_wins_and_the_other_is_told(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, team_a: Any
) -> None:
    from conftest import make_user

    second = make_user("supervisor_a2", "supervisor", case_a.agency, [team_a])
    approval = approval_request(
        actor=caseworker_a, case=case_a, subject=ApprovalSubject.ASSESSMENT, object_id=uuid4()
    )
    seen_by_second = type(approval).objects.get(pk=approval.pk)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    with pytest.raises(ValidationError, match="decided on this approval meanwhile"):
        approval_decide(actor=second, approval=seen_by_second, approve=False, comments="x" * 20)
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == (ApprovalStatus.APPROVED, supervisor_a)
    assert AuditEvent.objects.filter(object_id=str(approval.pk), action="update").count() == 1


def test_sending_back_needs_comments(case_a: Any, caseworker_a: Any, supervisor_a: Any) -> None:
    approval = approval_request(
        actor=caseworker_a, case=case_a, subject=ApprovalSubject.ASSESSMENT, object_id=uuid4()
    )
    with pytest.raises(ValidationError):
        approval_decide(actor=supervisor_a, approval=approval, approve=False, comments="")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def test_a_supervisor_approves_from_my_day(
    client: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    approval = approval_request(
        actor=caseworker_a, case=case_a, subject=ApprovalSubject.ASSESSMENT, object_id=uuid4()
    )
    client.force_login(supervisor_a)
    assert case_a.reference in client.get(reverse("cases:my_day")).content.decode()
    client.post(reverse("cases:approval_decide", args=[approval.pk]), {"decision": "approve"})
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert Notification.objects.filter(recipient=caseworker_a, kind="approval_decided").exists()


# --- tasks and deadlines ---


def test_two_people_completing_a_task_at_once_one_wins(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    task = task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Call the school",
        due_at=timezone.now() + timedelta(days=2),
        owner=caseworker_a,
    )
    stale = Task.objects.get(pk=task.pk)
    task_complete(actor=caseworker_a, task=task, seen_version=task.version)
    with pytest.raises((StaleEdit, ValidationError)):
        task_complete(actor=supervisor_a, task=stale, seen_version=stale.version)
    assert AuditEvent.objects.filter(object_id=str(task.pk), action="update").count() == 1


def test_the_deadline_job_flags_overdue_tasks_and_escalates_high_risk_once(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    assert case_a.risk_level == "high"
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        task = task_open(
            case=case_a,
            kind=TaskKind.OTHER,
            title="Medical check",
            due_at=timezone.now() + timedelta(hours=2),
            owner=caseworker_a,
        )
        refresh_deadlines.call()
        task.refresh_from_db()
        assert not task.overdue
        traveller.shift(timedelta(hours=3))
        result = refresh_deadlines.call()
        task.refresh_from_db()
        assert task.overdue and result["escalated"] == 1
        refresh_deadlines.call()
    assert Notification.objects.filter(recipient=supervisor_a, kind="task_overdue").count() == 1


def test_a_low_risk_overdue_task_is_flagged_but_not_escalated(
    register_case: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    case = register_case(risk_level="low")
    task_open(
        case=case,
        kind=TaskKind.OTHER,
        title="School visit",
        due_at=timezone.now() - timedelta(hours=1),
        owner=caseworker_a,
    )
    refresh_deadlines.call()
    refresh_deadlines.call()
    assert Task.objects.get(title="School visit").overdue
    assert not Notification.objects.filter(recipient=supervisor_a, kind="task_overdue").exists()
    # The owner is told, once.
    assert Notification.objects.filter(recipient=caseworker_a, kind="task_overdue").count() == 1


def test_transition_planning_opens_six_months_before_the_18th_birthday(
    register_case: Any, caseworker_a: Any
) -> None:
    with time_machine.travel(date(2026, 11, 22), tick=False):
        far = register_case(age_estimate=None, date_of_birth=date(2010, 6, 1))
        near = register_case(age_estimate=None, date_of_birth=date(2009, 3, 1))
        refresh_deadlines.call()
        refresh_deadlines.call()
    near.refresh_from_db()
    far.refresh_from_db()
    assert near.ageing_out_since == date(2026, 11, 22) and far.ageing_out_since is None
    plans = Task.objects.filter(kind=TaskKind.TRANSITION_PLAN)
    assert [t.case_id for t in plans] == [near.pk]
    assert Notification.objects.filter(recipient=caseworker_a, kind="ageing_out").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_periodic_deadline_job(register_case: Any, caseworker_a: Any) -> None:
    case = register_case()
    task_open(
        case=case,
        kind=TaskKind.OTHER,
        title="Overdue already",
        due_at=timezone.now() - timedelta(minutes=5),
        owner=caseworker_a,
    )
    call_command("worker", once=True)
    task = Task.objects.get(title="Overdue already")
    assert task.overdue and task.status == TaskStatus.OPEN


def test_my_day_lists_overdue_tasks_first(client: Any, case_a: Any, caseworker_a: Any) -> None:
    task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Later thing",
        due_at=timezone.now() + timedelta(days=5),
        owner=caseworker_a,
    )
    task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Late thing",
        due_at=timezone.now() - timedelta(days=1),
        owner=caseworker_a,
    )
    refresh_deadlines.call()
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:my_day")).content.decode()
    assert page.index("Late thing") < page.index("Later thing")


def test_a_29_february_referral_does_not_stop_the_deadline_job(
    register_case: Any, caseworker_a: Any
) -> None:
    with time_machine.travel(date(2026, 11, 22), tick=False):
        leap = register_case(age_estimate=15, referral_date=date(2024, 2, 29))
        near = register_case(age_estimate=None, date_of_birth=date(2009, 3, 1))
        refresh_deadlines.call()
    leap.refresh_from_db()
    near.refresh_from_db()
    # Born (at the lowest estimate) 28 February 2009: both turn 18 within six months.
    assert leap.ageing_out_since == near.ageing_out_since == date(2026, 11, 22)


def test_a_closed_case_is_read_only_until_a_supervisor_reopens_it(
    client: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "request_closure")
    move(case_a, supervisor_a, "approve_closure")
    client.force_login(caseworker_a)
    assert client.get(reverse("cases:detail", args=[case_a.pk])).status_code == 200
    assert client.get(reverse("cases:edit", args=[case_a.pk])).status_code == 404
    assert client.get(reverse("cases:person_add", args=[case_a.pk])).status_code == 404
    client.force_login(supervisor_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert reverse("cases:transition", args=[case_a.pk, "reopen"]) in page
    move(case_a, supervisor_a, "reopen", reason="New concern reported by school")
    client.force_login(caseworker_a)
    assert client.get(reverse("cases:edit", args=[case_a.pk])).status_code == 200


def test_only_a_supervisor_takes_back_a_case_transferred_out(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, supervisor_a, "transfer_out", reason="The child moved to another region")
    with pytest.raises(TransitionRefused, match="Only a supervisor"):
        move(case_a, caseworker_a, "resume", reason="The child came back to the city")
    case_a.refresh_from_db()
    assert case_a.hold == "transferred_out"
    move(case_a, supervisor_a, "resume", reason="The child came back to the city")
    case_a.refresh_from_db()
    assert case_a.hold == ""


def test_the_hold_is_named_on_the_case_page(
    client: Any, case_a: Any, caseworker_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "report_missing", reason="Left the centre last night")
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "On hold:" in page and "Missing" in page


def test_a_supervisor_reopens_a_closed_case_from_its_page(
    client: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "request_closure")
    move(case_a, supervisor_a, "approve_closure")
    case_a.refresh_from_db()
    client.force_login(supervisor_a)
    response = client.post(
        reverse("cases:transition", args=[case_a.pk, "reopen"]),
        {"version": case_a.version, "reason": "New concern reported by the school"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case_a.pk])
    case_a.refresh_from_db()
    assert (case_a.stage, case_a.reopened_count) == (Stage.ASSESSMENT, 1)
    event = AuditEvent.objects.filter(case_id=case_a.pk, action="update").last()
    assert event is not None and event.context["transition"] == "reopen"


def test_a_caseworker_posting_a_reopening_changes_nothing(
    client: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "request_closure")
    move(case_a, supervisor_a, "approve_closure")
    case_a.refresh_from_db()
    client.force_login(caseworker_a)
    response = client.post(
        reverse("cases:transition", args=[case_a.pk, "reopen"]),
        {"version": case_a.version, "reason": "New concern reported by the school"},
    )
    assert response.status_code == 404
    case_a.refresh_from_db()
    assert case_a.stage == Stage.CLOSED


def test_other_moves_on_a_closed_case_answer_404(
    client: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    move(case_a, caseworker_a, "request_closure")
    move(case_a, supervisor_a, "approve_closure")
    case_a.refresh_from_db()
    client.force_login(supervisor_a)
    response = client.post(
        reverse("cases:transition", args=[case_a.pk, "suspend"]),
        {"version": case_a.version, "reason": "Nobody answers the phone"},
    )
    assert response.status_code == 404
    case_a.refresh_from_db()
    assert (case_a.stage, case_a.hold) == (Stage.CLOSED, "")


def test_every_overdue_flag_the_deadline_job_flips_is_audited(
    case_a: Any, caseworker_a: Any
) -> None:
    from kinlink.plans.services import due_at

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        task = task_open(
            case=case_a,
            kind=TaskKind.OTHER,
            title="Medical check",
            due_at=timezone.now() + timedelta(hours=1),
            owner=caseworker_a,
        )
        traveller.shift(timedelta(hours=2))
        refresh_deadlines.call()
        refresh_deadlines.call()
        flips = AuditEvent.objects.filter(object_id=str(task.pk), changes__has_key="overdue")
        [flag] = flips
        assert (flag.actor, flag.actor_label, flag.changes) == (
            None,
            "system",
            {"overdue": [False, True]},
        )
        # The deadline moved later: the job clears the flag, and says so.
        Task.objects.filter(pk=task.pk).update(due_at=due_at(timezone.localdate() + timedelta(3)))
        refresh_deadlines.call()
        assert [e.changes for e in flips.order_by("sequence")] == [
            {"overdue": [False, True]},
            {"overdue": [True, False]},
        ]
    task.refresh_from_db()
    assert not task.overdue
