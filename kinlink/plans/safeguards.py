"""The checks that stop a return (SG-04, SG-05, SG-10, SG-19, SG-20), each naming where to fix it.

Used as lifecycle guards on "implement_solution" and "start_follow_up" (guards.py), by the
services that create, submit and approve a return action plan, and by the case page's
checklist, so that none can go ahead (or show ticked) while any of them holds. The reflection
period also stops a transfer of responsibility and a placement in a third country (SG-19).
A placement abroad waits for the receiving state's consent where the law asks for it (SG-07).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.care.selectors import protection_claim_open
from kinlink.cases.lifecycle import Refusal
from kinlink.cases.models import Case, Solution
from kinlink.plans.models import CarerKind, PlacementAbroad, ReturnPreparation, RiskResult


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


def preparation_of(case: Case) -> ReturnPreparation | None:
    """The case's return preparation, read once per case instance.

    The reverse one-to-one accessor caches it (or its absence) on the instance, so the checks
    of one guard pass share one query; `Case.refresh_from_db` (which `case_transition` calls
    under the row lock) clears that cache, so a guard pass never sees a preparation older than
    its lock, and `return_preparation_save` puts the saved record in the cache.
    """
    try:
        return case.return_preparation
    except ReturnPreparation.DoesNotExist:
        return None


def risk_assessed_safe(case: Case) -> Refusal | None:
    """SG-05: a risk and security assessment is done and not rated unsafe."""
    prep = preparation_of(case)
    if prep is not None and prep.risk_ok:
        return None
    if prep is not None and prep.risk_result == RiskResult.UNSAFE:
        message = _("The risk and security assessment rated the return unsafe: no return.")
    else:
        message = _("The risk and security assessment for the return is missing.")
    return Refusal(message, where("plans:return_preparation", case))


def carer_agreed_in_writing(case: Case) -> Refusal | None:
    """SG-05: a carer is identified and agreed in writing to care for the child."""
    prep = preparation_of(case)
    if prep is not None and prep.carer_agreed:
        return None
    return Refusal(
        _("No carer has agreed in writing to care for the child after the return."),
        where("plans:return_preparation", case),
    )


def reception_confirmed(case: Case) -> Refusal | None:
    """SG-05: the receiving agency confirmed that it will receive the child."""
    prep = preparation_of(case)
    if prep is not None and prep.reception_confirmed:
        return None
    return Refusal(
        _("The receiving agency has not confirmed the child's reception."),
        where("plans:return_preparation", case),
    )


def no_pending_claim(case: Case) -> Refusal | None:
    """SG-20 (non-refoulement): no return while an asylum or protection claim is pending —
    lodged, under appeal, or refused at first instance with no final decision recorded."""
    status = protection_claim_open(case)
    if status is None:
        return None
    if status == "refused":
        message = _(
            "An asylum or protection claim was refused at first instance: no return before the "
            "final decision (record it, or the appeal, on the legal procedure)."
        )
    else:
        message = _(
            "An asylum or protection claim is still pending: no return before a final decision."
        )
    return Refusal(message, where("care:legal_add", case))


def in_reflection_period(case: Case) -> bool:
    """SG-19: a suspected trafficking victim's recovery and reflection period runs today."""
    until = case.trafficking_reflection_until
    return until is not None and until >= timezone.localdate()


def _reflection_refusal(case: Case, message: str) -> Refusal:
    until = case.trafficking_reflection_until
    return Refusal(
        message % {"date": until.isoformat() if until else ""},
        where("assessments:trafficking_add", case),
    )


def reflection_period_over(case: Case) -> Refusal | None:
    """SG-19: no return during a trafficking victim's recovery and reflection period."""
    if not in_reflection_period(case):
        return None
    return _reflection_refusal(
        case,
        _(
            "The child is in a recovery and reflection period (trafficking) until %(date)s: "
            "no return."
        ),
    )


def no_transfer_in_reflection_period(case: Case) -> Refusal | None:
    """SG-19: responsibility is not transferred out during the reflection period."""
    if not in_reflection_period(case):
        return None
    return _reflection_refusal(
        case,
        _(
            "The child is in a recovery and reflection period (trafficking) until %(date)s: "
            "no transfer of responsibility."
        ),
    )


def no_third_country_in_reflection_period(case: Case) -> Refusal | None:
    """SG-19: no placement in a third country during the reflection period."""
    if case.decided_solution != Solution.THIRD_COUNTRY or not in_reflection_period(case):
        return None
    return _reflection_refusal(
        case,
        _(
            "The child is in a recovery and reflection period (trafficking) until %(date)s: "
            "no placement in a third country."
        ),
    )


def family_verified(case: Case) -> Refusal | None:
    """SG-10: the family link is verified, and the child and the adult both want the return,
    as the latest family verification recorded."""
    if case.family_verified_at is not None:
        return None
    return Refusal(
        _(
            "The family is not verified: record how the relationship was verified and that the "
            "child and the adult both want to live together."
        ),
        where("assessments:verification_add", case),
    )


def child_heard(case: Case) -> Refusal | None:
    """SG-04: the child's views are recorded before a return is decided or prepared."""
    if case.child_views_recorded_at is not None:
        return None
    return Refusal(
        _("The child's views must be recorded before a return."),
        where("assessments:views_add", case),
    )


ReturnCheck = Callable[[Case], Refusal | None]

RETURN_CHECKS: list[ReturnCheck] = [
    risk_assessed_safe,
    carer_agreed_in_writing,
    reception_confirmed,
    no_pending_claim,
    reflection_period_over,
    child_heard,
]

# How the case page's checklist names each check, in the order of RETURN_CHECKS.
RETURN_CHECK_LABELS: dict[ReturnCheck, Promise] = {
    risk_assessed_safe: gettext_lazy("Risk and security assessment done, not unsafe"),
    carer_agreed_in_writing: gettext_lazy("Carer agreed in writing"),
    reception_confirmed: gettext_lazy("Reception confirmed by the receiving agency"),
    no_pending_claim: gettext_lazy("No asylum or protection claim pending"),
    reflection_period_over: gettext_lazy("No trafficking reflection period running"),
    child_heard: gettext_lazy("The child's views recorded"),
}
# SG-10, checked by its own guard (guards.py) when the return is implemented and followed up.
FAMILY_VERIFIED_LABEL = gettext_lazy("The family verified, the child and the adult willing")


def return_check_refusals(case: Case) -> list[Refusal]:
    """Every reason the child cannot return now, whatever the decided solution."""
    return [r for check in RETURN_CHECKS if (r := check(case)) is not None]


def return_refusals(case: Case) -> list[Refusal]:
    """Every reason the child cannot return now (empty when the solution is not return)."""
    if case.decided_solution != Solution.RETURN:
        return []
    return return_check_refusals(case)


# --- SG-07: placement abroad needs the receiving state's consent ----------------------------

PLACEMENT_SOLUTIONS = frozenset({Solution.THIRD_COUNTRY, Solution.RETURN})


def placement_of(case: Case) -> PlacementAbroad | None:
    """The case's placement abroad, read once per case instance (cached like the return
    preparation; `case_transition`'s refresh under the row lock clears it)."""
    try:
        return case.placement_abroad
    except PlacementAbroad.DoesNotExist:
        return None


def receiving_state_consented(case: Case) -> Refusal | None:
    """SG-07 (HC1996 Arts 33, 23(2)(f); Brussels IIb Art. 82): a placement in another country
    is not carried out until the receiving state's consent is recorded, whenever the law
    between the two countries on that day asks for it, or the directory cannot tell.

    A placement in a third country always names its receiving country first. A return is a
    placement only when the case records one (care by relatives, a foster family, an
    institution or kafala in the country of origin); a return to a parent is not.
    """
    from kinlink.directory.framework import Procedure, framework_between
    from kinlink.directory.reference import country_name

    if case.decided_solution not in PLACEMENT_SOLUTIONS:
        return None
    placement = placement_of(case)
    page = where("plans:placement_abroad", case)
    if placement is None:
        if case.decided_solution != Solution.THIRD_COUNTRY:
            return None
        return Refusal(
            _("Record where the child is to be placed abroad and with whom, first."), page
        )
    if placement.consent_recorded:
        return None
    sending = case.agency.country
    framework = framework_between(
        sending,
        placement.receiving_country,
        on=timezone.localdate(),
        with_parent=placement.carer_kind == CarerKind.PARENT,
        with_contacts=False,
    )
    if framework.consent_required is False:
        return None
    names = {
        "country": country_name(placement.receiving_country),
        "procedure": framework.procedure_label,
    }
    if framework.procedure == Procedure.UNKNOWN:
        message = _(
            "The directory cannot tell whether %(country)s must consent to this placement: "
            "record the consent of its central or competent authority (who, date, reference of "
            "the document) before the placement, or have the directory corrected."
        )
    else:
        message = _(
            "%(procedure)s. The consent of %(country)s is not recorded: record who gave it, on "
            "which date and the reference of its document."
        )
    return Refusal(message % names, page)
