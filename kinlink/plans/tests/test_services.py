"""Services of plans: action plans from templates, return preparation, follow-up schedules,
visit reports, and the stale-edit and policy rules every write follows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kinlink.audit.models import AuditEvent
from kinlink.cases.jobs import refresh_deadlines
from kinlink.cases.models import Approval, ApprovalSubject, Task, TaskKind, TaskStatus
from kinlink.cases.workflow import approval_decide
from kinlink.core.concurrency import StaleEdit
from kinlink.plans import services
from kinlink.plans.models import (
    ActionPlan,
    ActionPlanItem,
    FollowUpPlan,
    FollowUpVisit,
    VisitReport,
)
from kinlink.plans.tests.conftest import decide, follow_up, prepare_return, reload

pytestmark = pytest.mark.django_db

RETURN_LINES = [
    "Assess reintegration options",
    "Prepare the child",
    "Organise departure and journey",
    "Family and social reintegration",
    "Educational or professional reintegration",
    "Psychological and medical support",
    "Safety of everyone involved",
    "Individualised follow-up",
]


def test_a_return_plan_has_the_eight_template_lines_each_an_action_task(
    case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "return")
    prepare_return(case_a, caseworker_a)
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    items = list(plan.items.all())
    assert [i.title for i in items] == RETURN_LINES
    tasks = Task.objects.filter(case=case_a, kind=TaskKind.ACTION)
    assert tasks.count() == 8
    assert {t.source_id for t in tasks} == {i.pk for i in items}
    # Lines usually done abroad go to the receiving agency named in the return preparation.
    abroad = items[0]
    assert abroad.owner is None and abroad.partner_agency == "Child Welfare Council Khartoum"
    assert items[1].owner == caseworker_a
    assert AuditEvent.objects.filter(object_id=str(plan.pk), action="create").exists()


def test_a_host_plan_follows_the_host_template(case_a: Any, caseworker_a: Any) -> None:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    titles = [i.title for i in plan.items.all()]
    assert titles[0] == "Secure residence status"
    assert "Independent-living preparation" in titles


def test_a_third_country_plan_starts_with_the_article_33_consultation(
    case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "third_country")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    assert plan.items.first().title.startswith("Art. 33 consultation")


def test_no_plan_without_a_decided_solution(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError, match="Decide the sustainable solution"):
        services.action_plan_create(actor=caseworker_a, case=case_a)
    assert not ActionPlan.objects.exists()


def test_no_plan_for_a_solution_without_a_template(case_a: Any, caseworker_a: Any) -> None:
    decide(case_a, "adoption_kafala")
    with pytest.raises(ValidationError, match="no action-plan template"):
        services.action_plan_create(actor=caseworker_a, case=case_a)
    assert not ActionPlan.objects.exists()


def test_a_second_plan_for_the_same_solution_is_refused(case_a: Any, caseworker_a: Any) -> None:
    decide(case_a, "host")
    services.action_plan_create(actor=caseworker_a, case=case_a)
    with pytest.raises(ValidationError, match="already has an action plan"):
        services.action_plan_create(actor=caseworker_a, case=case_a)
    assert ActionPlan.objects.count() == 1


def test_lines_given_by_the_caseworker_keep_their_due_dates_and_doers(
    case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "host")
    lines = services.action_plan_default_lines(case=case_a, actor=caseworker_a)
    due = timezone.localdate() + timedelta(days=7)
    lines[0] = services.PlanLine(title=lines[0].title, due_on=due, partner_agency="UNHCR Rabat")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a, lines=lines)
    first = plan.items.first()
    assert first.due_on == due and first.partner_agency == "UNHCR Rabat" and first.owner is None
    task = Task.objects.get(source_id=first.pk)
    assert task.partner_agency == "UNHCR Rabat" and timezone.localtime(task.due_at).date() == due


def test_a_line_needs_exactly_one_doer(case_a: Any, caseworker_a: Any) -> None:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    with pytest.raises(ValidationError) as error:
        services.action_plan_item_add(
            actor=caseworker_a,
            plan=plan,
            title="Open a bank account",
            due_on=timezone.localdate(),
            owner=caseworker_a,
            partner_agency="UNHCR",
        )
    assert "partner_agency" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.action_plan_item_add(
            actor=caseworker_a, plan=plan, title="Open a bank account", due_on=timezone.localdate()
        )
    assert "owner" in error.value.message_dict
    assert plan.items.count() == 6


def test_editing_a_line_moves_its_task_and_a_stale_edit_is_refused(
    case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    item = plan.items.first()
    seen = item.version
    new_due = timezone.localdate() + timedelta(days=3)
    services.action_plan_item_update(
        actor=caseworker_a,
        item=item,
        seen_version=seen,
        title="Secure residence status (appeal)",
        due_on=new_due,
        partner_agency="Legal clinic abroad",
    )
    task = Task.objects.get(source_id=item.pk)
    assert task.title == "Secure residence status (appeal)"
    assert task.owner is None and task.partner_agency == "Legal clinic abroad"
    assert timezone.localtime(task.due_at).date() == new_due
    with pytest.raises(StaleEdit):
        services.action_plan_item_update(
            actor=caseworker_a,
            item=item_at(item, seen),
            seen_version=seen,
            title="Overwritten",
            due_on=new_due,
            owner=caseworker_a,
        )
    assert reload(item).title == "Secure residence status (appeal)"


def item_at(item: Any, version: int) -> Any:
    stale = ActionPlanItem.objects.get(pk=item.pk)
    stale.version = version
    return stale


def test_the_plan_is_approved_through_a_supervisor(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    approval = services.action_plan_submit(actor=caseworker_a, plan=plan)
    assert approval.subject == ApprovalSubject.ACTION_PLAN and approval.object_id == plan.pk
    with pytest.raises(ValidationError, match="waiting for a supervisor"):
        services.action_plan_item_add(
            actor=caseworker_a, plan=plan, title="x", due_on=date.today(), owner=caseworker_a
        )
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    plan = reload(plan)
    assert plan.approved_at is not None and plan.approved_by == supervisor_a


def test_a_plan_sent_back_keeps_the_comments_and_stays_unapproved(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    approval = services.action_plan_submit(actor=caseworker_a, plan=plan)
    approval_decide(
        actor=supervisor_a, approval=approval, approve=False, comments="Add a school contact."
    )
    plan = reload(plan)
    assert plan.approved_at is None and plan.returned_comments == "Add a school contact."


def test_a_plan_is_not_sent_for_approval_before_the_child_is_heard(
    case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "host", child_views_recorded_at=None)
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    with pytest.raises(ValidationError, match="child's views"):
        services.action_plan_submit(actor=caseworker_a, plan=plan)
    assert not Approval.objects.exists()


def test_people_outside_the_case_cannot_write_plans(
    case_a: Any, caseworker_b: Any, guardian_on_case: Any
) -> None:
    decide(case_a, "host")
    for actor in (caseworker_b, guardian_on_case):
        with pytest.raises(PermissionDenied):
            services.action_plan_create(actor=actor, case=case_a)
        with pytest.raises(PermissionDenied):
            follow_up(case_a, actor, owner=None, partner_agency="ISS")
    assert not ActionPlan.objects.exists()


# --- return preparation ---------------------------------------------------------------------


def test_a_risk_result_needs_its_date_and_assessor(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.return_preparation_save(actor=caseworker_a, case=case_a, risk_result="safe")
    assert {"risk_assessed_on", "risk_assessed_by"} <= set(error.value.message_dict)


def test_a_written_agreement_needs_the_carer_and_a_confirmation_its_reference(
    case_a: Any, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.return_preparation_save(
            actor=caseworker_a,
            case=case_a,
            carer_agreed_on=timezone.localdate(),
            reception_confirmed_on=timezone.localdate(),
            reception_agency="CWC",
        )
    assert {"carer_name", "carer_relationship", "reception_reference"} <= set(
        error.value.message_dict
    )


def test_the_return_preparation_is_updated_with_its_version(case_a: Any, caseworker_a: Any) -> None:
    prep = services.return_preparation_save(
        actor=caseworker_a, case=case_a, carer_name="Fatima", carer_relationship="Aunt"
    )
    services.return_preparation_save(
        actor=caseworker_a,
        case=case_a,
        seen_version=prep.version,
        carer_name="Fatima",
        carer_relationship="Aunt",
        carer_agreed_on=timezone.localdate(),
    )
    assert reload(prep).carer_agreed
    with pytest.raises(StaleEdit):
        services.return_preparation_save(
            actor=caseworker_a, case=case_a, seen_version=prep.version - 1, carer_name="Other"
        )
    assert reload(prep).carer_name == "Fatima"


# --- follow-up --------------------------------------------------------------------------------


@time_machine.travel(date(2027, 1, 31), tick=False)
def test_after_reunification_visits_fall_at_months_1_2_3_6_9_and_12(
    case_a: Any, caseworker_a: Any
) -> None:
    plan = follow_up(case_a, caseworker_a, start_on=date(2027, 1, 31))
    dues = list(plan.visits.values_list("due_on", flat=True))
    assert dues == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 7, 31),
        date(2027, 10, 31),
        date(2028, 1, 31),
    ]
    tasks = Task.objects.filter(case=case_a, kind=TaskKind.FOLLOW_UP).order_by("due_at")
    assert [timezone.localtime(t.due_at).date() for t in tasks] == dues
    assert {t.source_id for t in tasks} == set(plan.visits.values_list("pk", flat=True))
    assert all(t.owner == caseworker_a for t in tasks)


@time_machine.travel(date(2027, 1, 1), tick=False)
def test_a_kinship_placement_abroad_is_visited_every_15_days_24_times(
    case_a: Any, caseworker_a: Any
) -> None:
    plan = follow_up(
        case_a,
        caseworker_a,
        template="kinship_abroad",
        start_on=date(2027, 1, 1),
        owner=None,
        partner_agency="ISS Sudan",
    )
    dues = list(plan.visits.values_list("due_on", flat=True))
    assert len(dues) == 24
    assert dues[0] == date(2027, 1, 16) and dues[1] == date(2027, 1, 31)
    assert dues[-1] == date(2027, 1, 1) + timedelta(days=360)
    tasks = Task.objects.filter(case=case_a, kind=TaskKind.FOLLOW_UP)
    assert tasks.count() == 24 and {t.partner_agency for t in tasks} == {"ISS Sudan"}


@time_machine.travel(date(2027, 1, 1), tick=False)
def test_a_custom_schedule_visits_every_n_days_for_m_months(case_a: Any, caseworker_a: Any) -> None:
    plan = follow_up(
        case_a,
        caseworker_a,
        template="custom",
        start_on=date(2027, 1, 1),
        interval_days=30,
        months=3,
    )
    assert list(plan.visits.values_list("due_on", flat=True)) == [
        date(2027, 1, 31),
        date(2027, 3, 2),
        date(2027, 4, 1),
    ]


def test_a_custom_schedule_needs_its_interval_and_duration(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError) as error:
        follow_up(case_a, caseworker_a, template="custom")
    assert {"interval_days", "months"} <= set(error.value.message_dict)
    assert not FollowUpVisit.objects.exists()


def test_no_follow_up_plan_before_a_solution_is_decided(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError, match="Decide the sustainable solution"):
        services.follow_up_plan_create(
            actor=caseworker_a,
            case=case_a,
            template="after_reunification",
            start_on=timezone.localdate(),
            owner=caseworker_a,
        )
    assert not FollowUpVisit.objects.exists()


def test_a_visit_report_closes_the_visit_and_its_task(case_a: Any, caseworker_a: Any) -> None:
    plan = follow_up(case_a, caseworker_a)
    visit = plan.visits.first()
    report = services.visit_report_record(
        actor=caseworker_a,
        visit=visit,
        seen_version=visit.version,
        visited_on=timezone.localdate(),
        child_seen=True,
        well_being="Settled, eating well.",
        further_visits_needed=True,
    )
    assert report.written_by == caseworker_a
    assert reload(visit).done_on == timezone.localdate()
    task = Task.objects.get(source_id=visit.pk)
    assert task.status == TaskStatus.DONE and task.completed_by == caseworker_a
    assert (
        Task.objects.filter(case=case_a, kind=TaskKind.FOLLOW_UP, status=TaskStatus.OPEN).count()
        == 5
    )
    with pytest.raises(ValidationError, match="already has a report"):
        services.visit_report_record(
            actor=caseworker_a,
            visit=reload(visit),
            seen_version=reload(visit).version,
            visited_on=timezone.localdate(),
            child_seen=True,
        )
    assert VisitReport.objects.count() == 1


def test_a_child_not_seen_needs_the_reason_and_nothing_is_saved(
    case_a: Any, caseworker_a: Any
) -> None:
    visit = follow_up(case_a, caseworker_a).visits.first()
    with pytest.raises(ValidationError) as error:
        services.visit_report_record(
            actor=caseworker_a,
            visit=visit,
            seen_version=visit.version,
            visited_on=timezone.localdate(),
            child_seen=False,
        )
    assert "reason_not_seen" in error.value.message_dict
    assert not VisitReport.objects.exists()
    assert Task.objects.get(source_id=visit.pk).status == TaskStatus.OPEN


def test_a_report_written_abroad_names_the_partner_agency(case_a: Any, caseworker_a: Any) -> None:
    visit = follow_up(case_a, caseworker_a).visits.first()
    report = services.visit_report_record(
        actor=caseworker_a,
        visit=visit,
        seen_version=visit.version,
        visited_on=timezone.localdate(),
        child_seen=False,
        reason_not_seen="at_school",
        written_by_agency="ISS Sudan",
    )
    assert report.written_by is None and report.written_by_agency == "ISS Sudan"


def test_a_missed_visit_is_flagged_overdue_on_the_case_page_and_my_day(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    start = timezone.localdate()
    plan = follow_up(case_a, caseworker_a, start_on=start)
    first = plan.visits.first()
    with time_machine.travel(first.due_on + timedelta(days=2)):
        refresh_deadlines.call()
        task = Task.objects.get(source_id=first.pk)
        assert task.overdue
        assert not Task.objects.get(source_id=plan.visits.last().pk).overdue
        client.force_login(caseworker_a)
        page = client.get(reverse("cases:detail", args=[case_a.pk]))
        assert page.status_code == 200
        panel = page.content.decode().split('id="plans"')[1]
        assert "overdue" in panel
        my_day = client.get(reverse("cases:my_day"))
        assert "Follow-up visit 1 of 6" in my_day.content.decode()
        assert "overdue" in my_day.content.decode()


# --- review fixes: approval lost on change, the overdue flag, one follow-up, names (M6, 6, 7, 9)


def _approved_host_plan(case: Any, caseworker: Any, supervisor: Any) -> ActionPlan:
    decide(case, "host")
    plan = services.action_plan_create(actor=caseworker, case=case)
    approval = services.action_plan_submit(actor=caseworker, plan=plan)
    approval_decide(actor=supervisor, approval=approval, approve=True)
    return reload(plan)


def _add_line(caseworker: Any, plan: Any) -> None:
    services.action_plan_item_add(
        actor=caseworker,
        plan=plan,
        title="Open a bank account",
        due_on=timezone.localdate() + timedelta(days=10),
        owner=caseworker,
    )


def _edit_line(caseworker: Any, plan: Any) -> None:
    item = plan.items.first()
    services.action_plan_item_update(
        actor=caseworker,
        item=item,
        seen_version=item.version,
        title="Secure residence status (appeal)",
        due_on=item.due_on,
        owner=caseworker,
    )


@pytest.mark.parametrize("change", [_add_line, _edit_line], ids=["line added", "line edited"])
def test_an_approved_plan_that_changes_loses_its_approval_and_is_approved_again(
    case_a: Any, caseworker_a: Any, supervisor_a: Any, change: Any
) -> None:
    plan = _approved_host_plan(case_a, caseworker_a, supervisor_a)
    change(caseworker_a, plan)
    plan = reload(plan)
    assert plan.approved_at is None and plan.approved_by is None
    assert plan.approval_lost_at is not None
    event = AuditEvent.objects.filter(object_id=str(plan.pk), changes__has_key="approved_at").last()
    assert event.changes["approved_at"][1] is None
    assert event.context["reason"] == "changed after approval"
    approval = services.action_plan_submit(actor=caseworker_a, plan=plan)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    plan = reload(plan)
    assert plan.approved_at is not None and plan.approval_lost_at is None


def test_a_line_is_neither_added_nor_edited_while_the_plan_waits_for_approval(
    case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    services.action_plan_submit(actor=caseworker_a, plan=plan)
    item = plan.items.first()
    for change in (_add_line, _edit_line):
        with pytest.raises(ValidationError, match="waiting for a supervisor"):
            change(caseworker_a, plan)
    assert plan.items.count() == 6
    assert reload(item).title == item.title and reload(item).version == item.version


def test_editing_a_line_to_a_past_date_leaves_the_overdue_flag_to_the_deadline_job(
    case_a: Any, caseworker_a: Any
) -> None:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    item = plan.items.first()
    services.action_plan_item_update(
        actor=caseworker_a,
        item=item,
        seen_version=item.version,
        title=item.title,
        due_on=timezone.localdate() - timedelta(days=2),
        owner=caseworker_a,
    )
    task = Task.objects.get(source_id=item.pk)
    assert not task.overdue
    refresh_deadlines.call()
    assert reload(task).overdue


def test_a_second_follow_up_plan_waits_until_every_visit_of_the_first_is_done(
    case_a: Any, caseworker_a: Any
) -> None:
    first = follow_up(case_a, caseworker_a)
    with pytest.raises(ValidationError, match="visits still to be done"):
        follow_up(case_a, caseworker_a, template="kinship_abroad")
    assert FollowUpPlan.objects.filter(case=case_a).count() == 1
    first.visits.update(done_on=timezone.localdate())
    follow_up(case_a, caseworker_a, template="kinship_abroad")
    assert FollowUpPlan.objects.filter(case=case_a).count() == 2


def test_the_audit_trail_of_the_return_preparation_holds_no_carer_name(
    case_a: Any, caseworker_a: Any
) -> None:
    prep = prepare_return(case_a, caseworker_a)
    services.return_preparation_save(
        actor=caseworker_a,
        case=case_a,
        seen_version=prep.version,
        carer_name="Amina El Amine",
        carer_relationship="Grandmother",
    )
    events = list(AuditEvent.objects.filter(object_id=str(prep.pk)).order_by("sequence"))
    assert len(events) == 2
    for event in events:
        assert event.changes["carer_name"] == ["***", "***"]
        assert "El Amine" not in str(event.changes)
    assert events[1].changes["carer_relationship"] == ["Aunt", "Grandmother"]
    assert reload(prep).carer_name == "Amina El Amine"
