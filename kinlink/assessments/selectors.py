"""Reads of assessments and decisions. Each starts from a case the policy already let the
user see (`cases.selectors.case_open` / `case_for_edit`), and costs a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kinlink.accounts.models import User
from kinlink.assessments.models import (
    AgeAssessment,
    Assessment,
    BestInterestsDetermination,
    BIDStatus,
    ChildViews,
    FamilyEvaluation,
    FamilyVerification,
    RiskReassessment,
    TraffickingConcern,
)
from kinlink.cases.models import (
    AgeAssessmentStatus,
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    TracingStatus,
)
from kinlink.cases.workflow import sent_back, sent_back_one

PANEL_ROWS = 5


def child_views_of(case: Case) -> QuerySet[ChildViews]:
    """Every record of the child's views, newest first: shown beside each decision."""
    return ChildViews.objects.filter(case=case).select_related("recorded_by")


def assessments_with_state(case: Case, limit: int | None = None) -> list[Assessment]:
    """Assessments, each with `pending` set when it waits for a supervisor and `sent_back` the
    decision that sent it back, if that is the latest (three queries)."""
    rows = Assessment.objects.filter(case=case).select_related("author", "approved_by")
    assessments = list(rows[:limit] if limit else rows)
    ids = [a.pk for a in assessments]
    pending = set(
        Approval.objects.filter(
            subject=ApprovalSubject.ASSESSMENT,
            object_id__in=ids,
            status=ApprovalStatus.PENDING,
        ).values_list("object_id", flat=True)
    )
    returned = sent_back(ApprovalSubject.ASSESSMENT, ids) if ids else {}
    for assessment in assessments:
        assessment.pending = assessment.pk in pending  # type: ignore[attr-defined]
        assessment.sent_back = returned.get(assessment.pk)  # type: ignore[attr-defined]
    return assessments


def bid_for_page(case: Case, bid_id: Any) -> BestInterestsDetermination:
    return get_object_or_404(
        BestInterestsDetermination.objects.select_related("author", "decided_by", "case"),
        pk=bid_id,
        case=case,
    )


def panel_context(case: Case, user: User) -> dict[str, Any]:
    """What the case page shows of this app: the latest few of each record.

    The case's summary facts say which tracks have records, so a fresh case costs four
    queries and a full one eight, whatever the number of rows. `can_edit` comes from the page.
    """
    latest_bid = (
        BestInterestsDetermination.objects.filter(case=case).select_related("decided_by").first()
    )
    bid_sent_back = (
        sent_back_one(ApprovalSubject.BID_SUBMISSION, latest_bid.pk)
        if latest_bid is not None
        and latest_bid.status == BIDStatus.OPEN
        and latest_bid.submission_approved_at is None
        else None
    )
    has_age = case.age_assessment_status != AgeAssessmentStatus.NOT_NEEDED
    return {
        "views": (list(child_views_of(case)[:PANEL_ROWS]) if case.child_views_recorded_at else []),
        "assessments": assessments_with_state(case, PANEL_ROWS),
        "risk_reviews": list(RiskReassessment.objects.filter(case=case)[:PANEL_ROWS]),
        "age": AgeAssessment.objects.filter(case=case).first() if has_age else None,
        "family": list(FamilyEvaluation.objects.filter(case=case)[:PANEL_ROWS]),
        # Verifications exist only once tracing has found someone.
        "verification": (
            FamilyVerification.objects.filter(case=case).first()
            if case.tracing_status not in {TracingStatus.NOT_STARTED, TracingStatus.OPEN}
            else None
        ),
        "bid": latest_bid,
        "bid_sent_back": bid_sent_back,
        "trafficking": (
            list(TraffickingConcern.objects.filter(case=case)[:PANEL_ROWS])
            if case.trafficking_reflection_until
            else []
        ),
    }
