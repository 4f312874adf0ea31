"""The case a receiving agency opens when it accepts a request from abroad.

What arrived is the sending agency's record of the child, in the minimum its request type
carries; the receiving caseworker checks and completes it afterwards like any registration.
The child's consent was recorded by the sending agency: here the case rests on the agency's
public task (the request under its legal hook), said in the consent record.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.accounts.models import User
from kinlink.cases.models import Case, LegalBasis, NationalityStatus, ReferralSource, RiskLevel
from kinlink.cases.services import case_register
from kinlink.exchange import registry
from kinlink.exchange.models import CrossBorderRequest


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def identity_from(request: CrossBorderRequest) -> dict[str, Any]:
    """A registration's identity built from the received child's data."""
    child = request.payload.get("child") or {}
    kind = registry.get(request.request_type)
    nationalities = [str(c) for c in child.get("nationalities") or []]
    dob = _date(child.get("date_of_birth"))
    age = child.get("age_estimate")
    if dob is None and age is None:
        age = child.get("age_on_sending")
    return {
        "given_name": str(child.get("given_name", ""))[:100],
        "family_name": str(child.get("family_name", ""))[:100],
        "given_name_original": str(child.get("given_name_original", ""))[:100],
        "family_name_original": str(child.get("family_name_original", ""))[:100],
        "original_script": str(child.get("original_script", ""))[:4],
        "aliases": [str(a)[:100] for a in child.get("aliases") or []],
        "sex": child.get("sex") or "unknown",
        "date_of_birth": dob,
        "dob_estimated": bool(child.get("dob_estimated")),
        "dob_basis": "relative" if dob and child.get("dob_estimated") else "",
        "age_estimate": age if isinstance(age, int) else None,
        "age_disputed": bool(child.get("age_disputed")),
        "nationality_status": NationalityStatus.KNOWN
        if nationalities
        else NationalityStatus.UNKNOWN,
        "nationalities": nationalities,
        "languages": [str(c) for c in child.get("languages") or []],
        "country_of_origin": str(child.get("country_of_origin", ""))[:2],
        "place_of_origin": str(child.get("place_of_origin", ""))[:200],
        "current_location": "",
        "case_type": kind.case_type_on_accept,
        "separation_status": "separated",
        "referral_source": ReferralSource.PARTNER_ABROAD,
        "referral_date": timezone.localdate(),
        "risk_level": (request.payload.get("case") or {}).get("risk_level") or RiskLevel.MEDIUM,
    }


def open_linked_case(*, actor: User, request: CrossBorderRequest, lead: User) -> Case:
    """Register the child here, led by `lead`, from the request; a received record that does
    not pass registration's checks is refused with the reasons (link an existing case then)."""
    team = lead.teams.first() or actor.teams.first()
    if team is None:
        raise ValidationError({"assign_to": _("The caseworker belongs to no team.")})
    try:
        return case_register(
            actor=actor,
            team=team,
            lead_caseworker=lead,
            identity=identity_from(request),
            consent={
                "legal_basis": LegalBasis.PUBLIC_TASK,
                "reason_without_consent": _(
                    "Request %(reference)s from %(peer)s; the child's consent or the legal basis "
                    "is recorded by the sending agency."
                )
                % {"reference": request.reference, "peer": request.peer.name},
            },
        )
    except ValidationError as error:
        messages = "; ".join(error.messages)
        raise ValidationError(
            _("The child's data received cannot open a case (%(problems)s): link an existing case.")
            % {"problems": messages}
        ) from error
