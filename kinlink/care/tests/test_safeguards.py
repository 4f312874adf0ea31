"""Safeguards SG-01, SG-03, SG-04 and the immediate-care guard: each refused with a clear
message, and nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kinlink.accounts.models import Notification
from kinlink.audit.models import AuditEvent
from kinlink.care import services
from kinlink.care.models import CareArrangement, SupportPlan
from kinlink.care.tests.conftest import appoint, days_ago, fresh, hear, place
from kinlink.cases.jobs import refresh_deadlines
from kinlink.cases.lifecycle import TRANSITIONS, TransitionRefused, refusals
from kinlink.cases.models import Approval, Case, Stage
from kinlink.cases.workflow import case_transition

GUARDIAN_MISSING = "Appoint a guardian or person of reference before a best-interests decision."


def at_stage(case: Any, stage: str) -> Case:
    Case.objects.filter(pk=case.pk).update(stage=stage)
    return fresh(case)


def messages_for(case: Case, name: str) -> dict[str, str]:
    return {r.message: r.where for r in refusals(case, TRANSITIONS[name])}


# --- SG-01 -----------------------------------------------------------------------------


def test_detention_is_refused_as_a_care_type_and_points_to_the_detention_record(
    case_a: Any, caseworker_a: Any
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        place(case_a, caseworker_a, care_type="detention")
    message = " ".join(error.value.message_dict["care_type"])
    assert "never a care arrangement" in message and "Report detention" in message
    assert not CareArrangement.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_crafted_post_of_detention_as_care_type_is_refused_beside_the_field(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    url = reverse("care:care_start", args=[case_a.pk])
    response = client.post(
        url,
        {
            "care_type": "detention",
            "country": "MA",
            "legal_basis": "administrative",
            "start_date": days_ago(1).isoformat(),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "never a care arrangement" in page
    assert reverse("care:detention_add", args=[case_a.pk]) in page
    assert not CareArrangement.objects.exists()


def test_a_detention_alerts_the_supervisor_and_the_assigned_guardian(
    guarded_case: Any, caseworker_a: Any, supervisor_a: Any, guardian: Any, caseworker_b: Any
) -> None:
    services.detention_record(
        actor=caseworker_a,
        case=guarded_case,
        place="Centre de rétention",
        authority="Border police",
        started_on=timezone.localdate(),
    )
    alerted = Notification.objects.filter(kind="detention")
    assert set(alerted.values_list("recipient__username", flat=True)) == {
        "supervisor_a",
        "guardian",
    }
    note = alerted.get(recipient=guardian)
    assert note.link.startswith(reverse("cases:detail", args=[guarded_case.pk]))
    assert note.params == {"reference": guarded_case.reference}  # no child's name


def test_a_detention_is_highlighted_on_the_case_page(
    client: Any, guarded_case: Any, caseworker_a: Any, guardian: Any
) -> None:
    services.detention_record(
        actor=caseworker_a,
        case=guarded_case,
        place="Centre de rétention",
        authority="Border police",
        started_on=timezone.localdate(),
    )
    client.force_login(guardian)
    page = client.get(reverse("cases:detail", args=[guarded_case.pk])).content.decode()
    assert "The child is held in detention." in page and "Centre de rétention" in page


# --- immediate care --------------------------------------------------------------------


def test_immediate_care_waits_for_a_place_to_stay_tonight(case_a: Any, caseworker_a: Any) -> None:
    refused = messages_for(case_a, "start_immediate_care")
    assert refused == {
        "Record where the child stays tonight.": reverse("care:care_start", args=[case_a.pk])
    }
    with pytest.raises(TransitionRefused):
        case_transition(
            actor=caseworker_a,
            case=case_a,
            name="start_immediate_care",
            seen_version=case_a.version,
        )
    assert fresh(case_a).stage == Stage.IDENTIFIED
    place(case_a, caseworker_a)
    case = case_transition(
        actor=caseworker_a, case=case_a, name="start_immediate_care", seen_version=case_a.version
    )
    assert case.stage == Stage.IMMEDIATE_CARE


# --- SG-03 -----------------------------------------------------------------------------


def test_solution_determination_is_refused_without_an_appointed_guardian(
    case_a: Any, supervisor_a: Any
) -> None:
    case = at_stage(case_a, Stage.INTERIM_CARE)
    refused = messages_for(case, "start_solution_determination")
    assert refused[GUARDIAN_MISSING] == reverse("care:guardian_appoint", args=[case.pk])
    with pytest.raises(TransitionRefused) as error:
        case_transition(
            actor=supervisor_a,
            case=case,
            name="start_solution_determination",
            seen_version=case.version,
        )
    assert GUARDIAN_MISSING in str(error.value)
    assert fresh(case).stage == Stage.INTERIM_CARE


def test_implementing_a_solution_is_refused_for_a_separated_child_without_a_guardian(
    register_case: Any,
) -> None:
    case = at_stage(register_case(separation_status="separated"), Stage.SOLUTION_DETERMINATION)
    assert GUARDIAN_MISSING in messages_for(case, "implement_solution")


def test_an_appointed_guardian_lifts_the_guardian_safeguard(case_a: Any, caseworker_a: Any) -> None:
    appoint(case_a, caseworker_a)
    case = at_stage(case_a, Stage.INTERIM_CARE)
    assert GUARDIAN_MISSING not in messages_for(case, "start_solution_determination")


def test_an_accompanied_child_needs_no_guardian_for_a_decision(register_case: Any) -> None:
    case = at_stage(register_case(separation_status="accompanied"), Stage.INTERIM_CARE)
    assert GUARDIAN_MISSING not in messages_for(case, "start_solution_determination")


def test_a_missed_guardian_deadline_escalates_to_the_supervisor(
    register_case: Any, supervisor_a: Any
) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        case = register_case(risk_level="low")  # only the guardian task makes it escalate
        refresh_deadlines.call()
        assert not Notification.objects.filter(kind="task_overdue").exists()
        traveller.shift(timedelta(days=16))
        refresh_deadlines.call()
    overdue = Notification.objects.get(recipient=supervisor_a, kind="task_overdue")
    assert overdue.params["reference"] == case.reference


# --- SG-04 -----------------------------------------------------------------------------


def test_plan_approval_is_refused_before_the_childs_views_are_recorded(
    case_a: Any, caseworker_a: Any
) -> None:
    plan = services.support_plan_create(
        actor=caseworker_a,
        case=case_a,
        concerns="Safe accommodation and school.",
        review_on=timezone.localdate() + timedelta(days=90),
    )
    services.goal_add(
        actor=caseworker_a,
        plan=plan,
        area="education",
        description="Enrol in school.",
        owner=caseworker_a,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    with pytest.raises(ValidationError) as error:
        services.support_plan_submit(actor=caseworker_a, plan=plan)
    assert error.value.messages == ["Record the child's views before asking approval of the plan."]
    assert not Approval.objects.exists()
    assert SupportPlan.objects.get(pk=plan.pk).submitted_at is None
    hear(case_a)
    services.support_plan_submit(actor=caseworker_a, plan=SupportPlan.objects.get(pk=plan.pk))
    assert Approval.objects.filter(object_id=plan.pk, status="pending").exists()
