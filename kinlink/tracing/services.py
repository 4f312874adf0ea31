"""Writes of family tracing: each checks the policy, changes state and records the audit event
in one transaction.

A request moves along `NEXT` (open → in progress → found → relationship verified →
reunified, or closed as not found, which may be reopened). "Found" needs the child's case
(a confirmed match, or the child's own case); "relationship verified" needs a verification
of the link and "reunified" one that also records both wills (SG-10). Every move and every
decision on a suggested match is written in the request's log. Nothing is ever linked or
merged by the matcher: `suggestion_confirm` is a person's decision, `suggestion_reject`
keeps the pair so that it is never suggested again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.accounts.models import Team, User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.cases.models import Case, CaseSequence, Relationship, Sex
from kinlink.cases.policies import can_edit_case
from kinlink.core.concurrency import save_versioned
from kinlink.tracing.models import (
    ActionKind,
    FiledBy,
    Origin,
    RequestStatus,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    TracingAction,
    TracingRequest,
    TracingVerification,
)
from kinlink.tracing.policies import can_decide, can_edit_request, can_file_request

NEXT: dict[str, frozenset[str]] = {
    RequestStatus.OPEN: frozenset(
        {RequestStatus.IN_PROGRESS, RequestStatus.FOUND, RequestStatus.CLOSED_NOT_FOUND}
    ),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.FOUND, RequestStatus.CLOSED_NOT_FOUND}),
    RequestStatus.FOUND: frozenset({RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS}),
    RequestStatus.VERIFIED: frozenset({RequestStatus.REUNIFIED}),
    RequestStatus.REUNIFIED: frozenset(),
    RequestStatus.CLOSED_NOT_FOUND: frozenset({RequestStatus.OPEN}),
}

SOUGHT_FIELDS = (
    "sought_given_name",
    "sought_family_name",
    "sought_name_original",
    "sought_other_names",
    "sought_sex",
    "sought_date_of_birth",
    "sought_age",
    "sought_nationality",
    "sought_place_of_origin",
    "sought_father_name",
    "sought_mother_name",
    "last_seen",
)
INQUIRER_FIELDS = ("inquirer_name", "inquirer_relationship", "inquirer_contact")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _next_reference(year: int) -> str:
    """TR-NODE-YEAR-NNNNN; the sequence row is locked until the transaction ends."""
    prefix = f"TR{settings.KINLINK_NODE_PREFIX}"[:8]
    CaseSequence.objects.get_or_create(prefix=prefix, year=year)
    sequence = CaseSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"TR-{settings.KINLINK_NODE_PREFIX}-{year}-{sequence.last:05d}"


def _log(request: TracingRequest, kind: str, text: str, actor: User | None) -> TracingAction:
    return TracingAction.objects.create(
        request=request, kind=kind, text=text, done_on=timezone.localdate(), actor=actor
    )


def _audit(
    actor: User | None,
    action: str,
    obj: Any,
    request: TracingRequest | None,
    changes: dict[str, Any],
    **context: Any,
) -> None:
    case_id = request.case_id if request is not None else getattr(obj, "case_id", None)
    record(
        actor=actor,
        action=action,
        obj=obj,
        case_id=case_id,
        changes=changes,
        actor_label="" if actor else "tracing",
        **context,
    )


def _clean_sought(values: dict[str, Any], *, filed_by: str) -> dict[str, Any]:
    """The request's fields, checked; every problem at once, by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in (*SOUGHT_FIELDS, *INQUIRER_FIELDS):
        value = values.get(name)
        cleaned[name] = value.strip() if isinstance(value, str) else value
    cleaned["sought_other_names"] = [
        str(n).strip()[:100] for n in values.get("sought_other_names") or [] if str(n).strip()
    ][:10]
    if not cleaned["sought_given_name"]:
        errors["sought_given_name"] = [_("Give at least the given name of the person sought.")]
    if filed_by == FiledBy.RELATIVE:
        if not cleaned["inquirer_name"]:
            errors["inquirer_name"] = [_("Give the name of who asks.")]
        if not cleaned["inquirer_relationship"]:
            errors["inquirer_relationship"] = [_("Say how they are related to the child.")]
    if cleaned["inquirer_relationship"] and cleaned["inquirer_relationship"] not in (
        Relationship.values
    ):
        errors["inquirer_relationship"] = [_("Choose a relationship from the list.")]
    if cleaned["sought_sex"] and cleaned["sought_sex"] not in Sex.values:
        errors["sought_sex"] = [_("Choose a sex from the list.")]
    born = cleaned["sought_date_of_birth"]
    if born is not None and (not isinstance(born, date) or born > timezone.localdate()):
        errors["sought_date_of_birth"] = [_("A date of birth cannot be in the future.")]
    age = cleaned["sought_age"]
    if age is not None and (not isinstance(age, int) or not 0 <= age <= 120):
        errors["sought_age"] = [_("Give an age between 0 and 120 years.")]
    nationality = (cleaned["sought_nationality"] or "").upper()
    if nationality and (len(nationality) != 2 or not nationality.isalpha()):
        errors["sought_nationality"] = [_("Give the country as its two-letter code.")]
    cleaned["sought_nationality"] = nationality
    if errors:
        raise ValidationError(errors)
    for name, value in cleaned.items():
        if value is None and name not in {"sought_date_of_birth", "sought_age"}:
            cleaned[name] = ""
    return cleaned


@transaction.atomic
def tracing_request_file(
    *,
    actor: User,
    team: Team,
    filed_by: str,
    values: dict[str, Any],
    case: Case | None = None,
) -> TracingRequest:
    """File a tracing request. A child's request is filed on the child's case (which the
    actor may edit); a relative's request names who asks and how they are related."""
    _require(can_file_request(actor) and actor.teams.filter(pk=team.pk).exists())
    FiledBy(filed_by)
    if filed_by == FiledBy.CHILD:
        if case is None:
            raise ValidationError({"case": _("A child's request is filed on the child's case.")})
        _require(can_edit_case(actor, case))
    cleaned = _clean_sought(values, filed_by=filed_by)
    today = timezone.localdate()
    request = TracingRequest.objects.create(
        reference=_next_reference(today.year),
        agency=team.agency,
        team=team,
        handled_by=actor,
        filed_by=filed_by,
        case=case if filed_by == FiledBy.CHILD else None,
        filed_on=today,
        **cleaned,
    )
    _log(request, ActionKind.STATUS, _("Request filed."), actor)
    _audit(
        actor,
        AuditAction.CREATE,
        request,
        request,
        {"status": [None, request.status], "filed_by": [None, filed_by]},
    )
    return request


@transaction.atomic
def tracing_request_update(
    *, actor: User, request: TracingRequest, seen_version: int, values: dict[str, Any]
) -> TracingRequest:
    """Correct whom the request looks for or who asks. A stale edit is refused."""
    _require(can_edit_request(actor, request))
    if not request.is_open:
        raise ValidationError(_("A closed request is not changed; reopen it first."))
    cleaned = _clean_sought(values, filed_by=request.filed_by)
    before = {name: getattr(request, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(request, name, value)
    save_versioned(request, seen_version=seen_version, fields=list(cleaned))
    changes = diff(before, cleaned)
    changes["version"] = [seen_version, request.version]
    _audit(actor, AuditAction.UPDATE, request, request, changes)
    return request


def latest_verification(request: TracingRequest) -> TracingVerification | None:
    return request.verifications.order_by("-verified_on", "-created_at").first()


@transaction.atomic
def tracing_request_move(
    *, actor: User, request: TracingRequest, seen_version: int, status: str, note: str = ""
) -> TracingRequest:
    """Move a request along `NEXT`, with the guards named in the module's docstring."""
    _require(can_edit_request(actor, request))
    if status not in RequestStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    previous = request.status
    if status not in NEXT[previous]:
        raise ValidationError(
            {
                "status": _("A request cannot move from “%(from)s” to “%(to)s”.")
                % {"from": RequestStatus(previous).label, "to": RequestStatus(status).label}
            }
        )
    verification = latest_verification(request)
    if status == RequestStatus.FOUND and request.case_id is None:
        raise ValidationError(
            {"status": _("Confirm the child's case first (a suggested match, on review).")}
        )
    if status == RequestStatus.VERIFIED and not (verification and verification.link_verified):
        raise ValidationError(
            {"status": _("Record a verification that confirms the relationship (SG-10).")}
        )
    if status == RequestStatus.REUNIFIED and not (verification and verification.confirmed):
        raise ValidationError(
            {
                "status": _(
                    "Reunification needs a verification that confirms the relationship, that "
                    "the information matches and that the child and the adult both want it "
                    "(SG-10)."
                )
            }
        )
    if status == RequestStatus.CLOSED_NOT_FOUND and not note.strip():
        raise ValidationError({"note": _("Say why the request is closed.")})
    request.status = status
    fields = ["status"]
    if status == RequestStatus.CLOSED_NOT_FOUND:
        request.closed_reason = note.strip()
        fields.append("closed_reason")
    save_versioned(request, seen_version=seen_version, fields=fields)
    text = _("Status: %(status)s.") % {"status": RequestStatus(status).label}
    _log(request, ActionKind.STATUS, f"{text} {note.strip()}".strip(), actor)
    _audit(
        actor,
        AuditAction.UPDATE,
        request,
        request,
        {"status": [previous, status], "version": [seen_version, request.version]},
    )
    return request


@transaction.atomic
def tracing_action_add(
    *, actor: User, request: TracingRequest, kind: str, text: str, done_on: date | None = None
) -> TracingAction:
    """Write what was done for the request in its log (a call, a search, a visit)."""
    _require(can_edit_request(actor, request))
    errors: dict[str, list[str]] = {}
    if kind not in {ActionKind.CONTACT, ActionKind.SEARCH, ActionKind.NOTE}:
        errors["kind"] = [_("Choose what was done from the list.")]
    if not text.strip():
        errors["text"] = [_("Say what was done.")]
    day = done_on or timezone.localdate()
    if day > timezone.localdate():
        errors["done_on"] = [_("An action cannot be dated in the future.")]
    if errors:
        raise ValidationError(errors)
    action = TracingAction.objects.create(
        request=request, kind=kind, text=text.strip(), done_on=day, actor=actor
    )
    _audit(actor, AuditAction.CREATE, action, request, {"kind": [None, kind]})
    return action


VERIFICATION_FIELDS = (
    "adult_name",
    "relationship",
    "how_verified",
    "verified_by",
    "verified_on",
    "relationship_confirmed",
    "information_matches",
    "child_willing",
    "adult_willing",
    "notes",
)


@transaction.atomic
def tracing_verification_record(
    *, actor: User, request: TracingRequest, values: dict[str, Any]
) -> TracingVerification:
    """Record how the relationship with the family found was verified, and by whom (SG-10)."""
    _require(can_edit_request(actor, request))
    errors: dict[str, list[str]] = {}
    cleaned = {name: values.get(name) for name in VERIFICATION_FIELDS}
    for name in ("adult_name", "how_verified", "verified_by", "notes"):
        cleaned[name] = str(cleaned[name] or "").strip()
    for name in ("adult_name", "how_verified", "verified_by"):
        if not cleaned[name]:
            errors[name] = [_("This is needed to verify the relationship.")]
    if cleaned["relationship"] not in Relationship.values:
        errors["relationship"] = [_("Choose a relationship from the list.")]
    day = cleaned["verified_on"]
    if not isinstance(day, date):
        errors["verified_on"] = [_("Give the date of the verification.")]
    elif day > timezone.localdate():
        errors["verified_on"] = [_("A verification cannot be dated in the future.")]
    if request.case_id is None:
        errors["__all__"] = [_("Confirm the child's case before verifying the relationship.")]
    if errors:
        raise ValidationError(errors)
    for name in ("relationship_confirmed", "information_matches", "child_willing", "adult_willing"):
        cleaned[name] = bool(cleaned[name])
    verification = TracingVerification.objects.create(request=request, recorded_by=actor, **cleaned)
    _log(
        request,
        ActionKind.NOTE,
        _("Verification recorded: %(result)s.")
        % {
            "result": _("confirmed")
            if verification.confirmed
            else _("link verified")
            if verification.link_verified
            else _("not confirmed")
        },
        actor,
    )
    _audit(
        actor,
        AuditAction.CREATE,
        verification,
        request,
        {"confirmed": [None, verification.confirmed]},
    )
    return verification


# --- suggested matches ------------------------------------------------------------------------


def _suggestion_audit(actor: User, suggestion: Suggestion, changes: dict[str, Any]) -> None:
    """A decision is audited on each case it pairs (each child's history shows it)."""
    for case_id in filter(None, (suggestion.case_id, suggestion.other_case_id)):
        record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=suggestion,
            case_id=case_id,
            changes=changes,
            request=str(suggestion.request_id or ""),
        )


@transaction.atomic
def suggestion_confirm(
    *, actor: User, suggestion: Suggestion, seen_version: int, reason: str = ""
) -> Suggestion:
    """A caseworker says the pair is one child. For a tracing request the case becomes the
    child's case and the request is found; two cases are only marked as one child (nothing
    is merged: the caseworker then closes or links one of them by hand)."""
    _require(can_decide(actor, suggestion))
    if suggestion.status != SuggestionStatus.NEW:
        raise ValidationError(_("This suggestion was already decided."))
    request = suggestion.request
    if request is not None:
        if not request.is_open:
            raise ValidationError(_("The request is closed; reopen it first."))
        if request.case_id and request.case_id != suggestion.case_id:
            raise ValidationError(_("Another case was already confirmed for this request."))
    suggestion.status = SuggestionStatus.CONFIRMED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.reason = reason.strip()
    save_versioned(
        suggestion,
        seen_version=seen_version,
        fields=["status", "decided_by", "decided_at", "reason"],
    )
    _suggestion_audit(actor, suggestion, {"status": [SuggestionStatus.NEW, "confirmed"]})
    if request is not None:
        request.case = suggestion.case
        fields = ["case"]
        if request.status in {RequestStatus.OPEN, RequestStatus.IN_PROGRESS}:
            request.status = RequestStatus.FOUND
            fields.append("status")
        save_versioned(request, seen_version=request.version, fields=fields)
        _log(
            request,
            ActionKind.MATCH,
            _("Match confirmed with case %(reference)s.")
            % {"reference": suggestion.case.reference},
            actor,
        )
        _audit(actor, AuditAction.UPDATE, request, request, {"case": [None, str(request.case_id)]})
        if request.origin == Origin.ABROAD:
            from kinlink.tracing.abroad import answer_confirmed

            answer_confirmed(actor=actor, request=request)
    return suggestion


@transaction.atomic
def suggestion_reject(
    *, actor: User, suggestion: Suggestion, seen_version: int, reason: str
) -> Suggestion:
    """A caseworker says the pair is two children. The pair is kept, never suggested again."""
    _require(can_decide(actor, suggestion))
    if suggestion.status != SuggestionStatus.NEW:
        raise ValidationError(_("This suggestion was already decided."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why these are not the same child.")})
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.reason = reason.strip()
    save_versioned(
        suggestion,
        seen_version=seen_version,
        fields=["status", "decided_by", "decided_at", "reason"],
    )
    _suggestion_audit(actor, suggestion, {"status": [SuggestionStatus.NEW, "rejected"]})
    if suggestion.request is not None:
        _log(
            suggestion.request,
            ActionKind.MATCH,
            _("Suggested case rejected: %(reason)s") % {"reason": suggestion.reason},
            actor,
        )
    return suggestion


def suggestion_kind_label(suggestion: Suggestion) -> str:
    return str(SuggestionKind(suggestion.kind).label)
