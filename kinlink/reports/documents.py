"""Case documents as PDF, in the reader's language (WeasyPrint; Arabic shaped by Pango and
laid out right to left).

Four documents: the case summary (social report), the best-interests determination report,
the Art. 33 placement report (the report on the child and the reasons for the placement, for
the receiving state's authority) and the follow-up report. Each reads its records starting
from a case the policy let the user see, renders an HTML template in the chosen language and
prints it. What the recipient need not see is left out by the redaction choices (`LEAVE_OUT`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kinlink.assessments.models import (
    AssessmentKind,
    BestInterestsDetermination,
    BIDStatus,
)
from kinlink.care.models import CURRENT_GUARDIANSHIP
from kinlink.cases.models import Case
from kinlink.plans.models import FollowUpPlan


class NothingToReport(Exception):
    """The case has no record this document is about (no determination, no follow-up)."""


# What a user may leave out of any document, and why one would.
LEAVE_OUT: dict[str, Promise] = {
    "original_names": _("Names in the original script and other names"),
    "contacts": _("Addresses and contact details of people"),
    "health": _("Health and psychosocial wellbeing"),
    "journey": _("Journey, exploitation and trafficking indicators"),
    "protection": _(
        "Asylum and legal-status procedures (never sent to the authorities of the "
        "country of origin without a reason)"
    ),
    "child_views": _("The child's own words"),
}


def _case_facts(case: Case) -> dict[str, Any]:
    current_care = case.care_arrangements.filter(end_date__isnull=True).first()
    guardian = case.guardianships.filter(status__in=CURRENT_GUARDIANSHIP).first()
    return {
        "case": case,
        "care": current_care,
        "guardian": guardian,
        "people": list(case.people.select_related("person")),
        "consents": list(case.consents.all()[:10]),
        "procedures": list(case.legal_procedures.all()[:10]),
        "views": case.child_views.first(),
    }


def _assessment(case: Case) -> Any:
    """The latest comprehensive assessment, else the latest assessment."""
    assessments = case.assessments.all()
    return assessments.filter(kind=AssessmentKind.COMPREHENSIVE).first() or assessments.first()


def _decided_bid(case: Case) -> BestInterestsDetermination | None:
    return case.bids.filter(status=BIDStatus.DECIDED).first()


def case_summary(case: Case) -> dict[str, Any]:
    plan = getattr(case, "support_plan", None) if hasattr(case, "support_plan") else None
    return {
        **_case_facts(case),
        "assessment": _assessment(case),
        "plan": plan,
        "goals": list(plan.goals.all()) if plan else [],
        "bid": _decided_bid(case),
    }


def bid_report(case: Case) -> dict[str, Any]:
    bid = case.bids.exclude(status=BIDStatus.SUPERSEDED).first() or case.bids.first()
    if bid is None:
        raise NothingToReport
    return {
        **_case_facts(case),
        "bid": bid,
        "options": list(bid.options.all()),
        "panel": list(bid.panel_members.select_related("user")),
        "assessment": _assessment(case),
        "evaluation": case.family_evaluations.first(),
    }


def art33_report(case: Case) -> dict[str, Any]:
    bid = _decided_bid(case) or case.bids.first()
    carers = [link for link in case.people.select_related("person") if link.is_carer]
    return {
        **_case_facts(case),
        "assessment": _assessment(case),
        "bid": bid,
        "carers": carers,
        "evaluation": case.family_evaluations.first(),
        "follow_up": case.follow_ups.filter(superseded_at__isnull=True).first(),
        "parents": [
            link
            for link in case.people.select_related("person")
            if link.relationship in {"mother", "father"}
        ],
    }


def follow_up_report(case: Case) -> dict[str, Any]:
    plan: FollowUpPlan | None = case.follow_ups.filter(superseded_at__isnull=True).first()
    if plan is None:
        raise NothingToReport
    visits = list(plan.visits.select_related("report").order_by("due_on", "number"))
    today = timezone.localdate()
    return {
        **_case_facts(case),
        "plan": plan,
        "visits": visits,
        "done": sum(1 for v in visits if v.done_on),
        "due": sum(1 for v in visits if v.due_on <= today),
        "on_time": sum(1 for v in visits if v.done_on and v.done_on <= v.due_on),
    }


@dataclass(frozen=True)
class Document:
    code: str
    title: Promise
    purpose: Promise
    template: str
    context: Callable[[Case], dict[str, Any]]


DOCUMENTS = {
    d.code: d
    for d in (
        Document(
            "case_summary",
            _("Case summary (social report)"),
            _("Who the child is, where the case stands, care, guardian, assessment, plan."),
            "reports/documents/case_summary.html",
            case_summary,
        ),
        Document(
            "bid_report",
            _("Best-interests determination report"),
            _("The options weighed, the panel, the decision and its reasons."),
            "reports/documents/bid_report.html",
            bid_report,
        ),
        Document(
            "art33_report",
            _("Art. 33 placement report"),
            _(
                "The report on the child and the reasons for the proposed placement, for the "
                "receiving state's authority (HC 1996 Art. 33)."
            ),
            "reports/documents/art33_report.html",
            art33_report,
        ),
        Document(
            "follow_up_report",
            _("Follow-up report"),
            _("The follow-up schedule, the visits made and what they found."),
            "reports/documents/follow_up_report.html",
            follow_up_report,
        ),
    )
}


def render_html(
    *, document: Document, case: Case, language: str, leave_out: set[str], author: Any
) -> str:
    """The document's HTML in `language`, without what is left out."""
    with translation.override(language):
        context = document.context(case)
        return render_to_string(
            document.template,
            {
                **context,
                "document": document,
                "leave_out": leave_out,
                "left_out_labels": [str(LEAVE_OUT[k]) for k in sorted(leave_out)],
                "author": author,
                "generated_at": timezone.now(),
                "language": language,
                "rtl": translation.get_language_bidi(),
                "node_prefix": settings.KINLINK_NODE_PREFIX,
            },
        )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())
