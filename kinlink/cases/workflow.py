"""Services of the case lifecycle: transitions, tasks and approvals.

Like every service, each checks the policy, changes state and records the audit event in one
transaction. Satellite apps react through the signals below and decide approvals of their
records through handlers registered with `approval_handler`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kinlink.accounts.models import NotificationKind, Role, User
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.lifecycle import (
    ON_CLOSED_CASE,
    TRANSITIONS,
    Hold,
    Refusal,
    TransitionRefused,
    refusals,
)
from kinlink.cases.models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    AssignmentRole,
    Case,
    Stage,
    Task,
    TaskStatus,
)
from kinlink.cases.policies import can_edit_case, visible_cases
from kinlink.core.concurrency import StaleEdit, save_versioned
from kinlink.core.translation import message_id, stored_params

# Sent inside the transaction, after the change: receivers may add records (tasks, requests).
case_transitioned = Signal()  # case, transition, actor
case_registered = Signal()  # case, actor

MIN_REASON = 10


def supervisors_of(case: Case) -> list[User]:
    return list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True, teams=case.team_id).distinct()
    )


def guardians_of(case: Case) -> list[User]:
    """The guardians assigned to the case who have an account."""
    return list(
        User.objects.filter(
            is_active=True,
            case_assignments__case=case,
            case_assignments__role=AssignmentRole.GUARDIAN,
        ).distinct()
    )


@transaction.atomic
def case_transition(
    *, actor: User, case: Case, name: str, seen_version: int, reason: str = ""
) -> Case:
    """Take a named transition if the actor may and every guard passes.

    Refused moves raise `TransitionRefused` with each reason and where to supply what is
    missing; nothing is changed.
    """
    transition = TRANSITIONS[name]
    # Reopening is the one move on a closed case, which is otherwise read-only.
    may_act = (
        visible_cases(actor).filter(pk=case.pk).exists()
        if name in ON_CLOSED_CASE
        else can_edit_case(actor, case)
    )
    if not may_act or actor.role not in transition.roles:
        raise PermissionDenied
    # Lock the case and read it afresh: a fact written meanwhile by another service (a claim
    # lodged, a reflection period opened) is seen by the guards, and waits for this decision.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    case.refresh_from_db()
    if case.version != seen_version:
        raise StaleEdit(case, seen_version)
    blockers = refusals(case, transition)
    if name == "resume" and case.hold == Hold.TRANSFERRED_OUT and actor.role != Role.SUPERVISOR:
        blockers.append(Refusal(_("Only a supervisor takes back a case transferred out.")))
    reason = reason.strip()
    if transition.needs_reason and len(reason) < MIN_REASON:
        blockers.append(
            Refusal(
                _("Give the reason for this move (at least %(n)s characters).") % {"n": MIN_REASON}
            )
        )
    if blockers:
        raise TransitionRefused(blockers)

    before = {"stage": case.stage, "hold": case.hold}
    fields = ["stage", "previous_stage", "hold", "hold_reason"]
    if transition.hold:
        case.hold, case.hold_reason = transition.hold, reason
    elif transition.from_hold:
        case.hold, case.hold_reason = "", ""
    else:
        target = transition.target or case.previous_stage
        case.previous_stage, case.stage = case.stage, target
    if name == "reopen":
        if case.anonymised_at is not None:
            raise TransitionRefused([Refusal(_("An anonymised case cannot be reopened."))])
        case.reopened_count += 1
        case.reopened_at = timezone.now()
        case.closed_at = None
        fields += ["reopened_count", "reopened_at", "closed_at"]
    if case.stage == Stage.CLOSED and case.closed_at is None:
        # The retention period runs from here (cases.retention).
        case.closed_at = timezone.now()
        fields.append("closed_at")
    save_versioned(case, seen_version=seen_version, fields=fields)
    changes = {
        key: [value, getattr(case, key)]
        for key, value in before.items()
        if value != getattr(case, key)
    }
    changes["version"] = [seen_version, case.version]
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=case,
        case_id=case.pk,
        changes=changes,
        transition=name,
        reason=reason,
    )
    case_transitioned.send(sender=Case, case=case, transition=name, actor=actor)
    return case


# --- tasks -----------------------------------------------------------------------------


def task_open(
    *,
    case: Case,
    kind: str,
    title: str | Promise,
    due_at: datetime,
    owner: User | None = None,
    partner_agency: str = "",
    source_id: UUID | None = None,
    actor: User | None = None,
    title_params: Mapping[str, Any] | None = None,
) -> Task:
    """Open a task; called by services (and the scheduler) inside their own transaction.

    A title the system writes is a lazy translation (with `title_params`), stored as its
    English message id and translated for each reader (`Task.display_title`); a plain string
    with `title_params` is such a message id already; a plain string alone is a person's text,
    kept as typed. Whether it is overdue is the deadline job's to say (it also tells the
    owner), even for a task opened with a date already past.
    """
    written = isinstance(title, Promise) or title_params is not None
    task = Task.objects.create(
        case=case,
        kind=kind,
        title=message_id(title),
        title_params=stored_params(title_params) if written else None,
        due_at=due_at,
        owner=owner,
        partner_agency=partner_agency,
        source_id=source_id,
    )
    record(
        actor=actor,
        actor_label="" if actor else "system",
        action=AuditAction.CREATE,
        obj=task,
        case_id=case.pk,
        changes={"kind": [None, kind], "title": [None, task.title], "due_at": [None, due_at]},
    )
    return task


# Kinds of task done by recording what they ask for, with a form another app registers
# (`register_task_form`), never by a plain "Done": kind → URL name, taking the case's id.
_TASK_FORMS: dict[str, str] = {}


def register_task_form(kind: str, url_name: str) -> None:
    _TASK_FORMS[kind] = url_name


def task_form_url(task: Task) -> str:
    """Where a task done through a form is completed ("" for a task with a plain Done)."""
    url_name = _TASK_FORMS.get(task.kind)
    return reverse(url_name, args=[task.case_id]) if url_name else ""


@transaction.atomic
def task_complete(*, actor: User, task: Task, seen_version: int) -> Task:
    """Mark a task done. Two people completing it at once: one wins, the other is told. A task
    done through a form (the transition plan) is refused here: its form completes it."""
    if not can_edit_case(actor, task.case):
        raise PermissionDenied
    if task.kind in _TASK_FORMS:
        raise ValidationError(
            _("This task is completed by recording what it asks for, in its form.")
        )
    if task.status != TaskStatus.OPEN:
        raise ValidationError(_("This task is already closed."))
    task.status, task.completed_at, task.completed_by = TaskStatus.DONE, timezone.now(), actor
    task.overdue = False
    save_versioned(
        task,
        seen_version=seen_version,
        fields=["status", "completed_at", "completed_by", "overdue"],
    )
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        case_id=task.case_id,
        changes={"status": [TaskStatus.OPEN, TaskStatus.DONE]},
    )
    return task


def task_overdue_set(*, task: Task, overdue: bool) -> bool:
    """The deadline job's one write on a task: its overdue flag, true to the clock.

    A conditional update, so that of two runs at once only one flips the flag, audits it
    (actor "system") and, when the task falls overdue, tells its owner once. Answers whether
    this call flipped it.
    """
    with transaction.atomic():
        flipped = Task.objects.filter(
            pk=task.pk, status=TaskStatus.OPEN, overdue=not overdue
        ).update(overdue=overdue)
        if not flipped:
            return False
        task.overdue = overdue
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.UPDATE,
            obj=task,
            case_id=task.case_id,
            changes={"overdue": [not overdue, overdue]},
        )
        if overdue and task.owner_id is not None:
            notification_send(
                recipients=[task.owner] if task.owner else [],
                kind=NotificationKind.TASK_OVERDUE,
                link=reverse("cases:detail", args=[task.case_id]),
                reference=task.case.reference,
                task=task.display_title,
            )
    return True


def tasks_close_for(
    *,
    source_id: UUID | None = None,
    actor: User | None,
    status: str = TaskStatus.DONE,
    case: Case | None = None,
    kind: str = "",
) -> int:
    """Close the open tasks a record opened (`source_id`), or the open tasks of one kind on a
    case (`case`, `kind`): done once the record is done, or cancelled when the record replaced
    them (a new deadline, a withdrawn request)."""
    if source_id is not None:
        tasks = Task.objects.filter(source_id=source_id, status=TaskStatus.OPEN)
    elif case is not None and kind:
        tasks = Task.objects.filter(case=case, kind=kind, status=TaskStatus.OPEN)
    else:
        raise ValueError("name the record (source_id) or the case and kind")
    closed = 0
    for task in tasks:
        Task.objects.filter(pk=task.pk).update(
            status=status,
            completed_at=timezone.now(),
            completed_by=actor,
            overdue=False,
            version=task.version + 1,
        )
        record(
            actor=actor,
            actor_label="" if actor else "system",
            action=AuditAction.UPDATE,
            obj=task,
            case_id=task.case_id,
            changes={"status": [TaskStatus.OPEN, status]},
        )
        closed += 1
    return closed


# --- approvals -------------------------------------------------------------------------

ApprovalHandler = Callable[[Approval, User], None]
_HANDLERS: dict[str, ApprovalHandler] = {}


def approval_handler(subject: str) -> Callable[[ApprovalHandler], ApprovalHandler]:
    """Register what approving a record of `subject` changes in it."""

    def register(handler: ApprovalHandler) -> ApprovalHandler:
        _HANDLERS[subject] = handler
        return handler

    return register


def approval_request(*, actor: User, case: Case, subject: str, object_id: UUID) -> Approval:
    """Ask the case's supervisors to approve a record; runs in the caller's transaction."""
    if not can_edit_case(actor, case):
        raise PermissionDenied
    if Approval.objects.filter(
        subject=subject, object_id=object_id, status=ApprovalStatus.PENDING
    ).exists():
        raise ValidationError(_("This is already waiting for approval."))
    approval = Approval.objects.create(
        case=case, subject=subject, object_id=object_id, requested_by=actor
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=approval,
        case_id=case.pk,
        changes={"subject": [None, subject], "status": [None, ApprovalStatus.PENDING]},
    )
    notification_send(
        recipients=[u for u in supervisors_of(case) if u.pk != actor.pk],
        kind=NotificationKind.APPROVAL_REQUESTED,
        link=reverse("cases:my_day"),
        reference=case.reference,
        subject=ApprovalSubject(subject).label,
    )
    return approval


def can_decide(actor: User, approval: Approval) -> bool:
    """A supervisor of the case's team, who did not ask for it."""
    return (
        actor.is_active
        and actor.role == Role.SUPERVISOR
        and approval.requested_by_id != actor.pk
        and actor.teams.filter(pk=approval.case.team_id).exists()
    )


@transaction.atomic
def approval_decide(
    *, actor: User, approval: Approval, approve: bool, comments: str = ""
) -> Approval:
    """Approve, or send back with comments. The first decision wins; a second is refused."""
    if not can_decide(actor, approval):
        raise PermissionDenied
    comments = comments.strip()
    if not approve and len(comments) < MIN_REASON:
        raise ValidationError({"comments": _("Say what needs to change before approval.")})
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED
    won = Approval.objects.filter(
        pk=approval.pk, status=ApprovalStatus.PENDING, version=approval.version
    ).update(
        status=status,
        decided_by=actor,
        decided_at=timezone.now(),
        comments=comments,
        version=approval.version + 1,
    )
    if won != 1:
        raise ValidationError(_("Someone decided on this approval meanwhile."))
    approval.refresh_from_db()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=approval,
        case_id=approval.case_id,
        changes={"status": [ApprovalStatus.PENDING, status]},
        comments=comments,
    )
    handler = _HANDLERS.get(approval.subject)
    if handler is not None:
        handler(approval, actor)
    notification_send(
        recipients=[approval.requested_by],
        kind=NotificationKind.APPROVAL_DECIDED,
        # Sent back: My day shows the comments (a notification never carries free text).
        link=reverse("cases:detail", args=[approval.case_id])
        if approve
        else reverse("cases:my_day") + "#sent-back",
        reference=approval.case.reference,
        subject=ApprovalSubject(approval.subject).label,
        decision=ApprovalStatus(status).label,
    )
    return approval


def sent_back(subject: str, object_ids: list[UUID]) -> dict[UUID, Approval]:
    """The records whose latest approval request was sent back, with that decision (who, when,
    the comments), for showing beside each record; one query."""
    latest: dict[UUID, Approval] = {}
    rows = (
        Approval.objects.filter(subject=subject, object_id__in=object_ids)
        .select_related("decided_by")
        .order_by("object_id", "-created_at")
    )
    for approval in rows:
        latest.setdefault(approval.object_id, approval)
    return {pk: a for pk, a in latest.items() if a.status == ApprovalStatus.RETURNED}


def sent_back_one(subject: str, object_id: UUID) -> Approval | None:
    return sent_back(subject, [object_id]).get(object_id)


def pending_approval_of_case(case: Case, subject: str) -> Approval | None:
    """The request of this kind waiting for a decision on the case, whatever its record."""
    return Approval.objects.filter(
        case=case, subject=subject, status=ApprovalStatus.PENDING
    ).first()


def pending_approval(subject: str, object_id: UUID) -> Approval | None:
    return Approval.objects.filter(
        subject=subject, object_id=object_id, status=ApprovalStatus.PENDING
    ).first()


def is_approved(subject: str, object_id: UUID) -> bool:
    return Approval.objects.filter(
        subject=subject, object_id=object_id, status=ApprovalStatus.APPROVED
    ).exists()


def explain(error: TransitionRefused) -> list[dict[str, Any]]:
    return [{"message": r.message, "where": r.where} for r in error.refusals]
