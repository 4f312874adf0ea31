"""The checks that stop a return (SG-04, SG-05, SG-19, SG-20), each naming where to fix it.

Used twice: as lifecycle guards on "implement_solution" (guards.py) and by the service that
creates a return action plan, so that neither can go ahead while any of them holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.cases.lifecycle import Refusal
from kinlink.cases.models import Case, LegalStatus, Solution
from kinlink.plans.models import ReturnPreparation, RiskResult

PENDING_CLAIM = frozenset({LegalStatus.APPLIED, LegalStatus.APPEAL})


@dataclass
class SafeguardRefused(Exception):
    """A write refused by safeguards: every reason, each with where to supply what is missing."""

    refusals: list[Refusal] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(r.message for r in self.refusals)


def where(url_name: str, case: Case) -> str:
    """The page of another app where a missing fact is recorded ("" if it has none yet)."""
    try:
        return reverse(url_name, args=[case.pk])
    except NoReverseMatch:
        return reverse("cases:detail", args=[case.pk])


def _preparation(case: Case) -> ReturnPreparation | None:
    return ReturnPreparation.objects.filter(case=case).first()


def risk_assessed_safe(case: Case) -> Refusal | None:
    """SG-05: a risk and security assessment is done and not rated unsafe."""
    prep = _preparation(case)
    if prep is not None and prep.risk_ok:
        return None
    if prep is not None and prep.risk_result == RiskResult.UNSAFE:
        message = _("The risk and security assessment rated the return unsafe: no return.")
    else:
        message = _("The risk and security assessment for the return is missing.")
    return Refusal(message, where("plans:return_preparation", case))


def carer_agreed_in_writing(case: Case) -> Refusal | None:
    """SG-05: a carer is identified and agreed in writing to care for the child."""
    prep = _preparation(case)
    if prep is not None and prep.carer_agreed:
        return None
    return Refusal(
        _("No carer has agreed in writing to care for the child after the return."),
        where("plans:return_preparation", case),
    )


def reception_confirmed(case: Case) -> Refusal | None:
    """SG-05: the receiving agency confirmed that it will receive the child."""
    prep = _preparation(case)
    if prep is not None and prep.reception_confirmed:
        return None
    return Refusal(
        _("The receiving agency has not confirmed the child's reception."),
        where("plans:return_preparation", case),
    )


def no_pending_claim(case: Case) -> Refusal | None:
    """SG-20 (non-refoulement): no return while an asylum or protection claim is pending."""
    if case.legal_status not in PENDING_CLAIM:
        return None
    return Refusal(
        _("An asylum or protection claim is still pending: no return before a final decision."),
        where("care:legal_add", case),
    )


def reflection_period_over(case: Case) -> Refusal | None:
    """SG-19: no return during a trafficking victim's recovery and reflection period."""
    until = case.trafficking_reflection_until
    if until is None or until < timezone.localdate():
        return None
    return Refusal(
        _(
            "The child is in a recovery and reflection period (trafficking) until %(date)s: "
            "no return."
        )
        % {"date": until.isoformat()},
        where("assessments:trafficking_add", case),
    )


def child_heard(case: Case) -> Refusal | None:
    """SG-04: the child's views are recorded before a return is decided or prepared."""
    if case.child_views_recorded_at is not None:
        return None
    return Refusal(
        _("The child's views must be recorded before a return."),
        where("assessments:views_add", case),
    )


RETURN_CHECKS: list[Callable[[Case], Refusal | None]] = [
    risk_assessed_safe,
    carer_agreed_in_writing,
    reception_confirmed,
    no_pending_claim,
    reflection_period_over,
    child_heard,
]


def return_refusals(case: Case) -> list[Refusal]:
    """Every reason the child cannot return now (empty when the solution is not return)."""
    if case.decided_solution != Solution.RETURN:
        return []
    return [r for check in RETURN_CHECKS if (r := check(case)) is not None]
