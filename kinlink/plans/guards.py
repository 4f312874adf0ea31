"""Safeguards this app adds to the case lifecycle (kinlink.cases.lifecycle.guard).

Importing this module (from AppConfig.ready) also registers the approval handlers of action
plans and closures (in `services`) and the case-page panel.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kinlink.cases.lifecycle import Guard, Refusal, guard
from kinlink.cases.models import Case, Solution
from kinlink.cases.panels import Panel, register_panel
from kinlink.plans import services  # registers the approval handlers too
from kinlink.plans.models import ActionPlan, Closure, ClosureStatus, FollowUpPlan
from kinlink.plans.safeguards import (
    RETURN_CHECKS,
    family_verified,
    no_third_country_in_reflection_period,
    no_transfer_in_reflection_period,
    receiving_state_consented,
    where,
)
from kinlink.plans.selectors import panel_context


def _on_return(check: Guard) -> Guard:
    def guarded(case: Case) -> Refusal | None:
        if case.decided_solution != Solution.RETURN:
            return None
        return check(case)

    guarded.__name__ = check.__name__
    guarded.__doc__ = check.__doc__
    return guarded


# T9, T11 / SG-04, SG-05, SG-19, SG-20: no return without each of these, one refusal per miss;
# checked again when follow-up starts, since the child has not left until then.
for _check in RETURN_CHECKS:
    guard("implement_solution", "start_follow_up")(_on_return(_check))

# SG-10: no return (a reunification) before the family link and both wills are verified.
guard("implement_solution", "start_follow_up")(_on_return(family_verified))

# SG-19: the reflection period also stops a placement in a third country and a transfer out.
guard("implement_solution")(no_third_country_in_reflection_period)
guard("transfer_out")(no_transfer_in_reflection_period)

# SG-07: a placement abroad is neither implemented nor carried out without the receiving
# state's recorded consent, where HC1996 Art. 33 or Brussels IIb Art. 82 asks for it.
guard("implement_solution", "start_follow_up")(receiving_state_consented)


@guard("implement_solution")
def siblings_kept_together_or_separation_approved(case: Case) -> Refusal | None:
    """SG-13: a return or a placement away from here does not separate siblings living with the
    child unless the reasons were approved by a supervisor."""
    unsettled = services.siblings_unsettled(case)
    if not unsettled:
        return None
    return Refusal(
        _(
            "Brothers or sisters live with the child (%(names)s): say whether the solution keeps "
            "them together; separating them needs reasons and a supervisor's approval."
        )
        % {"names": ", ".join(s.person.full_name for s in unsettled)},
        where("plans:sibling_decision", case),
    )


@guard("start_follow_up")
def action_plan_approved(case: Case) -> Refusal | None:
    """T11: the decided solution was carried out under its own action plan, approved by a
    supervisor and not superseded by a later review (a plan of an earlier decision counts not).
    """
    if ActionPlan.objects.filter(
        case=case,
        solution=case.decided_solution,
        approved_at__isnull=False,
        superseded_at__isnull=True,
    ).exists():
        return None
    return Refusal(
        _("An action plan must be approved by a supervisor first."),
        where("plans:action_plan_create", case),
    )


@guard("start_follow_up")
def follow_up_planned(case: Case) -> Refusal | None:
    """T11: follow-up starts with a plan saying how often, how long and who visits, made for
    the current decision (a review supersedes the follow-up plans made before it)."""
    if FollowUpPlan.objects.filter(case=case, superseded_at__isnull=True).exists():
        return None
    return Refusal(
        _("Make a follow-up plan (how often, for how long, who visits) first."),
        where("plans:follow_up_create", case),
    )


@guard("request_closure")
def closure_record_complete(case: Case) -> Refusal | None:
    """T13 / SG-16: closure is requested through the closure form, with its checklist complete.

    The closure service creates the record then takes this move in the same transaction; the
    plain move on the case page finds no such record and points to the form.
    """
    closure = Closure.objects.filter(case=case, status=ClosureStatus.REQUESTED).first()
    if closure is not None and not services.closure_problems(
        case, {name: getattr(closure, name) for name in services.CLOSURE_FIELDS}
    ):
        return None
    return Refusal(
        _("Fill in the closure form: reason, checklist and carer at closure."),
        where("plans:closure_request", case),
    )


@guard("approve_closure")
def closure_still_complete(case: Case) -> Refusal | None:
    """T13 / SG-02, SG-16: the closure is checked again when it is approved; a fact recorded
    since the request (an age appeal lodged, a transition task reopened) stops it."""
    closure = Closure.objects.filter(case=case, status=ClosureStatus.REQUESTED).first()
    if closure is None:
        return None
    problems = services.closure_problems(
        case, {name: getattr(closure, name) for name in services.CLOSURE_FIELDS}
    )
    if not problems:
        return None
    return Refusal(
        _("The closure cannot be approved any more: %(problems)s")
        % {"problems": " ".join(problems.values())},
        where("plans:closure_request", case),
    )


register_panel(
    Panel(key="plans", order=40, template="plans/partials/panel.html", context=panel_context)
)
