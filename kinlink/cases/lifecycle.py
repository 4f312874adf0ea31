"""The case lifecycle as a table of named transitions (domain.md §1.2–1.3).

Each transition names where it may start, where it leads, who may take it and whether a
reason is required. Guards say what must hold first; satellite apps (care, assessments, plans)
add theirs with `@guard("transition_name")` so that `cases` imports none of them. A guard
returns a `Refusal` that names what is missing and where to supply it, or None.

Holds (missing, suspended, transferred out) do not move the step: they pause it, and
`resume` returns the case to where it was. Urgent protective action is never a transition, so
no pending decision or hold can block it (SG-12).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import Role
from kinlink.cases.models import Case, Hold, Stage

OPEN_STAGES = frozenset(s for s in Stage if s not in {Stage.CLOSURE_REQUESTED, Stage.CLOSED})
CASEWORK = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
SUPERVISION = frozenset({Role.SUPERVISOR})


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str | None  # None: back to the stage the case came from
    roles: frozenset[str] = CASEWORK
    needs_reason: bool = False
    hold: str | None = None  # a hold this transition puts on the case
    from_hold: bool = False  # only taken while the case is on hold (resume)


@dataclass(frozen=True)
class Refusal:
    """Why a move is not allowed yet, and where the missing piece is supplied."""

    message: str
    where: str = ""


@dataclass
class TransitionRefused(Exception):
    refusals: list[Refusal] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(r.message for r in self.refusals)


def _t(*transitions: Transition) -> dict[str, Transition]:
    return {t.name: t for t in transitions}


TRANSITIONS = _t(
    Transition(
        "start_immediate_care",
        _("Start immediate care"),
        frozenset({Stage.IDENTIFIED}),
        Stage.IMMEDIATE_CARE,
    ),
    Transition(
        "start_assessment",
        _("Start the assessment"),
        frozenset({Stage.IMMEDIATE_CARE}),
        Stage.ASSESSMENT,
    ),
    Transition(
        "start_temporary_care",
        _("Assessment approved: plan temporary care"),
        frozenset({Stage.ASSESSMENT}),
        Stage.INTERIM_CARE,
        roles=SUPERVISION,
    ),
    Transition(
        "start_family_evaluation",
        _("Locate and evaluate the family"),
        frozenset({Stage.INTERIM_CARE}),
        Stage.FAMILY_EVALUATION,
    ),
    Transition(
        "start_solution_determination",
        _("Determine a sustainable solution"),
        frozenset({Stage.INTERIM_CARE, Stage.FAMILY_EVALUATION}),
        Stage.SOLUTION_DETERMINATION,
        roles=SUPERVISION,
    ),
    Transition(
        "implement_solution",
        _("Implement the decided solution"),
        frozenset({Stage.SOLUTION_DETERMINATION}),
        Stage.IMPLEMENTATION,
        roles=SUPERVISION,
    ),
    Transition(
        "defer_determination",
        _("Defer the decision: more information needed"),
        frozenset({Stage.SOLUTION_DETERMINATION}),
        Stage.INTERIM_CARE,
        needs_reason=True,
    ),
    Transition(
        "start_follow_up",
        _("Solution carried out: start follow-up"),
        frozenset({Stage.IMPLEMENTATION}),
        Stage.FOLLOW_UP,
    ),
    Transition(
        "report_breakdown",
        _("Placement or reintegration broke down"),
        frozenset({Stage.FOLLOW_UP}),
        Stage.IMPLEMENTATION,
        needs_reason=True,
    ),
    Transition(
        "review_solution",
        _("Review the solution"),
        frozenset({Stage.FOLLOW_UP}),
        Stage.SOLUTION_DETERMINATION,
        needs_reason=True,
    ),
    Transition("request_closure", _("Request closure"), OPEN_STAGES, Stage.CLOSURE_REQUESTED),
    Transition(
        "approve_closure",
        _("Approve closure"),
        frozenset({Stage.CLOSURE_REQUESTED}),
        Stage.CLOSED,
        roles=SUPERVISION,
    ),
    Transition(
        "return_closure",
        _("Send the closure back"),
        frozenset({Stage.CLOSURE_REQUESTED}),
        None,
        roles=SUPERVISION,
        needs_reason=True,
    ),
    Transition(
        "reopen",
        _("Reopen the case"),
        frozenset({Stage.CLOSED}),
        Stage.ASSESSMENT,
        roles=SUPERVISION,
        needs_reason=True,
    ),
    Transition(
        "report_missing",
        _("Report the child missing"),
        OPEN_STAGES,
        None,
        needs_reason=True,
        hold=Hold.MISSING,
    ),
    Transition(
        "suspend", _("Suspend the case"), OPEN_STAGES, None, needs_reason=True, hold=Hold.SUSPENDED
    ),
    Transition(
        "transfer_out",
        _("Transfer responsibility out"),
        OPEN_STAGES,
        None,
        roles=SUPERVISION,
        needs_reason=True,
        hold=Hold.TRANSFERRED_OUT,
    ),
    Transition(
        "resume", _("Resume the case"), OPEN_STAGES, None, needs_reason=True, from_hold=True
    ),
)

# Transitions a person takes through an approval, never directly from the case page.
THROUGH_APPROVAL = frozenset({"approve_closure", "return_closure"})
# Moves taken through a form of the hub, which records what the move needs and then takes it:
# the case page links to the form instead of offering a button.
THROUGH_FORM = {"report_missing": "cases:missing_report"}
# The moves taken on a closed case, which is otherwise read-only: they need the right to see
# the case, not to edit it (the transition's roles still apply).
ON_CLOSED_CASE = frozenset({"reopen"})

Guard = Callable[[Case], Refusal | None]
_GUARDS: dict[str, list[Guard]] = defaultdict(list)


def guard(*names: str) -> Callable[[Guard], Guard]:
    """Register a check that must pass before the named transitions."""
    unknown = set(names) - set(TRANSITIONS)
    if unknown:
        raise KeyError(f"unknown transitions: {sorted(unknown)}")

    def register(check: Guard) -> Guard:
        for name in names:
            _GUARDS[name].append(check)
        return check

    return register


def guards_for(name: str) -> list[Guard]:
    return list(_GUARDS[name])


def position_refusal(case: Case, transition: Transition) -> Refusal | None:
    """Whether the case stands where this transition starts."""
    if transition.from_hold:
        if not case.hold:
            return Refusal(str(_("The case is not on hold.")))
        return None
    if case.hold:
        return Refusal(
            str(_("The case is on hold (%(hold)s): resume it first."))
            % {"hold": Hold(case.hold).label}
        )
    if case.stage not in transition.sources:
        return Refusal(str(_("This move cannot be made from the current step.")))
    return None


def refusals(case: Case, transition: Transition) -> list[Refusal]:
    """Everything that stops the transition now (empty: it may be taken)."""
    if (where := position_refusal(case, transition)) is not None:
        return [where]
    return [r for check in guards_for(transition.name) if (r := check(case)) is not None]
