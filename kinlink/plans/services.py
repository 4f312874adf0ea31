"""Writes of plans, follow-up and closure. Each checks the policy, changes state and records
the audit event in one transaction; tasks and approvals go through `cases.workflow`.

Importing this module registers the approval handlers of action plans and closures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.accounts.models import Role, User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.cases import workflow
from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.models import (
    AgeAssessmentStatus,
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    CasePerson,
    Relationship,
    Solution,
    Task,
    TaskKind,
    TaskStatus,
)
from kinlink.cases.policies import can_edit_case
from kinlink.core.concurrency import save_versioned
from kinlink.core.translation import message_id
from kinlink.plans.catalogue import ACTION_PLAN_TEMPLATES, visit_dates
from kinlink.plans.models import (
    MOVING_SOLUTIONS,
    ActionPlan,
    ActionPlanItem,
    CarerKind,
    Closure,
    ClosureReason,
    ClosureStatus,
    FollowUpPlan,
    FollowUpTemplate,
    FollowUpVisit,
    PlacementAbroad,
    ReturnPreparation,
    RiskResult,
    SiblingDecision,
    VisitReport,
)
from kinlink.plans.safeguards import SafeguardRefused, return_check_refusals, return_refusals

AGE_UNSETTLED = frozenset(
    {AgeAssessmentStatus.REQUESTED, AgeAssessmentStatus.IN_PROGRESS, AgeAssessmentStatus.APPEALED}
)
EDITING_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
MAX_CUSTOM_INTERVAL_DAYS = 366
MAX_CUSTOM_MONTHS = 36


def _require_edit(actor: User, case: Case) -> None:
    if not can_edit_case(actor, case):
        raise PermissionDenied


def due_at(day: date) -> datetime:
    """A task due on `day` falls overdue once that day is over."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def _check_doer(
    case: Case, owner: User | None, partner_agency: str, *, owner_field: str = "owner"
) -> dict[str, str]:
    """Exactly one of a person here (of the case's agency) or a partner agency abroad."""
    if owner is not None and partner_agency:
        return {"partner_agency": _("Name a person here or a partner agency abroad, not both.")}
    if owner is None and not partner_agency:
        return {owner_field: _("Name a person here or a partner agency abroad.")}
    if owner is not None and (
        owner.agency_id != case.agency_id or owner.role not in EDITING_ROLES or not owner.is_active
    ):
        return {owner_field: _("Choose an active caseworker or supervisor of this agency.")}
    return {}


# --- action plan (step 7) ----------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    """One line of an action plan as a form or a test gives it: a template's line has a lazy
    translation for its title, stored untranslated (`ActionPlanItem.title_from_template`)."""

    title: str | Promise
    due_on: date
    owner: User | None = None
    partner_agency: str = ""


def action_plan_default_lines(*, case: Case, actor: User) -> list[PlanLine]:
    """The template lines of the case's decided solution, due from today, done by the actor.

    Lines usually done abroad go to the receiving agency when the return preparation names it.
    """
    template = ACTION_PLAN_TEMPLATES.get(case.decided_solution, [])
    prep = ReturnPreparation.objects.filter(case=case).first()
    abroad = prep.reception_agency if prep else ""
    today = timezone.localdate()
    return [
        PlanLine(
            title=line.title,
            due_on=today + timedelta(days=line.days),
            owner=None if (line.abroad and abroad) else actor,
            partner_agency=abroad if line.abroad else "",
        )
        for line in template
    ]


def _line_errors(case: Case, line: PlanLine) -> dict[str, str]:
    errors = _check_doer(case, line.owner, line.partner_agency.strip())
    if not str(line.title).strip():
        errors["title"] = _("Say what must be done.")
    return errors


def _open_item_task(actor: User, case: Case, item: ActionPlanItem) -> None:
    workflow.task_open(
        case=case,
        kind=TaskKind.ACTION,
        title=item.title,
        # A template's line is a message id, translated for each reader; a typed one is not.
        title_params={} if item.title_from_template else None,
        due_at=due_at(item.due_on),
        owner=item.owner,
        partner_agency=item.partner_agency,
        source_id=item.pk,
        actor=actor,
    )


@transaction.atomic
def action_plan_create(
    *, actor: User, case: Case, lines: list[PlanLine] | None = None
) -> ActionPlan:
    """Make the action plan of the decided solution from its template; each line opens a task.

    Needs a decided solution that has a template, and no current plan for it (one superseded
    by a review does not count: the review may decide the same solution again). A return plan is
    refused while any return safeguard holds (SG-04, SG-05, SG-19, SG-20): `SafeguardRefused`
    names each, with where to supply it. Nothing is saved when refused.
    """
    _require_edit(actor, case)
    if not case.decided_solution:
        raise ValidationError(_("Decide the sustainable solution before making an action plan."))
    if case.decided_solution not in ACTION_PLAN_TEMPLATES:
        raise ValidationError(_("There is no action-plan template for the decided solution."))
    if blockers := return_refusals(case):
        raise SafeguardRefused(blockers)
    if ActionPlan.objects.filter(
        case=case, solution=case.decided_solution, superseded_at__isnull=True
    ).exists():
        raise ValidationError(_("This case already has an action plan for the decided solution."))
    lines = action_plan_default_lines(case=case, actor=actor) if lines is None else lines
    for number, line in enumerate(lines):
        if errors := _line_errors(case, line):
            raise ValidationError(
                _("Line %(n)s: %(problem)s")
                % {"n": number + 1, "problem": " ".join(errors.values())}
            )
    plan = ActionPlan.objects.create(case=case, solution=case.decided_solution, created_by=actor)
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=plan,
        case_id=case.pk,
        changes={"solution": [None, plan.solution], "lines": [None, len(lines)]},
    )
    for position, line in enumerate(lines):
        from_template = isinstance(line.title, Promise)
        item = ActionPlanItem.objects.create(
            plan=plan,
            position=position,
            title=message_id(line.title) if from_template else str(line.title).strip(),
            title_from_template=from_template,
            owner=line.owner,
            partner_agency=line.partner_agency.strip(),
            due_on=line.due_on,
        )
        _open_item_task(actor, case, item)
    return plan


def _refuse_while_pending(plan: ActionPlan) -> None:
    if plan.superseded_at is not None:
        raise ValidationError(
            _("This plan was superseded by a review of the solution; make a new action plan.")
        )
    if workflow.pending_approval(ApprovalSubject.ACTION_PLAN, plan.pk) is not None:
        raise ValidationError(
            _("The plan is waiting for a supervisor's decision; change it after the decision.")
        )


def _lose_approval(actor: User, plan: ActionPlan) -> None:
    """A plan changed after its approval is no longer the plan the supervisor approved: the
    approval goes (audited) and the plan must be approved again."""
    if plan.approved_at is None:
        return
    seen = plan.version
    before = plan.approved_at
    plan.approved_at, plan.approved_by, plan.approval_lost_at = None, None, timezone.now()
    save_versioned(
        plan, seen_version=seen, fields=["approved_at", "approved_by", "approval_lost_at"]
    )
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        case_id=plan.case_id,
        changes={"approved_at": [before, None], "version": [seen, plan.version]},
        reason="changed after approval",
    )


@transaction.atomic
def action_plan_item_add(
    *,
    actor: User,
    plan: ActionPlan,
    title: str,
    due_on: date,
    owner: User | None = None,
    partner_agency: str = "",
) -> ActionPlanItem:
    """Add a line to a plan (not while it waits for approval); it opens its own task. An
    approved plan loses its approval and must be approved again."""
    case = plan.case
    _require_edit(actor, case)
    _refuse_while_pending(plan)
    line = PlanLine(title=title, due_on=due_on, owner=owner, partner_agency=partner_agency)
    if errors := _line_errors(case, line):
        raise ValidationError(errors)
    _lose_approval(actor, plan)
    last = plan.items.order_by("-position").values_list("position", flat=True).first()
    item = ActionPlanItem.objects.create(
        plan=plan,
        position=(last or 0) + 1,
        title=title.strip(),
        owner=owner,
        partner_agency=partner_agency.strip(),
        due_on=due_on,
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=item,
        case_id=case.pk,
        changes={"title": [None, item.title], "due_on": [None, due_on]},
    )
    _open_item_task(actor, case, item)
    return item


@transaction.atomic
def action_plan_item_update(
    *,
    actor: User,
    item: ActionPlanItem,
    seen_version: int,
    title: str,
    due_on: date,
    owner: User | None = None,
    partner_agency: str = "",
) -> ActionPlanItem:
    """Change a line (what, who, when); its open task follows. A stale edit is refused, and an
    approved plan loses its approval and must be approved again.

    The task's new deadline is not judged here: its overdue flag is cleared and the deadline job
    (`cases.jobs.refresh_deadlines`), the one writer of that flag, sets it and tells the owner.
    """
    plan = item.plan
    case = plan.case
    _require_edit(actor, case)
    _refuse_while_pending(plan)
    line = PlanLine(title=title, due_on=due_on, owner=owner, partner_agency=partner_agency)
    if errors := _line_errors(case, line):
        raise ValidationError(errors)
    before = {
        "title": item.title,
        "due_on": item.due_on,
        "owner": item.owner_id,
        "partner_agency": item.partner_agency,
    }
    # A template's line sent back unchanged (in the English id or as the editor reads it)
    # stays a template's line, translated for every reader; any other title is typed text.
    kept = item.title_from_template and title.strip() in {item.title, item.display_title}
    if not kept:
        item.title, item.title_from_template = title.strip(), False
    item.due_on = due_on
    item.owner, item.partner_agency = owner, partner_agency.strip()
    save_versioned(
        item,
        seen_version=seen_version,
        fields=["title", "title_from_template", "due_on", "owner", "partner_agency"],
    )
    after = {
        "title": item.title,
        "due_on": item.due_on,
        "owner": item.owner_id,
        "partner_agency": item.partner_agency,
    }
    changes = diff(before, after)
    changes["version"] = [seen_version, item.version]
    record(actor=actor, action=AuditAction.UPDATE, obj=item, case_id=case.pk, changes=changes)
    if len(changes) > 1:
        _lose_approval(actor, plan)
    # The hub has no task-edit service: the line's open task is rewritten here, versioned.
    for task in Task.objects.filter(source_id=item.pk, status=TaskStatus.OPEN):
        deadline = due_at(due_on)
        Task.objects.filter(pk=task.pk).update(
            title=item.title,
            title_params={} if item.title_from_template else None,
            due_at=deadline,
            owner=owner,
            partner_agency=item.partner_agency,
            overdue=False,
            version=task.version + 1,
        )
        record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=task,
            case_id=case.pk,
            changes={"due_at": [task.due_at, deadline], "title": [task.title, item.title]},
        )
    return item


@transaction.atomic
def action_plan_submit(*, actor: User, plan: ActionPlan) -> Approval:
    """Ask a supervisor to approve the plan; the child must have been heard (SG-04) and, for a
    return, every return safeguard must pass."""
    case = plan.case
    _require_edit(actor, case)
    if plan.superseded_at is not None:
        raise ValidationError(
            _("This plan was superseded by a review of the solution; make a new action plan.")
        )
    if plan.approved_at is not None:
        raise ValidationError(_("This plan is already approved."))
    if not plan.items.exists():
        raise ValidationError(_("Add at least one line before asking for approval."))
    if plan.solution == Solution.RETURN and (blockers := return_refusals(case)):
        raise SafeguardRefused(blockers)
    if case.child_views_recorded_at is None:
        raise ValidationError(_("Record the child's views before asking for approval."))
    return workflow.approval_request(
        actor=actor, case=case, subject=ApprovalSubject.ACTION_PLAN, object_id=plan.pk
    )


@workflow.approval_handler(ApprovalSubject.ACTION_PLAN)
def action_plan_decided(approval: Approval, decider: User) -> None:
    """An approved plan gets its approval date; a plan sent back keeps the comments.

    A return plan is approved only while every return safeguard still passes (SG-19, SG-20: a
    claim lodged or a reflection period opened since the request stops it): otherwise a
    `ValidationError` with every reason, so that `approval_decide` saves nothing.
    """
    plan = ActionPlan.objects.select_related("case").get(pk=approval.object_id)
    seen = plan.version
    if approval.status == ApprovalStatus.APPROVED:
        if plan.solution == Solution.RETURN and (blockers := return_check_refusals(plan.case)):
            raise ValidationError([r.message for r in blockers])
        plan.approved_at, plan.approved_by = approval.decided_at, decider
        plan.approval_lost_at = None
        save_versioned(
            plan, seen_version=seen, fields=["approved_at", "approved_by", "approval_lost_at"]
        )
        changes: dict[str, Any] = {"approved_at": [None, plan.approved_at]}
    else:
        plan.returned_comments = approval.comments
        save_versioned(plan, seen_version=seen, fields=["returned_comments"])
        changes = {"returned_comments": [None, approval.comments]}
    record(
        actor=decider,
        action=AuditAction.UPDATE,
        obj=plan,
        case_id=plan.case_id,
        changes={**changes, "version": [seen, plan.version]},
    )


# Transitions after which the decided solution is decided again (and may change).
REDECIDING = frozenset({"review_solution", "reopen"})


@receiver(workflow.case_transitioned, dispatch_uid="plans.plans_superseded_on_review")
def plans_superseded_on_review(
    sender: Any, case: Case, transition: str, actor: User, **kwargs: Any
) -> None:
    """A review of the solution or a reopening supersedes the case's approved action plans and
    its follow-up plans: they were made for the previous decision. Guards ignore them from then
    on, and the plans of the new decision are made and approved anew, even for the same
    solution. Visits already scheduled stay open: the child is followed during the review.
    """
    if transition not in REDECIDING:
        return
    now = timezone.now()
    plans = ActionPlan.objects.filter(
        case=case, approved_at__isnull=False, superseded_at__isnull=True
    )
    follow_ups = FollowUpPlan.objects.filter(case=case, superseded_at__isnull=True)
    superseded: list[ActionPlan | FollowUpPlan] = [*plans, *follow_ups]
    for record_ in superseded:
        seen = record_.version
        record_.superseded_at = now
        save_versioned(record_, seen_version=seen, fields=["superseded_at"])
        record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=record_,
            case_id=case.pk,
            changes={"superseded_at": [None, now], "version": [seen, record_.version]},
            transition=transition,
        )


# --- return preparation (SG-05) ------------------------------------------------------------

RETURN_FIELDS = (
    "risk_assessed_on",
    "risk_result",
    "risk_assessed_by",
    "risk_conditions",
    "carer_name",
    "carer_relationship",
    "carer_agreed_on",
    "reception_agency",
    "reception_confirmed_on",
    "reception_reference",
)


def _return_preparation_errors(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    for name in ("risk_assessed_on", "carer_agreed_on", "reception_confirmed_on"):
        if values.get(name) and values[name] > today:
            errors[name] = _("This date cannot be in the future.")
    if values.get("risk_result"):
        if not values.get("risk_assessed_on"):
            errors["risk_assessed_on"] = _("Give the date of the risk assessment.")
        if not values.get("risk_assessed_by"):
            errors["risk_assessed_by"] = _("Say who assessed the risk.")
    elif values.get("risk_assessed_on"):
        errors["risk_result"] = _("Give the result of the risk assessment.")
    if values.get("risk_result") == RiskResult.SAFE_WITH_CONDITIONS and not values.get(
        "risk_conditions"
    ):
        errors["risk_conditions"] = _("Say which conditions make the return safe.")
    if values.get("carer_agreed_on"):
        if not values.get("carer_name"):
            errors["carer_name"] = _("Name the carer who agreed.")
        if not values.get("carer_relationship"):
            errors["carer_relationship"] = _("Give the carer's relationship to the child.")
    if values.get("reception_confirmed_on"):
        if not values.get("reception_agency"):
            errors["reception_agency"] = _("Name the agency that confirmed the reception.")
        if not values.get("reception_reference"):
            errors["reception_reference"] = _("Give the receiving agency's reference.")
    return errors


@transaction.atomic
def return_preparation_save(
    *, actor: User, case: Case, seen_version: int | None = None, **values: Any
) -> ReturnPreparation:
    """Record or update what a return needs (SG-05): risk assessment, carer's written agreement,
    confirmed reception. A result needs its date and assessor, a written agreement the carer's
    name and relationship, a confirmation the agency and its reference. A stale edit is refused.
    """
    _require_edit(actor, case)
    unknown = set(values) - set(RETURN_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if errors := _return_preparation_errors(values):
        raise ValidationError(errors)
    prep = ReturnPreparation.objects.filter(case=case).first()
    if prep is None:
        prep = ReturnPreparation.objects.create(case=case, **values)
        record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=prep,
            case_id=case.pk,
            changes=_without_names(diff({}, values)),
        )
        case.return_preparation = prep  # the safeguards' cached read sees what was just saved
        return prep
    before = {name: getattr(prep, name) for name in values}
    for name, value in values.items():
        setattr(prep, name, value)
    seen = seen_version if seen_version is not None else 0
    save_versioned(prep, seen_version=seen, fields=list(values))
    changes = _without_names(diff(before, values))
    changes["version"] = [seen, prep.version]
    record(actor=actor, action=AuditAction.UPDATE, obj=prep, case_id=case.pk, changes=changes)
    case.return_preparation = prep
    return prep


@transaction.atomic
def return_reception_receive(
    *, case: Case, partner: str, reference: str, confirmed_on: date
) -> ReturnPreparation:
    """The receiving agency abroad confirmed, in reply to a return handover notice, that it
    will receive the child (SG-05): its name and case reference are recorded on the return
    preparation, as a caseworker would record a confirmation by letter."""
    values = {
        "reception_agency": partner[:200],
        "reception_reference": reference[:100],
        "reception_confirmed_on": min(confirmed_on, timezone.localdate()),
    }
    prep, created = ReturnPreparation.objects.get_or_create(case=case, defaults=values)
    before = {} if created else {name: getattr(prep, name) for name in values}
    if not created:
        for name, value in values.items():
            setattr(prep, name, value)
        save_versioned(prep, seen_version=prep.version, fields=list(values))
    record(
        actor=None,
        actor_label=f"partner:{partner[:60]}",
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=prep,
        case_id=case.pk,
        changes=diff(before, values),
    )
    return prep


# Names of private persons stay in the record, not in the append-only trail.
PRIVATE_NAMES = frozenset({"carer_name"})


def _without_names(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The audit changes with each private person's name masked: the trail says it changed."""
    return {
        name: ["***", "***"] if name in PRIVATE_NAMES else values
        for name, values in changes.items()
    }


# --- placement abroad and the receiving state's consent (SG-07) -----------------------------

PLACEMENT_FIELDS = (
    "receiving_country",
    "carer_kind",
    "consent_authority",
    "consent_given_on",
    "consent_reference",
)


def _placement_errors(case: Case, values: dict[str, Any]) -> dict[str, str]:
    from kinlink.directory.reference import is_country

    errors: dict[str, str] = {}
    country = values.get("receiving_country") or ""
    if not is_country(country):
        errors["receiving_country"] = _("Choose the receiving country.")
    elif country == case.agency.country:
        errors["receiving_country"] = _("A placement abroad is in another country than this one.")
    if values.get("carer_kind") not in CarerKind.values:
        errors["carer_kind"] = _("Say with whom the child is to live.")
    consent = [
        values.get(n) for n in ("consent_authority", "consent_given_on", "consent_reference")
    ]
    if any(consent) and not all(consent):
        for name in ("consent_authority", "consent_given_on", "consent_reference"):
            if not values.get(name):
                errors[name] = _(
                    "A consent is recorded whole: the authority, the date and the reference of "
                    "its document."
                )
    given = values.get("consent_given_on")
    if given and given > timezone.localdate():
        errors["consent_given_on"] = _("The consent cannot be dated in the future.")
    return errors


@transaction.atomic
def placement_abroad_save(
    *, actor: User, case: Case, seen_version: int | None = None, **values: Any
) -> PlacementAbroad:
    """Record where the child is to be placed abroad, with whom, and the receiving state's
    consent when it has come (SG-07): the authority, the date and the document's reference,
    all three or none. A stale edit is refused."""
    _require_edit(actor, case)
    unknown = set(values) - set(PLACEMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if errors := _placement_errors(case, values):
        raise ValidationError(errors)
    placement = PlacementAbroad.objects.filter(case=case).first()
    if placement is None:
        placement = PlacementAbroad.objects.create(case=case, recorded_by=actor, **values)
        record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=placement,
            case_id=case.pk,
            changes=diff({}, values),
        )
    else:
        before = {name: getattr(placement, name) for name in values}
        for name, value in values.items():
            setattr(placement, name, value)
        placement.recorded_by = actor
        seen = seen_version if seen_version is not None else 0
        save_versioned(placement, seen_version=seen, fields=[*values, "recorded_by"])
        changes = diff(before, values)
        changes["version"] = [seen, placement.version]
        record(
            actor=actor, action=AuditAction.UPDATE, obj=placement, case_id=case.pk, changes=changes
        )
    case.placement_abroad = placement  # the guard's cached read sees what was just saved
    return placement


@transaction.atomic
def placement_consent_receive(
    *, case: Case, partner: str, authority: str, given_on: date, reference: str
) -> PlacementAbroad | None:
    """The receiving state's consent to a placement abroad, sent by its authority's node in
    reply to an Art. 33 consultation (SG-07): recorded on the case's placement abroad as a
    caseworker records a consent received by letter. Without a placement abroad recorded on
    the case nothing is written and None is answered (the reply stays in the request)."""
    placement = PlacementAbroad.objects.filter(case=case).first()
    if placement is None:
        return None
    values = {
        "consent_authority": authority.strip()[:300],
        "consent_given_on": min(given_on, timezone.localdate()),
        "consent_reference": reference.strip()[:200],
    }
    before = {name: getattr(placement, name) for name in values}
    for name, value in values.items():
        setattr(placement, name, value)
    placement.recorded_by = None
    save_versioned(placement, seen_version=placement.version, fields=[*values, "recorded_by"])
    changes = diff(before, values)
    changes["version"] = [placement.version - 1, placement.version]
    record(
        actor=None,
        actor_label=f"partner:{partner[:60]}",
        action=AuditAction.UPDATE,
        obj=placement,
        case_id=case.pk,
        changes=changes,
    )
    case.placement_abroad = placement
    return placement


# --- follow-up (step 8) ----------------------------------------------------------------------


@transaction.atomic
def follow_up_plan_create(
    *,
    actor: User,
    case: Case,
    template: str,
    start_on: date,
    owner: User | None = None,
    partner_agency: str = "",
    interval_days: int | None = None,
    months: int | None = None,
) -> FollowUpPlan:
    """Schedule the follow-up visits of a template, each with its task for whoever visits.

    Kinship placement abroad: every 15 days, 24 visits; after reunification: months 1, 2, 3, 6,
    9 and 12; custom: every N days (1–366) for M months (1–36). One responsible: a person here
    or a partner agency abroad. Follows a decided solution.

    One at a time: refused while a current (not superseded) follow-up plan has a visit not
    done. Requests are serialised on the case's row; the rule spans visits, so no database
    constraint states it.
    """
    _require_edit(actor, case)
    if not case.decided_solution:
        raise ValidationError(_("Decide the sustainable solution before planning its follow-up."))
    Case.objects.select_for_update().filter(pk=case.pk).first()
    if FollowUpVisit.objects.filter(
        case=case, plan__superseded_at__isnull=True, done_on__isnull=True
    ).exists():
        raise ValidationError(
            _(
                "This case already has a follow-up plan with visits still to be done: report "
                "them before planning a new follow-up."
            )
        )
    partner_agency = partner_agency.strip()
    errors = _check_doer(case, owner, partner_agency)
    if template not in FollowUpTemplate.values:
        errors["template"] = _("Choose a schedule.")
    if template == FollowUpTemplate.CUSTOM:
        if not interval_days or not 1 <= interval_days <= MAX_CUSTOM_INTERVAL_DAYS:
            errors["interval_days"] = _("Give an interval between 1 and 366 days.")
        if not months or not 1 <= months <= MAX_CUSTOM_MONTHS:
            errors["months"] = _("Give a duration between 1 and 36 months.")
    else:
        interval_days = months = None
    if errors:
        raise ValidationError(errors)
    dates = visit_dates(template, start_on, interval_days, months)
    if not dates:
        raise ValidationError({"months": _("This schedule has no visit; lengthen it.")})
    plan = FollowUpPlan.objects.create(
        case=case,
        template=template,
        start_on=start_on,
        interval_days=interval_days,
        months=months,
        owner=owner,
        partner_agency=partner_agency,
        created_by=actor,
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=plan,
        case_id=case.pk,
        changes={"template": [None, template], "start_on": [None, start_on]},
        visits=len(dates),
    )
    visits = FollowUpVisit.objects.bulk_create(
        FollowUpVisit(plan=plan, case=case, number=n, due_on=day)
        for n, day in enumerate(dates, start=1)
    )
    for visit in visits:
        workflow.task_open(
            case=case,
            kind=TaskKind.FOLLOW_UP,
            title=gettext_lazy("Follow-up visit %(n)s of %(total)s"),
            title_params={"n": visit.number, "total": len(dates)},
            due_at=due_at(visit.due_on),
            owner=owner,
            partner_agency=partner_agency,
            source_id=visit.pk,
            actor=actor,
        )
    return plan


@transaction.atomic
def visit_report_record(
    *,
    actor: User,
    visit: FollowUpVisit,
    seen_version: int,
    visited_on: date,
    child_seen: bool,
    reason_not_seen: str = "",
    well_being: str = "",
    safety: str = "",
    school: str = "",
    concerns: str = "",
    actions_taken: str = "",
    further_visits_needed: bool = True,
    written_by_agency: str = "",
) -> VisitReport:
    """Write what a visit found, once; a child not seen needs the reason. The visit is done and
    its task closed. Written by the actor, or by the partner agency abroad when named."""
    _require_edit(actor, visit.case)
    return _visit_report_write(
        actor=actor,
        visit=visit,
        seen_version=seen_version,
        visited_on=visited_on,
        child_seen=child_seen,
        reason_not_seen=reason_not_seen,
        well_being=well_being,
        safety=safety,
        school=school,
        concerns=concerns,
        actions_taken=actions_taken,
        further_visits_needed=further_visits_needed,
        written_by_agency=written_by_agency,
    )


@transaction.atomic
def visit_report_receive(*, case: Case, partner: str, **values: Any) -> VisitReport | None:
    """A follow-up report sent by the partner agency abroad: it is the report of the case's
    next visit not yet done, written by `partner`. With no visit left to report (no follow-up
    plan, or every visit done) nothing is recorded here and None is answered: the report stays
    in the request's thread."""
    visit = (
        FollowUpVisit.objects.filter(
            case=case, plan__superseded_at__isnull=True, done_on__isnull=True
        )
        .order_by("due_on", "number")
        .first()
    )
    if visit is None:
        return None
    return _visit_report_write(
        actor=None,
        visit=visit,
        seen_version=visit.version,
        written_by_agency=partner,
        **values,
    )


def _visit_report_write(
    *,
    actor: User | None,
    visit: FollowUpVisit,
    seen_version: int,
    visited_on: date,
    child_seen: bool,
    reason_not_seen: str = "",
    well_being: str = "",
    safety: str = "",
    school: str = "",
    concerns: str = "",
    actions_taken: str = "",
    further_visits_needed: bool = True,
    written_by_agency: str = "",
) -> VisitReport:
    case = visit.case
    if VisitReport.objects.filter(visit=visit).exists():
        raise ValidationError(_("This visit already has a report."))
    errors: dict[str, str] = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("This date cannot be in the future.")
    if not child_seen and not reason_not_seen:
        errors["reason_not_seen"] = _("Say why the child was not seen.")
    if errors:
        raise ValidationError(errors)
    agency = written_by_agency.strip()
    report = VisitReport.objects.create(
        visit=visit,
        visited_on=visited_on,
        child_seen=child_seen,
        reason_not_seen="" if child_seen else reason_not_seen,
        well_being=well_being.strip(),
        safety=safety.strip(),
        school=school.strip(),
        concerns=concerns.strip(),
        actions_taken=actions_taken.strip(),
        further_visits_needed=further_visits_needed,
        written_by=None if agency else actor,
        written_by_agency=agency,
    )
    visit.done_on = visited_on
    save_versioned(visit, seen_version=seen_version, fields=["done_on"])
    record(
        actor=actor,
        actor_label="" if actor else f"partner:{agency[:60]}",
        action=AuditAction.CREATE,
        obj=report,
        case_id=case.pk,
        changes={"visited_on": [None, visited_on], "child_seen": [None, child_seen]},
        visit=visit.pk,
    )
    workflow.tasks_close_for(source_id=visit.pk, actor=actor)
    return report


# --- closure (SG-16, SG-02, SG-14) -----------------------------------------------------------

CLOSURE_FIELDS = (
    "reason",
    "reason_other",
    "goals_met_or_explained",
    "goals_note",
    "child_safe",
    "carer_name",
    "carer_relationship",
    "carer_address",
    "follow_up_completed",
    "child_informed",
    "receiving_case_reference",
    "no_receiving_case_reason",
)
# Who can no longer be seen, asked or cared for: the checklist about the child does not apply.
CHILD_ABSENT = frozenset({ClosureReason.DEATH, ClosureReason.NOT_SEEN})


def closure_problems(case: Case, values: dict[str, Any]) -> dict[str, str]:
    """What is missing from a closure (field → message); empty when it may be requested.

    The checklist (SG-16): goals met or explained and follow-up completed, always; child safe,
    carer at closure (name, relationship, address) and child informed, unless the child died or
    was not seen. "Repatriated" needs the receiving side's case reference or a reason; "other"
    its text. "Turned 18" is refused while the age is disputed or assessed (SG-02) and until
    the transition-to-adulthood task is done (SG-14).
    """
    problems: dict[str, str] = {}
    reason = values.get("reason", "")
    if reason not in ClosureReason.values:
        return {"reason": _("Choose the reason for closing.")}
    if reason == ClosureReason.OTHER and not values.get("reason_other"):
        problems["reason_other"] = _("Describe the reason.")
    if reason == ClosureReason.REPATRIATED and not (
        values.get("receiving_case_reference") or values.get("no_receiving_case_reason")
    ):
        problems["receiving_case_reference"] = _(
            "Give the case reference on the receiving side, or record why there is none."
        )
    if not values.get("goals_met_or_explained"):
        problems["goals_met_or_explained"] = _(
            "Confirm the plan's goals are met, or explain why not."
        )
    if not values.get("follow_up_completed"):
        problems["follow_up_completed"] = _("Confirm the follow-up is completed.")
    if reason not in CHILD_ABSENT:
        if not values.get("child_safe"):
            problems["child_safe"] = _("Confirm the child is safe.")
        if not values.get("child_informed"):
            problems["child_informed"] = _("Confirm the child was informed of the closure.")
        for name, message in (
            ("carer_name", _("Name the carer at closure.")),
            ("carer_relationship", _("Give the carer's relationship to the child.")),
            ("carer_address", _("Give the carer's address.")),
        ):
            if not values.get(name):
                problems[name] = message
    if reason == ClosureReason.TURNED_18:
        if case.age_disputed or case.age_assessment_status in AGE_UNSETTLED:
            problems["reason"] = _(
                "The child's age is disputed or still being assessed: the case cannot be "
                "closed as an adult's (presumption of minority)."
            )
        elif not Task.objects.filter(
            case=case, kind=TaskKind.TRANSITION_PLAN, status=TaskStatus.DONE
        ).exists():
            problems["reason"] = _(
                "The transition to adulthood is not prepared: complete the transition-plan task "
                "first."
            )
    return problems


@transaction.atomic
def closure_request(*, actor: User, case: Case, seen_version: int, **values: Any) -> Closure:
    """Ask to close the case with a complete closure record (`closure_problems`).

    The case moves to "closure requested" and a supervisor is asked to approve; a refused move
    (`TransitionRefused`) or a stale case (`StaleEdit`) leaves nothing saved.
    """
    _require_edit(actor, case)
    unknown = set(values) - set(CLOSURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if problems := closure_problems(case, values):
        raise ValidationError(problems)
    if Closure.objects.filter(case=case, status=ClosureStatus.REQUESTED).exists():
        raise ValidationError(_("A closure request is already waiting for approval."))
    closure = Closure.objects.create(case=case, requested_by=actor, **values)
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=closure,
        case_id=case.pk,
        changes={"reason": [None, closure.reason], "status": [None, closure.status]},
    )
    workflow.case_transition(
        actor=actor, case=case, name="request_closure", seen_version=seen_version
    )
    workflow.approval_request(
        actor=actor, case=case, subject=ApprovalSubject.CLOSURE, object_id=closure.pk
    )
    return closure


@workflow.approval_handler(ApprovalSubject.CLOSURE)
def closure_decided(approval: Approval, decider: User) -> None:
    """Approved: the case closes. Sent back: it returns to its previous step with the comments."""
    closure = Closure.objects.get(pk=approval.object_id)
    case = Case.objects.get(pk=approval.case_id)
    approved = approval.status == ApprovalStatus.APPROVED
    if approved:
        # The closure is checked again (guards.closure_still_complete): a refusal undoes the
        # whole decision, with its reasons.
        try:
            workflow.case_transition(
                actor=decider, case=case, name="approve_closure", seen_version=case.version
            )
        except TransitionRefused as refused:
            raise ValidationError([r.message for r in refused.refusals]) from refused
    else:
        workflow.case_transition(
            actor=decider,
            case=case,
            name="return_closure",
            seen_version=case.version,
            reason=approval.comments,
        )
    seen = closure.version
    closure.status = ClosureStatus.APPROVED if approved else ClosureStatus.RETURNED
    closure.decided_by, closure.decided_at = decider, approval.decided_at
    closure.decision_comments = approval.comments
    save_versioned(
        closure,
        seen_version=seen,
        fields=["status", "decided_by", "decided_at", "decision_comments"],
    )
    record(
        actor=decider,
        action=AuditAction.UPDATE,
        obj=closure,
        case_id=case.pk,
        changes={"status": [ClosureStatus.REQUESTED, closure.status], "version": [seen, seen + 1]},
    )


# --- siblings (SG-13) ------------------------------------------------------------------------

SIBLINGS = (Relationship.BROTHER, Relationship.SISTER)
MIN_SEPARATION_REASON = 20


def siblings_with_child(case: Case) -> QuerySet[CasePerson]:
    """The brothers and sisters recorded as living with the child."""
    return CasePerson.objects.filter(
        case=case, relationship__in=SIBLINGS, lives_with_child=True
    ).select_related("person")


def sibling_decisions(case: Case) -> dict[Any, SiblingDecision]:
    """For the decided solution, the latest decision on each sibling."""
    latest: dict[Any, SiblingDecision] = {}
    rows = SiblingDecision.objects.filter(case=case, solution=case.decided_solution).order_by(
        "sibling_id", "-created_at"
    )
    for decision in rows:
        latest.setdefault(decision.sibling_id, decision)
    return latest


def siblings_unsettled(case: Case) -> list[CasePerson]:
    """SG-13: siblings living with the child for whom a solution that moves the child has no
    decision to keep them together and no approved separation."""
    if case.decided_solution not in MOVING_SOLUTIONS:
        return []
    decisions = sibling_decisions(case)
    return [
        sibling
        for sibling in siblings_with_child(case)
        if not (decisions.get(sibling.pk) and decisions[sibling.pk].settled)
    ]


@transaction.atomic
def sibling_decision_record(
    *, actor: User, case: Case, sibling: CasePerson, together: bool, reasons: str = ""
) -> SiblingDecision:
    """Say whether the decided solution keeps a brother or sister living with the child with
    her (SG-13). Kept together, it is settled; separated, it needs reasons and is sent to a
    supervisor, whose approval settles it."""
    _require_edit(actor, case)
    if case.decided_solution not in MOVING_SOLUTIONS:
        raise ValidationError(
            _("The decided solution does not move the child away: there is nothing to decide.")
        )
    if sibling.case_id != case.pk or sibling.relationship not in SIBLINGS:
        raise ValidationError({"sibling": _("Choose a brother or sister of this child.")})
    reasons = reasons.strip()
    if not together and len(reasons) < MIN_SEPARATION_REASON:
        raise ValidationError(
            {
                "reasons": _(
                    "Give the reasons for separating the siblings (at least %(n)s characters)."
                )
                % {"n": MIN_SEPARATION_REASON}
            }
        )
    decision = SiblingDecision(
        case=case,
        sibling=sibling,
        solution=case.decided_solution,
        together=together,
        reasons="" if together else reasons,
        requested_by=actor,
    )
    decision.full_clean(exclude=["case", "sibling", "requested_by"])
    decision.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=decision,
        case_id=case.pk,
        changes={"solution": [None, decision.solution], "together": [None, together]},
    )
    if not together:
        workflow.approval_request(
            actor=actor,
            case=case,
            subject=ApprovalSubject.SIBLING_SEPARATION,
            object_id=decision.pk,
        )
    return decision


@workflow.approval_handler(ApprovalSubject.SIBLING_SEPARATION)
def sibling_separation_decided(approval: Approval, decider: User) -> None:
    """Approved: the separation is settled for this solution. Sent back: it stays unsettled
    and the move waits for a new decision."""
    decision = SiblingDecision.objects.select_for_update().filter(pk=approval.object_id).first()
    if decision is None or approval.status != ApprovalStatus.APPROVED:
        return
    seen = decision.version
    decision.approved_at, decision.approved_by = approval.decided_at, decider
    save_versioned(decision, seen_version=seen, fields=["approved_at", "approved_by"])
    record(
        actor=decider,
        action=AuditAction.UPDATE,
        obj=decision,
        case_id=decision.case_id,
        changes={"approved_at": [None, decision.approved_at], "version": [seen, seen + 1]},
    )
