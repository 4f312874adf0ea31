"""Fixture data with known answers for the indicators (docs/indicators.md).

Six children referred in 2026 to team A: four unaccompanied children in the host country
(high risk) and two children left behind (medium risk, separated). Then:
- guardians appointed 3 and 20 days after referral (the node's limit is 15 days);
- first assessments completed 5 and 10 days after referral;
- one best-interests decision, 30 days after referral: return;
- four follow-up visits due in the period, three done on time, one late;
- one child missing; one task overdue; one approval waiting;
- one child of team B (not in a supervisor of team A's counts).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kinlink.reports.indicators import Period

PERIOD = Period(date(2026, 1, 1), date(2026, 11, 30))
REFERRALS = [date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 1), date(2026, 5, 4)]


@pytest.fixture
def known(
    register_case: Any, caseworker_a: Any, caseworker_b: Any, supervisor_a: Any
) -> dict[str, Any]:
    from kinlink.assessments.models import Assessment, BestInterestsDetermination
    from kinlink.care.services import guardian_appoint
    from kinlink.cases.models import ApprovalSubject, Case, TaskKind
    from kinlink.cases.workflow import approval_request, task_open
    from kinlink.plans.models import FollowUpPlan, FollowUpVisit

    hosts = [
        register_case(given_name=name, referral_date=day)
        for name, day in zip(["Amir", "Bilal", "Chaker", "Driss"], REFERRALS, strict=True)
    ]
    behind = [
        register_case(
            given_name=name,
            case_type="left_behind",
            separation_status="separated",
            risk_level="medium",
            referral_date=date(2026, 6, 1),
        )
        for name in ("Fatou", "Ghita")
    ]
    other_team = register_case(actor=caseworker_b, given_name="Other", referral_date=REFERRALS[0])
    for case, days in ((hosts[0], 3), (hosts[1], 20)):
        guardian_appoint(
            actor=caseworker_a,
            case=case,
            guardian_name="Guardian",
            appointing_authority="Court",
            legal_basis="court_order",
            appointed_on=case.referral_date + timedelta(days=days),
        )
    for case, days in ((hosts[0], 5), (hosts[2], 10)):
        Assessment.objects.create(
            case=case,
            kind="initial",
            recommendation="Stay",
            completed_on=case.referral_date + timedelta(days=days),
            author=caseworker_a,
        )
    BestInterestsDetermination.objects.create(
        case=hosts[0],
        report="Options",
        author=caseworker_a,
        status="decided",
        solution="return",
        decided_on=hosts[0].referral_date + timedelta(days=30),
    )
    plan = FollowUpPlan.objects.create(
        case=hosts[0],
        template="custom",
        start_on=date(2026, 7, 1),
        interval_days=30,
        months=4,
        owner=caseworker_a,
        created_by=caseworker_a,
    )
    for number, (due, done) in enumerate(
        [
            (date(2026, 7, 1), date(2026, 6, 30)),
            (date(2026, 8, 1), date(2026, 8, 1)),
            (date(2026, 9, 1), date(2026, 8, 20)),
            (date(2026, 10, 1), date(2026, 10, 9)),
        ],
        start=1,
    ):
        FollowUpVisit.objects.create(
            plan=plan, case=hosts[0], number=number, due_on=due, done_on=done
        )
    Case.objects.filter(pk=hosts[3].pk).update(hold="missing")
    task = task_open(
        case=hosts[1],
        kind=TaskKind.OTHER,
        title="Call the school",
        due_at=timezone.now() - timedelta(days=30),
        owner=caseworker_a,
    )
    type(task).objects.filter(pk=task.pk).update(overdue=True)
    approval_request(
        actor=caseworker_a,
        case=hosts[2],
        subject=ApprovalSubject.CLOSURE,
        object_id=hosts[2].pk,
    )
    return {"hosts": hosts, "behind": behind, "other_team": other_team}
