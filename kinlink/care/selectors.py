"""Reads of care records. The case comes already checked by the policy
(`cases.selectors.case_open` / `case_for_edit`); every read here starts from it."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Subquery

from kinlink.accounts.models import User
from kinlink.care.models import (
    CURRENT_GUARDIANSHIP,
    RESTRICTING_CONTACT,
    CareArrangement,
    DetentionRecord,
    Goal,
    GuardianException,
    Guardianship,
    GuardianshipState,
    LegalProcedure,
    ProcedureStatus,
    ProcedureType,
    SupportPlan,
    TransitionPlan,
)
from kinlink.cases.models import (
    ApprovalSubject,
    Case,
    ContactWish,
    GuardianshipStatus,
    SeparationStatus,
)
from kinlink.cases.workflow import sent_back_one

PANEL_ROWS = 10


def _present(case: Case) -> dict[str, Any]:
    """One query saying which kinds of care record the case has, so that the panel reads
    only those: a fresh case costs one query, a full one seven, whatever the history."""
    mine = {"case": OuterRef("pk")}
    return (
        Case.objects.filter(pk=case.pk)
        .annotate(
            has_care=Exists(CareArrangement.objects.filter(**mine)),
            has_detention=Exists(DetentionRecord.objects.filter(**mine)),
            has_plan=Exists(SupportPlan.objects.filter(**mine)),
            has_procedure=Exists(LegalProcedure.objects.filter(**mine)),
            has_guardian=Exists(
                Guardianship.objects.filter(**mine).exclude(status=GuardianshipState.REQUESTED)
            ),
            requested_on=Subquery(
                Guardianship.objects.filter(**mine, status=GuardianshipState.REQUESTED).values(
                    "requested_on"
                )[:1]
            ),
        )
        .values(
            "has_care",
            "has_detention",
            "has_plan",
            "has_procedure",
            "has_guardian",
            "requested_on",
        )
        .get()
    )


def needs_exception_panel(case: Case) -> bool:
    """An unaccompanied or separated child without an appointed guardian (SG-03)."""
    return case.separation_status in {
        SeparationStatus.UNACCOMPANIED,
        SeparationStatus.SEPARATED,
    } and (case.guardianship_status != GuardianshipStatus.APPOINTED)


def panel_context(case: Case, user: User) -> dict[str, Any]:
    """What the case page shows of care: the current arrangement and the latest of the
    history, detentions, the guardian and past terms, the support plan with its goals and
    owners, the legal procedures. A bounded number of queries (see `_present`)."""
    present = _present(case)
    arrangements = (
        list(CareArrangement.objects.filter(case=case)[:PANEL_ROWS]) if present["has_care"] else []
    )
    current = next((a for a in arrangements if a.end_date is None), None)
    detentions = (
        list(DetentionRecord.objects.filter(case=case)[:PANEL_ROWS])
        if present["has_detention"]
        else []
    )
    terms = (
        list(Guardianship.objects.filter(case=case).select_related("user")[:PANEL_ROWS])
        if present["has_guardian"]
        else []
    )
    guardianship = next((t for t in terms if t.status in CURRENT_GUARDIANSHIP), None)
    plan = (
        SupportPlan.objects.filter(case=case)
        .select_related("approved_by")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.select_related("owner"), to_attr="goal_list")
        )
        .first()
        if present["has_plan"]
        else None
    )
    plan_sent_back = (
        sent_back_one(ApprovalSubject.SUPPORT_PLAN, plan.pk)
        if plan is not None and plan.approved_at is None and not plan.is_pending
        else None
    )
    exception = (
        GuardianException.objects.filter(case=case).select_related("approved_by").first()
        if needs_exception_panel(case)
        else None
    )
    transition = TransitionPlan.objects.filter(case=case).first() if case.ageing_out_since else None
    return {
        "exception": exception,
        "exception_pending": exception is not None and exception.approved_at is None,
        "can_ask_exception": needs_exception_panel(case) and case.guardian_exception_at is None,
        "transition": transition,
        "contact_against_wish": plan is not None
        and plan.family_contact in RESTRICTING_CONTACT
        and case.child_wants_family_contact == ContactWish.YES,
        "plan_sent_back": plan_sent_back,
        "current": current,
        "history": [a for a in arrangements if a is not current],
        "detentions": detentions,
        "detained_now": any(d.ended_on is None for d in detentions),
        "guardianship": guardianship,
        "requested_on": present["requested_on"],
        "past_guardians": [t for t in terms if t is not guardianship],
        "plan": plan,
        "procedures": (
            list(LegalProcedure.objects.filter(case=case)[:PANEL_ROWS])
            if present["has_procedure"]
            else []
        ),
    }


def protection_claim_open(case: Case) -> str | None:
    """SG-20: the status of an asylum or subsidiary-protection claim that is not finally
    decided — lodged, refused at first instance (an appeal may follow) or under appeal — or
    None. Procedures on other matters (birth registration, documents…) never count."""
    statuses = set(
        LegalProcedure.objects.filter(
            case=case, procedure_type__in=(ProcedureType.ASYLUM, ProcedureType.SUBSIDIARY)
        ).values_list("status", flat=True)
    )
    if ProcedureStatus.GRANTED in statuses:
        return None
    for status in (ProcedureStatus.APPEAL, ProcedureStatus.APPLIED, ProcedureStatus.REFUSED):
        if status in statuses:
            return str(status)
    return None
