"""Request types: what each kind of cross-border request carries, how long the partner has,
what it may answer, and what the answer does in the case.

Each module of `kinlink.exchange.types` declares one `RequestType` and registers it. The
exchange reaches domain code only through these declarations: the data that leaves is read by
the type's `Field`s (the minimum the type needs, nothing else), the receiving side opens a case
of `case_type_on_accept`, and `on_reply` / `on_accept` hand the partner's answer to the
service of the app that owns the record (a family evaluation to `assessments`, a follow-up
report to `plans`…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.functional import Promise

from kinlink.cases.models import Case, CaseType, Relationship

if TYPE_CHECKING:
    from kinlink.exchange.models import CrossBorderRequest


@dataclass(frozen=True)
class Field:
    """One piece of data a request carries: read from the case when the request is frozen."""

    name: str
    label: Promise
    read: Callable[[Case], Any]
    required: bool = True  # a required field always leaves; others the caseworker may untick


@dataclass(frozen=True)
class RequestType:
    code: str
    label: Promise
    purpose: Promise
    legal_hook: str
    fields: tuple[Field, ...]
    deadline_days: int
    reply_form: type[forms.Form]
    case_type_on_accept: str = CaseType.SERVICE_REQUEST
    # Sender side: what the partner's reply (its cleaned data) does in the case.
    on_reply: Callable[[CrossBorderRequest, dict[str, Any]], None] | None = None
    # Sender side: what the partner's acceptance does (a transfer of responsibility).
    on_accept: Callable[[CrossBorderRequest], None] | None = None
    # Receiving side: what a newly received request starts here (tracing matches it).
    on_receive: Callable[[CrossBorderRequest], None] | None = None
    # Sender side: the partner's latest word on how the request stands, before any reply
    # (tracing: "no match" or "a possible match is being reviewed"), shown by its status.
    progress: Callable[[CrossBorderRequest], Promise | None] | None = None
    # Who may see the reply form's outcome choices, in order.
    outcomes: tuple[tuple[str, Promise], ...] = ()
    carries_personal_data: bool = True
    # Receiving side: the fields the receiving caseworker is asked to check on accept.
    extra: dict[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


_TYPES: dict[str, RequestType] = {}


def register(request_type: RequestType) -> RequestType:
    _TYPES[request_type.code] = request_type
    return request_type


def get(code: str) -> RequestType:
    return _TYPES[code]


def all_types() -> list[RequestType]:
    return list(_TYPES.values())


def choices() -> list[tuple[str, Promise]]:
    return [(t.code, t.label) for t in _TYPES.values()]


# --- readers shared by the types ------------------------------------------------------------


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def child_identity(case: Case) -> dict[str, Any]:
    """Who the child is, as the partner needs it to find or recognise him or her."""
    return {
        "given_name": case.given_name,
        "family_name": case.family_name,
        "given_name_original": case.given_name_original,
        "family_name_original": case.family_name_original,
        "original_script": case.original_script,
        "aliases": list(case.aliases or []),
        "sex": case.sex,
        "date_of_birth": _iso(case.date_of_birth),
        "dob_estimated": case.dob_estimated,
        "age_estimate": case.age_estimate if case.date_of_birth is None else None,
        "age_on_sending": case.age,
        "age_disputed": case.age_disputed,
        "nationalities": list(case.nationalities or []),
        "languages": list(case.languages or []),
        "country_of_origin": case.country_of_origin,
        "place_of_origin": case.place_of_origin,
    }


def child_minimal(case: Case) -> dict[str, Any]:
    """Enough to recognise the child on a welfare visit: names, sex, age."""
    return {
        "given_name": case.given_name,
        "family_name": case.family_name,
        "given_name_original": case.given_name_original,
        "family_name_original": case.family_name_original,
        "sex": case.sex,
        "age_on_sending": case.age,
    }


FAMILY = frozenset(
    {
        Relationship.MOTHER,
        Relationship.FATHER,
        Relationship.SISTER,
        Relationship.BROTHER,
        Relationship.GRANDMOTHER,
        Relationship.GRANDFATHER,
        Relationship.AUNT,
        Relationship.UNCLE,
        Relationship.COUSIN,
        Relationship.OTHER_FAMILY,
    }
)


def relatives(case: Case) -> list[dict[str, Any]]:
    """The child's relatives recorded on the case, with where they live and how to reach them."""
    return [
        {
            "full_name": link.person.full_name,
            "full_name_original": link.person.full_name_original,
            "relationship": link.relationship,
            "country": link.person.country,
            "contact": link.person.contact,
        }
        for link in case.people.select_related("person").order_by("created_at")
        if link.relationship in FAMILY
    ]


def carer(case: Case) -> list[dict[str, Any]]:
    """Who cares for the child now or will (a carer or relative marked as carer)."""
    return [
        {
            "full_name": link.person.full_name,
            "relationship": link.relationship,
            "country": link.person.country,
            "contact": link.person.contact,
        }
        for link in case.people.select_related("person").filter(is_carer=True)
    ]


def case_summary(case: Case) -> dict[str, Any]:
    """Where the case stands: type, step, risk, separation, legal status."""
    return {
        "case_type": case.case_type,
        "step": case.stage,
        "risk_level": case.risk_level,
        "separation_status": case.separation_status,
        "legal_status": case.legal_status,
        "decided_solution": case.decided_solution,
    }
