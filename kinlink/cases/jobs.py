"""Scheduled background jobs on cases, run by `kinlink worker` (Django's tasks API).

`refresh_deadlines` keeps every task's overdue flag true to the clock, tells the owner once
when her task falls overdue, tells supervisors once when a task of a high-risk case, a guardian
appointment or a legal deadline falls overdue (SG-03, SG-17), and
opens the transition-to-adulthood task the configured months before an 18th birthday (SG-14).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from kinlink.accounts.models import NotificationKind
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.lifecycle import OPEN_STAGES
from kinlink.cases.models import Case, RiskLevel, Task, TaskKind, TaskStatus
from kinlink.cases.workflow import supervisors_of, task_open
from kinlink.core.models import NodeSettings

ESCALATED_KINDS = frozenset({TaskKind.GUARDIAN, TaskKind.LEGAL_DEADLINE})


def eighteenth_birthday(case: Case) -> date | None:
    """From the date of birth, or from the estimated age at referral (lowest age counts)."""
    if case.date_of_birth:
        born = case.date_of_birth
    elif case.age_estimate is not None:
        born = case.referral_date.replace(year=case.referral_date.year - case.age_estimate)
    else:
        return None
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # 29 February
        return born.replace(year=born.year + 18, day=28)


def _escalate(task_row: Task) -> None:
    case = task_row.case
    notification_send(
        recipients=supervisors_of(case),
        kind=NotificationKind.TASK_OVERDUE,
        link=reverse("cases:detail", args=[case.pk]),
        reference=case.reference,
        task=task_row.title,
    )
    Task.objects.filter(pk=task_row.pk).update(escalated_at=timezone.now())
    record(
        actor=None,
        actor_label="system",
        action=AuditAction.UPDATE,
        obj=task_row,
        case_id=case.pk,
        changes={"escalated": [False, True]},
    )


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
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(ageing_out_since=today)
            task_open(
                case=case,
                kind=TaskKind.TRANSITION_PLAN,
                owner=case.lead_caseworker,
                title=_("Plan the transition to adulthood: legal status, housing, adult services"),
                due_at=timezone.make_aware(datetime.combine(birthday, time(9)))
                - timedelta(days=30),
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
        opened += 1
    return opened


@task()
def refresh_deadlines() -> dict[str, int]:
    """Recompute overdue states, escalate what must be escalated, open ageing-out tasks."""
    now = timezone.now()
    newly_overdue = Task.objects.filter(status=TaskStatus.OPEN, overdue=False, due_at__lt=now)
    overdue_ids = list(newly_overdue.values_list("pk", flat=True))
    Task.objects.filter(pk__in=overdue_ids).update(overdue=True)
    Task.objects.filter(status=TaskStatus.OPEN, overdue=True, due_at__gte=now).update(overdue=False)
    # Every owner is told once, when her task falls overdue.
    for row in Task.objects.filter(pk__in=overdue_ids, owner__isnull=False).select_related(
        "case", "owner"
    ):
        notification_send(
            recipients=[row.owner],
            kind=NotificationKind.TASK_OVERDUE,
            link=reverse("cases:detail", args=[row.case_id]),
            reference=row.case.reference,
            task=row.title,
        )
    escalated = 0
    to_escalate = Task.objects.filter(pk__in=overdue_ids, escalated_at__isnull=True).select_related(
        "case"
    )
    for row in to_escalate:
        if row.kind in ESCALATED_KINDS or row.case.risk_level == RiskLevel.HIGH:
            with transaction.atomic():
                _escalate(row)
            escalated += 1
    opened = _open_transition_plans(timezone.localdate())
    return {"overdue": len(overdue_ids), "escalated": escalated, "transition_plans": opened}
