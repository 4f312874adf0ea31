"""Reads of plans, follow-up and closure. Each starts from a case the policy already let the
user see (`cases.selectors.case_open` / `case_for_edit`) and costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.shortcuts import get_object_or_404

from kinlink.accounts.models import User
from kinlink.cases.models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    Solution,
    Stage,
    Task,
)
from kinlink.plans.models import (
    MOVING_SOLUTIONS,
    ActionPlan,
    ActionPlanItem,
    Closure,
    FollowUpPlan,
    FollowUpVisit,
)
from kinlink.plans.safeguards import (
    FAMILY_VERIFIED_LABEL,
    RETURN_CHECK_LABELS,
    RETURN_CHECKS,
    family_verified,
    preparation_of,
)
from kinlink.plans.services import sibling_decisions, siblings_with_child


def plan_of(case: Case, plan_id: UUID) -> ActionPlan:
    return get_object_or_404(ActionPlan.objects.select_related("case"), pk=plan_id, case=case)


def item_of(case: Case, item_id: UUID) -> ActionPlanItem:
    return get_object_or_404(
        ActionPlanItem.objects.select_related("plan__case"), pk=item_id, plan__case=case
    )


def visit_of(case: Case, visit_id: UUID) -> FollowUpVisit:
    return get_object_or_404(
        FollowUpVisit.objects.select_related("case", "plan"), pk=visit_id, case=case
    )


@dataclass(frozen=True)
class Check:
    """One line of the return checklist as the case page shows it."""

    label: str
    ok: bool


def return_checklist(case: Case) -> list[Check]:
    """The return safeguards (SG-04, SG-05, SG-19, SG-20) as ticked or missing: the very checks
    the guards run (`safeguards.RETURN_CHECKS`), sharing one read of the preparation."""
    return [Check(str(RETURN_CHECK_LABELS[check]), check(case) is None) for check in RETURN_CHECKS]


def panel_context(case: Case, user: User) -> dict[str, Any]:
    """What the case page shows of this app: the latest action plan with its lines' tasks and
    approval, the return checklist, the latest follow-up plan with every visit's state, and
    the current closure. No query for a fresh case, at most eight for a full one,
    whatever the number of lines or visits.
    """
    # Plans and follow-up need a decided solution: a case without one costs no query here.
    decided = bool(case.decided_solution)
    plan = (
        ActionPlan.objects.filter(case=case).select_related("approved_by").first()
        if decided
        else None
    )
    items = list(plan.items.select_related("owner")) if plan else []
    follow_up = (
        FollowUpPlan.objects.filter(case=case).select_related("owner").first() if decided else None
    )
    visits = list(follow_up.visits.select_related("report")) if follow_up else []
    sources = [i.pk for i in items] + [v.pk for v in visits]
    tasks = (
        {t.source_id: t for t in Task.objects.filter(case=case, source_id__in=sources)}
        if sources
        else {}
    )
    for row in [*items, *visits]:
        row.task = tasks.get(row.pk)  # type: ignore[attr-defined]
    # A closure exists only once one was requested: the step (or the one just left) says so.
    closing = {Stage.CLOSURE_REQUESTED, Stage.CLOSED}
    closure = (
        Closure.objects.filter(case=case).select_related("decided_by").first()
        if case.stage in closing or case.previous_stage in closing or case.reopened_count
        else None
    )
    plan_pending = (
        plan is not None
        and plan.approved_at is None
        and Approval.objects.filter(
            subject=ApprovalSubject.ACTION_PLAN, object_id=plan.pk, status=ApprovalStatus.PENDING
        ).exists()
    )
    prep = None
    checklist: list[Check] = []
    if case.decided_solution == Solution.RETURN:
        prep = preparation_of(case)
        checklist = [
            *return_checklist(case),
            Check(str(FAMILY_VERIFIED_LABEL), family_verified(case) is None),
        ]
    siblings: list[Any] = []
    if case.decided_solution in MOVING_SOLUTIONS:
        decisions = sibling_decisions(case)
        for sibling in siblings_with_child(case):
            sibling.decision = decisions.get(sibling.pk)  # type: ignore[attr-defined]
            siblings.append(sibling)
    return {
        "siblings": siblings,
        "plan": plan,
        "plan_pending": plan_pending,
        "items": items,
        "return_preparation": prep,
        "return_checklist": checklist,
        "is_return": case.decided_solution == Solution.RETURN,
        "follow_up": follow_up,
        "visits": visits,
        "visits_done": sum(1 for v in visits if v.done_on),
        "closure": closure,
    }
