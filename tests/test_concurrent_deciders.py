"""Two people deciding the same thing at the same moment, in two real database connections:
one wins, the other is refused, and the audit trail records the decision once. PostgreSQL
only: SQLite serialises writers on one file, so nothing would run at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import make_user
from kinlink.assessments.tests.conftest import hear_child, write_assessment
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.audit.services import verify_chain
from kinlink.cases.models import Approval, ApprovalStatus, Task, TaskKind, TaskStatus
from kinlink.cases.workflow import approval_decide, task_complete, task_open
from kinlink.core.concurrency import StaleEdit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two truly concurrent writers: PostgreSQL (make test-postgres)")


def at_the_same_moment(*calls: Callable[[], Any]) -> list[str]:
    """Run each call in its own thread and database connection, released together; answers
    "won" or the name of the exception each one raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcome = "won"
        except (ValidationError, StaleEdit) as error:
            outcome = type(error).__name__
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(not t.is_alive() for t in threads), "a decision never returned (a deadlock?)"
    return sorted(outcomes)


def test_two_supervisors_approving_the_same_request_at_once_one_wins(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, agency: Any, team_a: Any
) -> None:
    from kinlink.assessments import services as assessments

    other_supervisor = make_user("supervisor_a2", "supervisor", agency, [team_a])
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, caseworker_a)
    approval = assessments.assessment_submit(actor=caseworker_a, assessment=assessment)
    # Each supervisor has the request open, as it was when My day showed it.
    seen_by = {
        user.pk: Approval.objects.select_related("case").get(pk=approval.pk)
        for user in (supervisor_a, other_supervisor)
    }

    def decide(user: Any) -> Callable[[], Any]:
        return lambda: approval_decide(actor=user, approval=seen_by[user.pk], approve=True)

    outcomes = at_the_same_moment(decide(supervisor_a), decide(other_supervisor))

    assert outcomes == ["ValidationError", "won"]
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    decisions = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(approval.pk), changes__has_key="status"
    )
    assert decisions.count() == 1
    assessment.refresh_from_db()
    assert assessment.approved_by_id == approval.decided_by_id
    assert verify_chain().intact


def test_two_people_completing_the_same_task_at_once_one_wins(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    task = task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Call the school",
        due_at=timezone.now() + timedelta(days=1),
        owner=caseworker_a,
    )
    seen_by = {
        user.pk: Task.objects.select_related("case").get(pk=task.pk)
        for user in (caseworker_a, supervisor_a)
    }

    def complete(user: Any) -> Callable[[], Any]:
        row = seen_by[user.pk]
        return lambda: task_complete(actor=user, task=row, seen_version=row.version)

    outcomes = at_the_same_moment(complete(caseworker_a), complete(supervisor_a))

    assert outcomes == ["StaleEdit", "won"]
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    done = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(task.pk), changes__has_key="status"
    )
    assert done.count() == 1
    assert verify_chain().intact
