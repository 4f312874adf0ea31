"""SG-03: a decision without a guardian only on a documented exception a supervisor approved.
SG-15: restricting contact against the child's wish is warned and the warning acknowledged.
SG-14: the transition plan says how the residence status continues after 18."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kinlink.assessments import services as assessments
from kinlink.assessments.tests.conftest import hear_child, seat_panel
from kinlink.audit.models import AuditEvent
from kinlink.care import services
from kinlink.care.models import GuardianException, SupportPlan, TransitionPlan
from kinlink.care.tests.conftest import fresh
from kinlink.cases.jobs import refresh_deadlines
from kinlink.cases.lifecycle import TRANSITIONS, refusals
from kinlink.cases.models import Approval, ApprovalStatus, Case, Stage, Task, TaskKind, TaskStatus
from kinlink.cases.services import case_facts_update
from kinlink.cases.workflow import approval_decide, task_complete

pytestmark = pytest.mark.django_db

GUARDIAN_REFUSAL = "A guardian must be appointed for this child before the submission."
REASON = "The family court will not sit before the panel; the child's return flight is booked."


def french_or_skip(message: str) -> None:
    if message.startswith(("A guardian", "The child wants", "Say how")):
        pytest.skip("no compiled French catalogue (run `make messages`)")


# --- SG-03 ----------------------------------------------------------------------------------


def bid_ready_to_submit(case: Case, actor: Any) -> Any:
    hear_child(case, actor)
    bid = assessments.bid_open(actor=actor, case=fresh(case), report="Options compared.")
    assessments.bid_option_add(actor=actor, bid=bid, solution="host")
    seat_panel(bid, actor)
    bid.refresh_from_db()
    return bid


def test_without_a_guardian_the_submission_is_refused_until_an_exception_is_approved(
    case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    bid = bid_ready_to_submit(case_a, caseworker_a)
    with pytest.raises(ValidationError, match=GUARDIAN_REFUSAL):
        assessments.bid_submit(actor=caseworker_a, bid=bid)
    approval = services.guardian_exception_request(
        actor=caseworker_a, case=fresh(case_a), reason=REASON
    )
    bid.refresh_from_db()
    with pytest.raises(ValidationError, match=GUARDIAN_REFUSAL):  # not approved yet
        assessments.bid_submit(actor=caseworker_a, bid=bid)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert fresh(case_a).guardian_exception_at is not None
    assert GuardianException.objects.get(case=case_a).approved_by == supervisor_a
    bid.refresh_from_db()
    assert assessments.bid_submit(actor=caseworker_a, bid=bid).status == ApprovalStatus.PENDING


def test_an_approved_exception_lifts_the_guardian_guard_of_the_moves(
    case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.SOLUTION_DETERMINATION)
    guard = "Appoint a guardian or person of reference before a best-interests decision."
    assert guard in [r.message for r in refusals(fresh(case_a), TRANSITIONS["implement_solution"])]
    approval = services.guardian_exception_request(
        actor=caseworker_a, case=fresh(case_a), reason=REASON
    )
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert guard not in [
        r.message for r in refusals(fresh(case_a), TRANSITIONS["implement_solution"])
    ]


def test_an_exception_needs_a_written_reason_and_is_not_decided_by_its_requester(
    case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.guardian_exception_request(actor=caseworker_a, case=case_a, reason="Urgent.")
    assert "reason" in error.value.message_dict
    assert not GuardianException.objects.exists()
    approval = services.guardian_exception_request(
        actor=supervisor_a, case=fresh(case_a), reason=REASON
    )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert fresh(case_a).guardian_exception_at is None


def test_no_exception_once_a_guardian_is_appointed(case_a: Case, caseworker_a: Any) -> None:
    case_facts_update(actor=None, case=case_a, guardianship_status="appointed")
    with pytest.raises(ValidationError, match="no exception is needed"):
        services.guardian_exception_request(actor=caseworker_a, case=fresh(case_a), reason=REASON)


def test_the_guardian_refusal_reads_in_french(case_a: Case, caseworker_a: Any) -> None:
    bid = bid_ready_to_submit(case_a, caseworker_a)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        assessments.bid_submit(actor=caseworker_a, bid=bid)
    french_or_skip(error.value.messages[0])


# --- SG-15 ----------------------------------------------------------------------------------


def child_wants_contact(case: Case, actor: Any) -> None:
    assessments.child_views_record(
        actor=actor,
        case=case,
        heard_on=timezone.localdate(),
        method="interview",
        language="ara",
        maturity_note="Clear about what he wants.",
        wishes_family_contact="Wants to call his mother every Sunday.",
        wants_family_contact="yes",
    )


def plan_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "concerns": "Schooling and contact with the family",
        "review_on": timezone.localdate() + timedelta(days=90),
        "family_contact": "none",
        "contact_restriction_reason": "The mother's partner threatened the child by phone.",
    }
    values.update(overrides)
    return values


def test_restricting_contact_against_the_childs_wish_is_refused_until_acknowledged(
    client: Any, case_a: Case, caseworker_a: Any
) -> None:
    child_wants_contact(case_a, caseworker_a)
    with pytest.raises(ValidationError) as error:
        services.support_plan_create(actor=caseworker_a, case=fresh(case_a), **plan_values())
    assert "wants contact with the family" in error.value.message_dict["family_contact"][0]
    assert not SupportPlan.objects.exists()
    plan = services.support_plan_create(
        actor=caseworker_a,
        case=fresh(case_a),
        acknowledge_contact_warning=True,
        **plan_values(),
    )
    assert plan.contact_warning_acknowledged_by == caseworker_a
    event = AuditEvent.objects.get(object_id=str(plan.pk), action="create")
    assert event.changes["contact_warning_acknowledged"] == [None, True]
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert 'id="contact-warning"' in page
    assert "Acknowledged by Caseworker A" in page


def test_a_restriction_needs_a_reason_even_when_the_child_agrees(
    case_a: Case, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.support_plan_create(
            actor=caseworker_a,
            case=case_a,
            **plan_values(family_contact="restricted", contact_restriction_reason=""),
        )
    assert "contact_restriction_reason" in error.value.message_dict


def test_facilitated_contact_needs_no_acknowledgement(case_a: Case, caseworker_a: Any) -> None:
    child_wants_contact(case_a, caseworker_a)
    plan = services.support_plan_create(
        actor=caseworker_a,
        case=fresh(case_a),
        **plan_values(family_contact="facilitated", contact_plan="Calls on Sundays."),
    )
    assert plan.contact_warning_acknowledged_at is None
    assert plan.contact_restriction_reason == ""


def test_the_contact_warning_reads_in_french(case_a: Case, caseworker_a: Any) -> None:
    child_wants_contact(case_a, caseworker_a)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.support_plan_create(actor=caseworker_a, case=fresh(case_a), **plan_values())
    french_or_skip(error.value.message_dict["family_contact"][0])


# --- SG-14 ----------------------------------------------------------------------------------


@pytest.fixture
def ageing_case(register_case: Any) -> Any:
    with time_machine.travel(date(2026, 11, 22), tick=False):
        case = register_case(age_estimate=None, date_of_birth=date(2009, 3, 1))
        refresh_deadlines.call()
    return fresh(case)


def test_the_transition_task_is_not_done_by_a_plain_done(
    ageing_case: Case, caseworker_a: Any
) -> None:
    task = Task.objects.get(case=ageing_case, kind=TaskKind.TRANSITION_PLAN)
    with pytest.raises(ValidationError, match="in its form"):
        task_complete(actor=caseworker_a, task=task, seen_version=task.version)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_transition_plan_must_say_how_the_residence_status_continues(
    ageing_case: Case, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.transition_plan_record(
            actor=caseworker_a, case=ageing_case, legal_status_after_18="We will see."
        )
    assert "legal_status_after_18" in error.value.message_dict
    assert not TransitionPlan.objects.exists()
    task = Task.objects.get(case=ageing_case, kind=TaskKind.TRANSITION_PLAN)
    assert task.status == TaskStatus.OPEN


def test_a_status_ending_by_the_18th_birthday_needs_its_renewal_date(
    ageing_case: Case, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.transition_plan_record(
            actor=caseworker_a,
            case=ageing_case,
            legal_status_after_18="Residence permit for minors, to be renewed as a student.",
            residence_valid_until=date(2027, 2, 28),
        )
    assert "renewal_due_on" in error.value.message_dict


def test_the_transition_plan_completes_its_task_and_opens_the_renewal_deadline(
    client: Any, ageing_case: Case, caseworker_a: Any
) -> None:
    plan = services.transition_plan_record(
        actor=caseworker_a,
        case=ageing_case,
        legal_status_after_18="Residence permit for minors, to be renewed as a student.",
        residence_valid_until=date(2027, 2, 28),
        renewal_due_on=date(2027, 1, 15),
        adult_services="Referred to the youth housing service.",
    )
    plan_task = Task.objects.get(case=ageing_case, kind=TaskKind.TRANSITION_PLAN)
    assert plan_task.status == TaskStatus.DONE
    renewal = Task.objects.get(source_id=plan.pk)
    assert renewal.kind == TaskKind.LEGAL_DEADLINE and renewal.status == TaskStatus.OPEN
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[ageing_case.pk])).content.decode()
    assert "to be renewed as a student" in page


def test_the_case_page_links_the_transition_task_to_its_form(
    client: Any, ageing_case: Case, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[ageing_case.pk])).content.decode()
    assert reverse("care:transition_plan", args=[ageing_case.pk]) in page


def test_the_transition_refusal_reads_in_french(ageing_case: Case, caseworker_a: Any) -> None:
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.transition_plan_record(
            actor=caseworker_a, case=ageing_case, legal_status_after_18="?"
        )
    french_or_skip(error.value.message_dict["legal_status_after_18"][0])


def test_the_approval_of_an_exception_is_listed_for_the_supervisor(
    client: Any, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    services.guardian_exception_request(actor=caseworker_a, case=case_a, reason=REASON)
    client.force_login(supervisor_a)
    page = client.get(reverse("cases:my_day")).content.decode()
    assert "Decisions without a guardian" in page
    assert Approval.objects.filter(subject="guardian_exception").count() == 1
