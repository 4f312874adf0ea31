"""Scheduled background jobs on cases, run by `kinlink worker` (Django's tasks API).

`refresh_deadlines` keeps every task's overdue flag true to the clock, tells the owner once
when her task falls overdue, tells supervisors once when a task of a high-risk case, a guardian
appointment or a legal deadline falls overdue (SG-03, SG-17), tells the lead once when a first
response is overdue and the supervisors too for a high-risk case (SG-17), and opens the
transition-to-adulthood task the configured months before an 18th birthday (SG-14).
`apply_retention` applies the node's retention rule to closed cases (`cases.retention`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy
from django_tasks import task

from kinlink.accounts.models import NotificationKind
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.lifecycle import OPEN_STAGES
from kinlink.cases.models import Case, RiskLevel, Task, TaskKind, TaskStatus
from kinlink.cases.retention import retention_run
from kinlink.cases.workflow import supervisors_of, task_open, task_overdue_set
from kinlink.core.models import NodeSettings

logger = logging.getLogger(__name__)
ESCALATED_KINDS = frozenset({TaskKind.GUARDIAN, TaskKind.LEGAL_DEADLINE})


def years_later(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def eighteenth_birthday(case: Case) -> date | None:
    """From the date of birth, or from the estimated age at referral (lowest age counts)."""
    if case.date_of_birth:
        return years_later(case.date_of_birth, 18)
    if case.age_estimate is not None:
        return years_later(case.referral_date, 18 - case.age_estimate)
    return None


def _escalate(task_row: Task) -> bool:
    """Tell the case's supervisors once; a second worker finds it already done."""
    case = task_row.case
    with transaction.atomic():
        if not Task.objects.filter(pk=task_row.pk, escalated_at__isnull=True).update(
            escalated_at=timezone.now()
        ):
            return False
        notification_send(
            recipients=supervisors_of(case),
            kind=NotificationKind.TASK_OVERDUE,
            link=reverse("cases:detail", args=[case.pk]),
            reference=case.reference,
            task=task_row.display_title,
        )
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.UPDATE,
            obj=task_row,
            case_id=case.pk,
            changes={"escalated": [False, True]},
        )
    return True


def _first_responses_overdue(now: datetime) -> tuple[int, int]:
    """First responses overdue in open cases: the lead is told once (any risk); for a high-risk
    case the supervisors are told too, once (SG-17). Each step is a conditional update, audited
    as "system", so that two runs at once tell nobody twice."""
    late = Case.objects.filter(
        stage__in=OPEN_STAGES, first_response_at__isnull=True, first_response_due_at__lt=now
    ).select_related("lead_caseworker")
    flagged = escalated = 0
    for case in late.filter(first_response_overdue_since__isnull=True):
        with transaction.atomic():
            if not Case.objects.filter(
                pk=case.pk, first_response_overdue_since__isnull=True
            ).update(first_response_overdue_since=now):
                continue
            record(
                actor=None,
                actor_label="system",
                action=AuditAction.UPDATE,
                obj=case,
                case_id=case.pk,
                changes={"first_response_overdue_since": [None, now]},
            )
            notification_send(
                recipients=[case.lead_caseworker],
                kind=NotificationKind.FIRST_RESPONSE_OVERDUE,
                link=reverse("cases:detail", args=[case.pk]),
                reference=case.reference,
            )
        flagged += 1
    high = late.filter(risk_level=RiskLevel.HIGH, first_response_escalated_at__isnull=True)
    for case in high:
        with transaction.atomic():
            unescalated = Case.objects.filter(pk=case.pk, first_response_escalated_at__isnull=True)
            if not unescalated.update(first_response_escalated_at=now):
                continue
            record(
                actor=None,
                actor_label="system",
                action=AuditAction.UPDATE,
                obj=case,
                case_id=case.pk,
                changes={"first_response_escalated_at": [None, now]},
            )
            notification_send(
                recipients=supervisors_of(case),
                kind=NotificationKind.FIRST_RESPONSE_OVERDUE,
                link=reverse("cases:detail", args=[case.pk]),
                reference=case.reference,
            )
        escalated += 1
    return flagged, escalated


def _open_transition_plans(today: date) -> int:
    months = NodeSettings.current().ageing_out_months
    horizon = today + timedelta(days=months * 31)
    opened = 0
    candidates = Case.objects.filter(
        stage__in=OPEN_STAGES, ageing_out_since__isnull=True
    ).select_related("team", "lead_caseworker")
    for case in candidates.iterator():
        birthday = eighteenth_birthday(case)
        if birthday is None or birthday > horizon:
            continue
        try:
            with transaction.atomic():
                if not Case.objects.filter(pk=case.pk, ageing_out_since__isnull=True).update(
                    ageing_out_since=today
                ):
                    continue
                _open_transition_plan(case, birthday, today)
        except Exception:
            # One case's failure must not stop the others; the next run retries it.
            logger.exception("transition plan not opened for case %s", case.pk)
            continue
        opened += 1
    return opened


def _open_transition_plan(case: Case, birthday: date, today: date) -> None:
    """The transition-to-adulthood task, due a month before the 18th birthday (SG-14)."""
    task_open(
        case=case,
        kind=TaskKind.TRANSITION_PLAN,
        owner=case.lead_caseworker,
        title=gettext_lazy(
            "Plan the transition to adulthood: legal status, housing, adult services"
        ),
        due_at=timezone.make_aware(datetime.combine(birthday, time(9))) - timedelta(days=30),
    )
    record(
        actor=None,
        actor_label="system",
        action=AuditAction.UPDATE,
        obj=case,
        case_id=case.pk,
        changes={"ageing_out_since": [None, today]},
    )
    notification_send(
        recipients=[case.lead_caseworker, *supervisors_of(case)],
        kind=NotificationKind.AGEING_OUT,
        link=reverse("cases:detail", args=[case.pk]),
        reference=case.reference,
        date=date_format(birthday, "SHORT_DATE_FORMAT"),
    )


@task()
def refresh_deadlines() -> dict[str, int]:
    """Recompute overdue states, escalate what must be escalated, open ageing-out tasks.

    Every write is conditional, so a run that stops half-way is completed by the next one and
    two runs at once never tell anyone twice.
    """
    now = timezone.now()
    due = Task.objects.filter(status=TaskStatus.OPEN, overdue=False, due_at__lt=now)
    flagged = sum(
        task_overdue_set(task=row, overdue=True) for row in due.select_related("case", "owner")
    )
    # A deadline moved later (a changed plan line) is no longer overdue.
    moved = Task.objects.filter(status=TaskStatus.OPEN, overdue=True, due_at__gte=now)
    for row in moved.select_related("case"):
        task_overdue_set(task=row, overdue=False)
    to_escalate = Task.objects.filter(
        Q(kind__in=ESCALATED_KINDS) | Q(case__risk_level=RiskLevel.HIGH),
        status=TaskStatus.OPEN,
        overdue=True,
        escalated_at__isnull=True,
    ).select_related("case")
    escalated = sum(_escalate(row) for row in to_escalate)
    responses_late, responses_escalated = _first_responses_overdue(now)
    opened = _open_transition_plans(timezone.localdate())
    return {
        "overdue": flagged,
        "escalated": escalated,
        "first_responses_overdue": responses_late,
        "first_responses_escalated": responses_escalated,
        "transition_plans": opened,
    }


@task()
def apply_retention() -> dict[str, int]:
    """Once a day: anonymise or delete the closed cases past the node's retention period."""
    report = retention_run()
    return {"due": report.due, "held": sum(report.held.values()), "done": report.done}
