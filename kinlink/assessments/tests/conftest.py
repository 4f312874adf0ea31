"""Helpers for assessment tests: a case with the child heard, a guardian, a ready panel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kinlink.assessments import services
from kinlink.cases.models import Case, Stage
from kinlink.cases.services import case_assign, case_facts_update, consent_record
from kinlink.cases.workflow import approval_decide


def hear_child(case: Any, actor: Any) -> Any:
    return services.child_views_record(
        actor=actor,
        case=case,
        heard_on=timezone.localdate(),
        method="interview",
        language="ara",
        interpreter_name="Hassan",
        present="Guardian",
        wishes_family_contact="Wants to call his mother.",
        wishes_future="Wants to become a mechanic.",
        maturity_note="Thoughtful and clear for his age.",
    )


def write_assessment(case: Any, author: Any) -> Any:
    return services.assessment_create(
        actor=author,
        case=case,
        kind="comprehensive",
        completed_on=timezone.localdate(),
        recommendation="Temporary care in a small group home.",
        domains={"safety": "Safe at the shelter.", "health": "Good."},
    )


def appoint_guardian(case: Any) -> None:
    case_facts_update(actor=None, case=case, guardianship_status="appointed")


def consent_to_tracing(case: Any, actor: Any) -> None:
    consent_record(
        actor=actor,
        case=case,
        consent={"given_by": "child", "scopes": ["tracing"], "language": "ara"},
    )


def seat_panel(
    bid: Any, actor: Any, count: int = 3, prefix: str = "Expert", **overrides: Any
) -> None:
    for number in range(count):
        values = {
            "external_name": f"{prefix} {number}",
            "function": "Psychologist",
            "agency": "UNHCR",
            "no_conflict_declared": True,
            "confidentiality_signed": True,
        }
        values.update(overrides)
        services.bid_panel_member_add(actor=actor, bid=bid, **values)


def decision(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "solution": "host",
        "reasons": "Family not found; the child is settled at school here.",
        "child_informed_on": today,
        "child_informed_language": "ara",
        "review_on": today + timedelta(days=180),
        "views_weighed": "The child wishes to stay; given great weight.",
    }
    values.update(overrides)
    return values


def at_determination(case: Any) -> Any:
    """Put the case at the solution-determination step, where a determination is decided."""
    Case.objects.filter(pk=case.pk).update(stage=Stage.SOLUTION_DETERMINATION)
    case.refresh_from_db()
    return case


def approve_submission(bid: Any, author: Any, supervisor: Any) -> Any:
    """The author submits the determination and the supervisor approves it."""
    approval = services.bid_submit(actor=author, bid=bid)
    approval_decide(actor=supervisor, approval=approval, approve=True)
    bid.refresh_from_db()
    return bid


@pytest.fixture
def guardian_on_case(case_a: Any, supervisor_a: Any, guardian: Any) -> Any:
    case_a.refresh_from_db()
    case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )
    return guardian


@pytest.fixture
def ready_bid(case_a: Any, caseworker_a: Any, supervisor_a: Any) -> Any:
    """A determination authored by caseworker_a at the solution-determination step: child
    heard, guardian, quorate panel, submission approved by supervisor_a."""
    at_determination(case_a)
    hear_child(case_a, caseworker_a)
    appoint_guardian(case_a)
    bid = services.bid_open(actor=caseworker_a, case=case_a, report="Full BID report text.")
    for solution in ("host", "return", "adoption_kafala"):
        services.bid_option_add(actor=caseworker_a, bid=bid, solution=solution, pros="…")
    seat_panel(bid, caseworker_a)
    bid.refresh_from_db()
    return approve_submission(bid, caseworker_a, supervisor_a)


def reload(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj
