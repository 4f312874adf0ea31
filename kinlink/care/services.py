"""Writes on care, guardianship, the support plan and legal procedures.

Each service checks the policy (`can_edit_case`), changes state and records the audit event in
one transaction; the case's summary facts (guardianship, legal status) are kept through
`cases.services.case_facts_update` so that every safeguard can read them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.accounts.models import NotificationKind, Role, User
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.care.models import (
    CURRENT_GUARDIANSHIP,
    DETENTION,
    RESTRICTING_CONTACT,
    CareArrangement,
    CareEndReason,
    CareType,
    DetentionRecord,
    FamilyContact,
    Goal,
    GoalArea,
    GoalStatus,
    GuardianException,
    Guardianship,
    GuardianshipEndReason,
    GuardianshipState,
    LegalProcedure,
    ProcedureStatus,
    ProcedureType,
    SupportPlan,
    TransitionPlan,
)
from kinlink.cases import workflow
from kinlink.cases.jobs import eighteenth_birthday
from kinlink.cases.models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    AssignmentRole,
    Case,
    CaseAssignment,
    ContactWish,
    GuardianshipStatus,
    LegalStatus,
    SeparationStatus,
    TaskKind,
    TaskStatus,
)
from kinlink.cases.policies import assignable_users, can_assign, can_edit_case
from kinlink.cases.services import (
    case_assignment_grant,
    case_assignment_revoke,
    case_facts_update,
)
from kinlink.core.concurrency import save_versioned
from kinlink.core.models import NodeSettings
from kinlink.directory.reference import is_country, is_language

# Roles whose holders may own a goal of the support plan.
GOAL_OWNER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.GUARDIAN)


def _require_edit(actor: User, case: Case) -> None:
    if not can_edit_case(actor, case):
        raise PermissionDenied


def _due_at(day: date) -> datetime:
    """A due date as the end of that working day (17:00), in the node's time zone.

    Care records carry days (a goal's due date, a procedure's deadline) while tasks carry times:
    every care task due on a day is due at 17:00 of it, through this one conversion.
    """
    return timezone.make_aware(datetime.combine(day, time(17)))


def detention_message() -> str:
    """SG-01: what a caseworker reads who tries to record detention as a care option."""
    return _(
        "Detention is never a care arrangement. If the child is held in detention, record it "
        "with “Report detention” on the case page: the supervisors and the guardian are alerted."
    )


# --- care arrangements -----------------------------------------------------------------


@transaction.atomic
def care_arrangement_start(
    *,
    actor: User,
    case: Case,
    care_type: str,
    country: str,
    legal_basis: str,
    start_date: date,
    carer_name: str = "",
    address: str = "",
) -> CareArrangement:
    """Record where the child now lives; the current arrangement ends on the new start date.

    Detention is refused whatever the form sent (SG-01): it is an incident, recorded with
    `detention_record`. The new arrangement cannot start before the current one did.
    """
    _require_edit(actor, case)
    if care_type == DETENTION:
        raise ValidationError({"care_type": detention_message()})
    if care_type not in CareType.values:
        raise ValidationError({"care_type": _("Choose a type of care from the list.")})
    if not is_country(country):
        raise ValidationError({"country": _("Choose a country from the list.")})
    current = (
        CareArrangement.objects.select_for_update().filter(case=case, end_date__isnull=True).first()
    )
    if current is not None:
        if start_date < current.start_date:
            raise ValidationError(
                {
                    "start_date": _(
                        "The current arrangement started on %(day)s: the new one cannot "
                        "start earlier."
                    )
                    % {"day": current.start_date.isoformat()}
                }
            )
        _end(actor=actor, arrangement=current, end_date=start_date, reason=CareEndReason.MOVED)
    arrangement = CareArrangement(
        case=case,
        care_type=care_type,
        carer_name=carer_name.strip(),
        address=address.strip(),
        country=country,
        legal_basis=legal_basis,
        start_date=start_date,
        recorded_by=actor,
    )
    arrangement.full_clean(exclude=["case", "recorded_by"])
    arrangement.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=arrangement,
        case_id=case.pk,
        changes={
            "care_type": [None, care_type],
            "country": [None, country],
            "legal_basis": [None, legal_basis],
            "start_date": [None, start_date],
        },
    )
    return arrangement


def _end(*, actor: User, arrangement: CareArrangement, end_date: date, reason: str) -> None:
    arrangement.end_date, arrangement.end_reason = end_date, reason
    save_versioned(arrangement, seen_version=arrangement.version, fields=["end_date", "end_reason"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=arrangement,
        case_id=arrangement.case_id,
        changes={"end_date": [None, end_date], "end_reason": [None, reason]},
    )


@transaction.atomic
def care_arrangement_end(
    *,
    actor: User,
    arrangement: CareArrangement,
    seen_version: int,
    end_date: date,
    end_reason: str,
) -> CareArrangement:
    """End the current arrangement (the child left, came of age…) without starting another."""
    _require_edit(actor, arrangement.case)
    if arrangement.end_date is not None:
        raise ValidationError(_("This arrangement has already ended."))
    if end_reason not in CareEndReason.values:
        raise ValidationError({"end_reason": _("Choose a reason from the list.")})
    if end_date < arrangement.start_date:
        raise ValidationError({"end_date": _("The end cannot be before the start.")})
    arrangement.end_date, arrangement.end_reason = end_date, end_reason
    save_versioned(arrangement, seen_version=seen_version, fields=["end_date", "end_reason"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=arrangement,
        case_id=arrangement.case_id,
        changes={
            "end_date": [None, end_date],
            "end_reason": [None, end_reason],
            "version": [seen_version, arrangement.version],
        },
    )
    return arrangement


# --- detention (SG-01) -----------------------------------------------------------------


def detention_recipients(case: Case) -> list[User]:
    """The case's supervisors and every guardian assigned to it."""
    guardians = User.objects.filter(
        is_active=True,
        case_assignments__case=case,
        case_assignments__role=AssignmentRole.GUARDIAN,
    )
    seen: dict[Any, User] = {u.pk: u for u in workflow.supervisors_of(case)}
    for user in guardians:
        seen.setdefault(user.pk, user)
    return list(seen.values())


@transaction.atomic
def detention_record(
    *,
    actor: User,
    case: Case,
    place: str,
    authority: str,
    started_on: date,
    ended_on: date | None = None,
    notes: str = "",
) -> DetentionRecord:
    """Record that the child is (or was) held in detention, and alert at once (SG-01).

    The case's supervisors and every guardian assigned to the case are notified, with a link
    to the case; the notification names the case reference, never the child.
    """
    _require_edit(actor, case)
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": _("The release cannot be before the detention.")})
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("The detention cannot start in the future.")})
    detention = DetentionRecord(
        case=case,
        place=place.strip(),
        authority=authority.strip(),
        started_on=started_on,
        ended_on=ended_on,
        notes=notes.strip(),
        recorded_by=actor,
    )
    detention.full_clean(exclude=["case", "recorded_by"])
    detention.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=detention,
        case_id=case.pk,
        changes={
            "place": [None, detention.place],
            "authority": [None, detention.authority],
            "started_on": [None, started_on],
            "ended_on": [None, ended_on],
        },
    )
    notification_send(
        recipients=detention_recipients(case),
        kind=NotificationKind.DETENTION,
        link=reverse("cases:detail", args=[case.pk]) + "#care",
        reference=case.reference,
    )
    return detention


@transaction.atomic
def detention_end(
    *, actor: User, detention: DetentionRecord, seen_version: int, ended_on: date
) -> DetentionRecord:
    """Record the child's release from detention."""
    _require_edit(actor, detention.case)
    if detention.ended_on is not None:
        raise ValidationError(_("The release is already recorded."))
    if ended_on < detention.started_on:
        raise ValidationError({"ended_on": _("The release cannot be before the detention.")})
    detention.ended_on = ended_on
    save_versioned(detention, seen_version=seen_version, fields=["ended_on"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=detention,
        case_id=detention.case_id,
        changes={"ended_on": [None, ended_on], "version": [seen_version, detention.version]},
    )
    return detention


# --- guardianship (SG-03) --------------------------------------------------------------


def current_guardianship(case: Case, *, lock: bool = False) -> Guardianship | None:
    rows = Guardianship.objects.filter(case=case, status__in=CURRENT_GUARDIANSHIP)
    if lock:
        rows = rows.select_for_update()
    return rows.first()


def _open_request(*, actor: User | None, case: Case, requested_at: datetime) -> Guardianship:
    """A guardianship request with its task, due after the node's appointment delay."""
    term = Guardianship.objects.create(
        case=case, status=GuardianshipState.REQUESTED, requested_on=requested_at.date()
    )
    record(
        actor=actor,
        actor_label="" if actor else "system",
        action=AuditAction.CREATE,
        obj=term,
        case_id=case.pk,
        changes={"status": [None, GuardianshipState.REQUESTED]},
    )
    days = NodeSettings.current().guardian_appointment_days
    workflow.task_open(
        case=case,
        kind=TaskKind.GUARDIAN,
        title=gettext_lazy("Have a guardian appointed"),
        due_at=requested_at + timedelta(days=days),
        owner=case.lead_caseworker,
        source_id=term.pk,
        actor=actor,
    )
    case_facts_update(actor=actor, case=case, guardianship_status=GuardianshipStatus.REQUESTED)
    return term


@receiver(workflow.case_registered, dispatch_uid="care.guardian_request_at_registration")
def guardian_request_at_registration(sender: Any, case: Case, actor: User, **kwargs: Any) -> None:
    """An unaccompanied child gets a guardian request at registration (SG-03): its task is
    due `guardian_appointment_days` after the registration and escalates when missed."""
    if case.separation_status != SeparationStatus.UNACCOMPANIED:
        return
    # Imports may date the registration back; the stored time is the one that counts.
    registered_at = Case.objects.values_list("created_at", flat=True).get(pk=case.pk)
    _open_request(actor=actor, case=case, requested_at=registered_at)


@transaction.atomic
def guardian_request(*, actor: User, case: Case) -> Guardianship:
    """Ask for a guardian by hand (a separated child, or after a guardianship ended)."""
    _require_edit(actor, case)
    if current_guardianship(case, lock=True) is not None:
        raise ValidationError(_("A guardian is already requested or appointed for this child."))
    return _open_request(actor=actor, case=case, requested_at=timezone.now())


def _check_guardian(
    case: Case, guardian_name: str, appointed_on: date, languages: list[str], user: User | None
) -> None:
    if not guardian_name.strip():
        raise ValidationError({"guardian_name": _("Give the guardian's name.")})
    if appointed_on > timezone.localdate():
        raise ValidationError({"appointed_on": _("The appointment cannot be in the future.")})
    if any(not is_language(code) for code in languages):
        raise ValidationError({"languages": _("Choose languages from the list.")})
    if (
        user is not None
        and not assignable_users(case, AssignmentRole.GUARDIAN).filter(pk=user.pk).exists()
    ):
        raise ValidationError({"user": _("Choose a guardian's account of this agency.")})


def _has_guardian_access(case: Case, user: User) -> bool:
    return CaseAssignment.objects.filter(
        case=case, user=user, role=AssignmentRole.GUARDIAN
    ).exists()


def guardian_access_message() -> str:
    return _(
        "Only a supervisor can give the guardian access to the case; record the appointment "
        "without the account, and ask your supervisor."
    )


def _check_guardian_access(*, actor: User, case: Case, user: User | None) -> None:
    """Naming the guardian's account gives it access to the child's case: a supervisor's
    decision (`case_assignment_grant`). A caseworker records the appointment without the
    account; an account that already holds the guardian's access (the same guardian in a new
    term) gains nothing, so anyone who edits the case may name it."""
    if user is None or can_assign(actor, case) or _has_guardian_access(case, user):
        return
    raise ValidationError({"user": guardian_access_message()})


def _assign_guardian(*, actor: User, case: Case, user: User) -> None:
    if _has_guardian_access(case, user):
        return
    case_assignment_grant(actor=actor, case=case, user=user, role=AssignmentRole.GUARDIAN)


def _unassign_guardian(*, actor: User, case: Case, user: User, keep: User | None) -> None:
    """The outgoing guardian stops seeing the case, unless she stays on in a new term."""
    if keep is not None and keep.pk == user.pk:
        return
    case_assignment_revoke(actor=actor, case=case, user=user, role=AssignmentRole.GUARDIAN)


def _appoint(
    *,
    actor: User,
    case: Case,
    term: Guardianship | None,
    guardian_name: str,
    organisation: str,
    appointing_authority: str,
    legal_basis: str,
    appointed_on: date,
    languages: list[str],
    user: User | None,
) -> Guardianship:
    values = {
        "guardian_name": guardian_name.strip(),
        "organisation": organisation.strip(),
        "appointing_authority": appointing_authority.strip(),
        "legal_basis": legal_basis,
        "appointed_on": appointed_on,
        "languages": list(languages),
        "user": user,
    }
    if term is None:
        term = Guardianship(case=case, requested_on=appointed_on)
        before: dict[str, Any] = {"status": None}
    else:
        before = {"status": term.status}
    for name, value in values.items():
        setattr(term, name, value)
    term.status = GuardianshipState.APPOINTED
    term.full_clean(exclude=["case", "user"])
    if term._state.adding:
        term.save()
    else:
        save_versioned(term, seen_version=term.version, fields=[*values, "status"])
    changes = diff(before, {"status": term.status})
    changes |= {
        name: [None, value if name != "user" else (user.username if user else None)]
        for name, value in values.items()
        if name != "guardian_name"  # a name stays in the record, not in the trail
    }
    record(actor=actor, action=AuditAction.UPDATE, obj=term, case_id=case.pk, changes=changes)
    workflow.tasks_close_for(source_id=term.pk, actor=actor)
    if user is not None:
        _assign_guardian(actor=actor, case=case, user=user)
    case_facts_update(actor=actor, case=case, guardianship_status=GuardianshipStatus.APPOINTED)
    return term


@transaction.atomic
def guardian_appoint(
    *,
    actor: User,
    case: Case,
    guardian_name: str,
    appointing_authority: str,
    legal_basis: str,
    appointed_on: date,
    organisation: str = "",
    languages: list[str] | None = None,
    user: User | None = None,
) -> Guardianship:
    """Record the appointment of a guardian or person of reference (SG-03).

    It fulfils the open request (closing its task as done) or, with none, stands on its own.
    A guardian with a Kinlink account is assigned to the case so that she sees it; giving that
    access is a supervisor's decision, so a caseworker records the appointment without the
    account. Replacing a guardian already appointed goes through `guardian_replace`.
    """
    _require_edit(actor, case)
    languages = languages or []
    _check_guardian(case, guardian_name, appointed_on, languages, user)
    _check_guardian_access(actor=actor, case=case, user=user)
    term = current_guardianship(case, lock=True)
    if term is not None and term.status == GuardianshipState.APPOINTED:
        raise ValidationError(
            _("A guardian is already appointed: replace them instead of appointing another.")
        )
    return _appoint(
        actor=actor,
        case=case,
        term=term,
        guardian_name=guardian_name,
        organisation=organisation,
        appointing_authority=appointing_authority,
        legal_basis=legal_basis,
        appointed_on=appointed_on,
        languages=languages,
        user=user,
    )


def _close_term(
    *,
    actor: User,
    term: Guardianship,
    seen_version: int,
    status: str,
    ended_on: date,
    reason: str,
    note: str,
) -> None:
    before = {"status": term.status}
    term.status, term.ended_on, term.end_reason, term.end_note = status, ended_on, reason, note
    save_versioned(
        term, seen_version=seen_version, fields=["status", "ended_on", "end_reason", "end_note"]
    )
    changes = diff(before, {"status": status})
    changes |= {"ended_on": [None, ended_on], "end_reason": [None, reason]}
    changes["version"] = [seen_version, term.version]
    record(actor=actor, action=AuditAction.UPDATE, obj=term, case_id=term.case_id, changes=changes)
    # A term closed before an appointment (a withdrawn request) leaves its task undone.
    workflow.tasks_close_for(source_id=term.pk, actor=actor, status=TaskStatus.CANCELLED)


@transaction.atomic
def guardian_replace(
    *,
    actor: User,
    case: Case,
    seen_version: int,
    guardian_name: str,
    appointing_authority: str,
    legal_basis: str,
    appointed_on: date,
    organisation: str = "",
    languages: list[str] | None = None,
    user: User | None = None,
    note: str = "",
) -> Guardianship:
    """End the current guardian's term (replaced) and appoint the new guardian the same day.

    The outgoing guardian's account loses its access; the new one's is given as in
    `guardian_appoint` (by a supervisor)."""
    _require_edit(actor, case)
    languages = languages or []
    _check_guardian(case, guardian_name, appointed_on, languages, user)
    _check_guardian_access(actor=actor, case=case, user=user)
    current = current_guardianship(case, lock=True)
    if current is None or current.status != GuardianshipState.APPOINTED:
        raise ValidationError(_("No guardian is appointed: appoint one instead."))
    if current.appointed_on and appointed_on < current.appointed_on:
        raise ValidationError(
            {"appointed_on": _("The new appointment cannot be before the current one.")}
        )
    _close_term(
        actor=actor,
        term=current,
        seen_version=seen_version,
        status=GuardianshipState.REPLACED,
        ended_on=appointed_on,
        reason=GuardianshipEndReason.REPLACED,
        note=note.strip(),
    )
    if current.user is not None:
        _unassign_guardian(actor=actor, case=case, user=current.user, keep=user)
    return _appoint(
        actor=actor,
        case=case,
        term=None,
        guardian_name=guardian_name,
        organisation=organisation,
        appointing_authority=appointing_authority,
        legal_basis=legal_basis,
        appointed_on=appointed_on,
        languages=languages,
        user=user,
    )


@transaction.atomic
def guardian_end(
    *,
    actor: User,
    case: Case,
    seen_version: int,
    ended_on: date,
    reason: str,
    note: str = "",
) -> Guardianship:
    """End the current guardianship (18th birthday, reunification with a parent…) or withdraw
    a request; the guardian's account stops seeing the case."""
    _require_edit(actor, case)
    if reason not in GuardianshipEndReason.values or reason == GuardianshipEndReason.REPLACED:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    if reason == GuardianshipEndReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why the guardianship ends.")})
    term = current_guardianship(case, lock=True)
    if term is None:
        raise ValidationError(_("There is no current guardianship to end."))
    if ended_on < (term.appointed_on or term.requested_on):
        raise ValidationError({"ended_on": _("The end cannot be before the appointment.")})
    _close_term(
        actor=actor,
        term=term,
        seen_version=seen_version,
        status=GuardianshipState.ENDED,
        ended_on=ended_on,
        reason=reason,
        note=note.strip(),
    )
    if term.user is not None:
        _unassign_guardian(actor=actor, case=case, user=term.user, keep=None)
    # A withdrawn request leaves the child without need of a guardian on record.
    was_appointed = term.appointed_on is not None
    fact = GuardianshipStatus.ENDED if was_appointed else GuardianshipStatus.NONE
    case_facts_update(actor=actor, case=case, guardianship_status=fact)
    return term


# --- support plan (step 4) -------------------------------------------------------------

PLAN_FIELDS = (
    "concerns",
    "child_participation",
    "review_on",
    "family_contact",
    "contact_plan",
    "contact_restriction_reason",
)
MIN_CONTACT_REASON = 10


def contact_warning_message() -> str:
    """SG-15: what a caseworker reads who restricts contact the child asked for."""
    return _(
        "The child wants contact with the family: restricting it goes against the child's "
        "wish. Say why, and tick that you weighed the child's wish, to save the plan."
    )


def against_childs_wish(case: Case, family_contact: str) -> bool:
    """The plan restricts contact with the family while the child last said she wants it."""
    return (
        family_contact in RESTRICTING_CONTACT and case.child_wants_family_contact == ContactWish.YES
    )


def _check_plan(values: dict[str, Any]) -> None:
    """Concerns named; contact with the family facilitated unless a reason says otherwise
    (SG-15)."""
    errors: dict[str, str] = {}
    if not str(values.get("concerns") or "").strip():
        errors["concerns"] = _("Say which protection concerns the plan addresses.")
    if values["family_contact"] not in FamilyContact.values:
        errors["family_contact"] = _("Choose how contact with the family happens.")
    elif values["family_contact"] in RESTRICTING_CONTACT and (
        len(values["contact_restriction_reason"]) < MIN_CONTACT_REASON
    ):
        errors["contact_restriction_reason"] = _(
            "Say why contact with the family is restricted (at least %(n)s characters)."
        ) % {"n": MIN_CONTACT_REASON}
    if errors:
        raise ValidationError(errors)


def _contact_values(
    *, family_contact: str, contact_plan: str, contact_restriction_reason: str
) -> dict[str, Any]:
    family_contact = family_contact or FamilyContact.FACILITATED
    return {
        "family_contact": family_contact,
        "contact_plan": contact_plan.strip(),
        "contact_restriction_reason": (
            contact_restriction_reason.strip() if family_contact in RESTRICTING_CONTACT else ""
        ),
    }


def _acknowledge_contact(
    *,
    actor: User,
    plan: SupportPlan,
    acknowledged: bool,
    changes: dict[str, Any],
    kept: bool = False,
) -> list[str]:
    """SG-15 (WARN): restricting contact against the child's wish is saved only once the
    warning is acknowledged; who acknowledged it and when is kept and audited. `kept`: the
    same restriction, already acknowledged, saved again. Answers the fields to save."""
    if not against_childs_wish(plan.case, plan.family_contact):
        if plan.contact_warning_acknowledged_at is None:
            return []
        plan.contact_warning_acknowledged_at, plan.contact_warning_acknowledged_by = None, None
        return ["contact_warning_acknowledged_at", "contact_warning_acknowledged_by"]
    if kept:
        return []
    if not acknowledged:
        raise ValidationError({"family_contact": contact_warning_message()})
    plan.contact_warning_acknowledged_at = timezone.now()
    plan.contact_warning_acknowledged_by = actor
    changes["contact_warning_acknowledged"] = [None, True]
    return ["contact_warning_acknowledged_at", "contact_warning_acknowledged_by"]


def plan_pending_message() -> str:
    return _(
        "The plan waits for approval: wait for the decision or ask your supervisor to send it back."
    )


def _plan_for_change(plan: SupportPlan) -> SupportPlan:
    """The plan under a row lock, refused while it waits for approval: the supervisor decides
    on the plan as it was submitted."""
    locked = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.is_pending:
        raise ValidationError(plan_pending_message())
    return locked


def _withdraw_approval(plan: SupportPlan, changes: dict[str, Any]) -> list[str]:
    """A changed approved plan is no longer the text approved: it needs approval again.
    Notes the change in `changes`; answers the fields to save."""
    if plan.approved_at is None:
        return []
    changes["approved_at"] = [plan.approved_at.isoformat(), None]
    plan.approved_at, plan.approved_by, plan.submitted_at = None, None, None
    return ["approved_at", "approved_by", "submitted_at"]


@transaction.atomic
def support_plan_create(
    *,
    actor: User,
    case: Case,
    concerns: str,
    review_on: date,
    child_participation: str = "",
    family_contact: str = "",
    contact_plan: str = "",
    contact_restriction_reason: str = "",
    acknowledge_contact_warning: bool = False,
) -> SupportPlan:
    """Open the child's individual support plan; a case has one, reviewed over time. Its
    contact plan facilitates contact with the family by default; a restriction needs a reason,
    and one against the child's wish an acknowledged warning (SG-15)."""
    _require_edit(actor, case)
    values = {
        "concerns": concerns.strip(),
        "child_participation": child_participation.strip(),
        "review_on": review_on,
        **_contact_values(
            family_contact=family_contact,
            contact_plan=contact_plan,
            contact_restriction_reason=contact_restriction_reason,
        ),
    }
    _check_plan(values)
    if SupportPlan.objects.filter(case=case).exists():
        raise ValidationError(_("This case already has a support plan: update it instead."))
    plan = SupportPlan(case=case, **values)
    changes: dict[str, Any] = {
        name: [None, value]
        for name, value in values.items()
        if name != "contact_restriction_reason"
    }
    _acknowledge_contact(
        actor=actor, plan=plan, acknowledged=acknowledge_contact_warning, changes=changes
    )
    plan.full_clean(exclude=["case", "contact_warning_acknowledged_by"])
    plan.save()
    record(actor=actor, action=AuditAction.CREATE, obj=plan, case_id=case.pk, changes=changes)
    return plan


@transaction.atomic
def support_plan_update(
    *,
    actor: User,
    plan: SupportPlan,
    seen_version: int,
    concerns: str,
    review_on: date,
    child_participation: str = "",
    family_contact: str = "",
    contact_plan: str = "",
    contact_restriction_reason: str = "",
    acknowledge_contact_warning: bool = False,
) -> SupportPlan:
    """Review the plan. Waiting for approval it is frozen; once approved, a change withdraws
    the approval, since the supervisor approved another text. A contact restriction against
    the child's wish is saved only with its warning acknowledged, each time (SG-15)."""
    _require_edit(actor, plan.case)
    if plan.is_pending:
        raise ValidationError(_("The plan is waiting for approval: it cannot change meanwhile."))
    values = {
        "concerns": concerns.strip(),
        "child_participation": child_participation.strip(),
        "review_on": review_on,
        **_contact_values(
            family_contact=family_contact,
            contact_plan=contact_plan,
            contact_restriction_reason=contact_restriction_reason,
        ),
    }
    _check_plan(values)
    before = {name: getattr(plan, name) for name in PLAN_FIELDS}
    changes = diff(before, values)
    changes.pop("contact_restriction_reason", None)
    kept = (
        before["family_contact"] == values["family_contact"]
        and plan.contact_warning_acknowledged_at is not None
    )
    for name, value in values.items():
        setattr(plan, name, value)
    fields = list(PLAN_FIELDS)
    fields += _acknowledge_contact(
        actor=actor,
        plan=plan,
        acknowledged=acknowledge_contact_warning,
        changes=changes,
        kept=kept,
    )
    if changes:
        fields += _withdraw_approval(plan, changes)
    save_versioned(plan, seen_version=seen_version, fields=fields)
    changes["version"] = [seen_version, plan.version]
    record(actor=actor, action=AuditAction.UPDATE, obj=plan, case_id=plan.case_id, changes=changes)
    return plan


def views_missing_message() -> str:
    return _("Record the child's views before asking approval of the plan.")


@transaction.atomic
def support_plan_submit(*, actor: User, plan: SupportPlan) -> Approval:
    """Ask a supervisor to approve the plan; refused while the child's views are not on record
    (SG-04) or while the plan has no goal."""
    case = plan.case
    _require_edit(actor, case)
    if case.child_views_recorded_at is None:
        raise ValidationError(views_missing_message())
    if plan.approved_at is not None:
        raise ValidationError(_("The plan is already approved."))
    if not plan.goals.exists():
        raise ValidationError(_("Add at least one goal before asking approval of the plan."))
    approval = workflow.approval_request(
        actor=actor, case=case, subject=ApprovalSubject.SUPPORT_PLAN, object_id=plan.pk
    )
    plan.submitted_at = timezone.now()
    save_versioned(plan, seen_version=plan.version, fields=["submitted_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        case_id=case.pk,
        changes={"submitted_at": [None, plan.submitted_at]},
    )
    return approval


@workflow.approval_handler(ApprovalSubject.SUPPORT_PLAN)
def support_plan_approval_decided(approval: Approval, actor: User) -> None:
    """Approved: the plan is stamped with who approved it and when. Sent back: it may be
    edited and submitted again."""
    plan = SupportPlan.objects.select_for_update().filter(pk=approval.object_id).first()
    if plan is None:
        return
    if approval.status == ApprovalStatus.APPROVED:
        fields: dict[str, Any] = {"approved_at": timezone.now(), "approved_by": actor}
    else:
        fields = {"submitted_at": None}
    SupportPlan.objects.filter(pk=plan.pk).update(**fields, version=plan.version + 1)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        case_id=plan.case_id,
        changes={name: [None, value] for name, value in fields.items()},
    )


def goal_owners(case: Case) -> Any:
    """Who may own a goal: active staff of the case's agency who work on cases."""
    return User.objects.filter(
        agency_id=case.agency_id, is_active=True, role__in=GOAL_OWNER_ROLES
    ).order_by("full_name")


@transaction.atomic
def goal_add(
    *,
    actor: User,
    plan: SupportPlan,
    area: str,
    description: str,
    owner: User,
    due_on: date,
) -> Goal:
    """Add a goal to the plan and open its task for the owner, due on the goal's date.

    Refused while the plan waits for approval; a goal added to an approved plan withdraws the
    approval, as any change of the plan does (`support_plan_update`)."""
    case = plan.case
    _require_edit(actor, case)
    plan = _plan_for_change(plan)
    if not description.strip():
        raise ValidationError({"description": _("Describe the goal.")})
    if not goal_owners(case).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose a member of staff of this agency.")})
    goal = Goal(plan=plan, area=area, description=description.strip(), owner=owner, due_on=due_on)
    goal.full_clean(exclude=["plan", "owner"])
    goal.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=goal,
        case_id=case.pk,
        changes={"area": [None, area], "owner": [None, owner.username], "due_on": [None, due_on]},
    )
    plan_changes: dict[str, Any] = {}
    withdrawn = _withdraw_approval(plan, plan_changes)
    if withdrawn:
        seen_version = plan.version
        save_versioned(plan, seen_version=seen_version, fields=withdrawn)
        plan_changes["version"] = [seen_version, plan.version]
        record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=plan,
            case_id=case.pk,
            changes=plan_changes,
        )
    workflow.task_open(
        case=case,
        kind=TaskKind.SUPPORT_PLAN,
        title=gettext_lazy("Support plan goal: %(area)s"),
        title_params={"area": GoalArea(goal.area).label},
        due_at=_due_at(due_on),
        owner=owner,
        source_id=goal.pk,
        actor=actor,
    )
    return goal


@transaction.atomic
def goal_complete(*, actor: User, goal: Goal, seen_version: int) -> Goal:
    """Mark a goal achieved; its task closes. Refused while the plan waits for approval."""
    _require_edit(actor, goal.plan.case)
    _plan_for_change(goal.plan)
    if goal.status == GoalStatus.DONE:
        raise ValidationError(_("This goal is already achieved."))
    goal.status, goal.completed_on = GoalStatus.DONE, timezone.localdate()
    save_versioned(goal, seen_version=seen_version, fields=["status", "completed_on"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=goal,
        case_id=goal.plan.case_id,
        changes={
            "status": [GoalStatus.OPEN, GoalStatus.DONE],
            "version": [seen_version, goal.version],
        },
    )
    workflow.tasks_close_for(source_id=goal.pk, actor=actor)
    return goal


# --- legal procedures ------------------------------------------------------------------

PROCEDURE_FIELDS = (
    "procedure_type",
    "authority",
    "file_number",
    "lodged_on",
    "status",
    "next_deadline",
    "deadline_what",
)
PENDING_ORDER = (ProcedureStatus.APPEAL, ProcedureStatus.APPLIED)


def legal_status_of(case: Case) -> str:
    """The most pending status of the case's procedures: under appeal, else applied, else the
    status that changed last; "none" without any procedure."""
    statuses = list(
        LegalProcedure.objects.filter(case=case)
        .order_by("-status_changed_at", "-created_at")
        .values_list("status", flat=True)
    )
    for pending in PENDING_ORDER:
        if pending in statuses:
            return str(pending)
    return statuses[0] if statuses else str(LegalStatus.NONE)


def _check_procedure(values: dict[str, Any]) -> None:
    if not str(values.get("authority") or "").strip():
        raise ValidationError({"authority": _("Name the authority.")})
    if values.get("next_deadline") and not str(values.get("deadline_what") or "").strip():
        raise ValidationError({"deadline_what": _("Say what is due by the deadline.")})
    if values["lodged_on"] > timezone.localdate():
        raise ValidationError({"lodged_on": _("The procedure cannot be lodged in the future.")})


def _deadline_task(*, actor: User, procedure: LegalProcedure) -> None:
    if procedure.next_deadline is None:
        return
    workflow.task_open(
        case=procedure.case,
        kind=TaskKind.LEGAL_DEADLINE,
        title=gettext_lazy("%(procedure)s: %(what)s"),
        title_params={
            "procedure": ProcedureType(procedure.procedure_type).label,
            "what": procedure.deadline_what,
        },
        due_at=_due_at(procedure.next_deadline),
        owner=procedure.case.lead_caseworker,
        source_id=procedure.pk,
        actor=actor,
    )


PROTECTION = frozenset({ProcedureType.ASYLUM, ProcedureType.SUBSIDIARY})


def protection_sought(case: Case) -> bool:
    """An asylum or subsidiary-protection claim not refused: lodged, under appeal, granted or
    final. A final decision is counted too (it may be a grant): contacting the country of
    origin needs a reason in every doubt (SG-09)."""
    return (
        LegalProcedure.objects.filter(case=case, procedure_type__in=PROTECTION)
        .exclude(status=ProcedureStatus.REFUSED)
        .exists()
    )


def _legal_fact(*, actor: User, case: Case) -> None:
    case_facts_update(
        actor=actor,
        case=case,
        legal_status=legal_status_of(case),
        protection_sought=protection_sought(case),
    )


@transaction.atomic
def legal_procedure_add(
    *,
    actor: User,
    case: Case,
    procedure_type: str,
    authority: str,
    lodged_on: date,
    status: str = ProcedureStatus.APPLIED,
    file_number: str = "",
    next_deadline: date | None = None,
    deadline_what: str = "",
) -> LegalProcedure:
    """Record a procedure on the child's legal status; its next deadline opens a task and the
    case's legal-status fact follows."""
    _require_edit(actor, case)
    values: dict[str, Any] = {
        "procedure_type": procedure_type,
        "authority": authority.strip(),
        "file_number": file_number.strip(),
        "lodged_on": lodged_on,
        "status": status,
        "next_deadline": next_deadline,
        "deadline_what": deadline_what.strip() if next_deadline else "",
    }
    _check_procedure(values)
    procedure = LegalProcedure(case=case, status_changed_at=timezone.now(), **values)
    procedure.full_clean(exclude=["case"])
    procedure.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=procedure,
        case_id=case.pk,
        changes={
            name: [None, value]
            for name, value in values.items()
            if name != "file_number" and value not in (None, "")
        },
    )
    _deadline_task(actor=actor, procedure=procedure)
    _legal_fact(actor=actor, case=case)
    return procedure


@transaction.atomic
def legal_procedure_update(
    *,
    actor: User,
    procedure: LegalProcedure,
    seen_version: int,
    **values: Any,
) -> LegalProcedure:
    """Change a procedure (a decision, an appeal, a new deadline). A changed deadline closes
    the old deadline's task and opens one for the new date."""
    case = procedure.case
    _require_edit(actor, case)
    unknown = set(values) - set(PROCEDURE_FIELDS)
    if unknown:
        raise TypeError(f"not a procedure field: {sorted(unknown)}")
    merged = {name: getattr(procedure, name) for name in PROCEDURE_FIELDS} | values
    for name in ("authority", "file_number", "deadline_what"):
        merged[name] = str(merged[name] or "").strip()
    if not merged["next_deadline"]:
        merged["deadline_what"] = ""
    _check_procedure(merged)
    before = {name: getattr(procedure, name) for name in PROCEDURE_FIELDS}
    changes = diff(before, merged)
    for name, value in merged.items():
        setattr(procedure, name, value)
    fields = list(PROCEDURE_FIELDS)
    if "status" in changes:
        procedure.status_changed_at = timezone.now()
        fields.append("status_changed_at")
    procedure.full_clean(exclude=["case"])
    save_versioned(procedure, seen_version=seen_version, fields=fields)
    changes.pop("file_number", None)
    changes["version"] = [seen_version, procedure.version]
    record(actor=actor, action=AuditAction.UPDATE, obj=procedure, case_id=case.pk, changes=changes)
    if "next_deadline" in changes or "deadline_what" in changes:
        workflow.tasks_close_for(source_id=procedure.pk, actor=actor, status=TaskStatus.CANCELLED)
        _deadline_task(actor=actor, procedure=procedure)
    _legal_fact(actor=actor, case=case)
    return procedure


def current_arrangement_exists(case: Case) -> bool:
    return CareArrangement.objects.filter(case=case, end_date__isnull=True).exists()


def needs_guardian(case: Case) -> bool:
    """Unaccompanied and separated children need a guardian before a best-interests decision."""
    return case.separation_status in {SeparationStatus.UNACCOMPANIED, SeparationStatus.SEPARATED}


# --- exception to the guardian rule (SG-03) -----------------------------------------------

MIN_EXCEPTION_REASON = 20


@transaction.atomic
def guardian_exception_request(*, actor: User, case: Case, reason: str) -> Approval:
    """Ask a supervisor to approve that substantive decisions for this child (the
    best-interests submission and decision, implementing a solution) be taken without an
    appointed guardian, with the written reason why they cannot wait (SG-03). Refused when a
    guardian is appointed, when the child needs none, or when one is already approved or
    waiting."""
    _require_edit(actor, case)
    if not needs_guardian(case):
        raise ValidationError(_("This child needs no guardian for these decisions."))
    if case.guardianship_status == GuardianshipStatus.APPOINTED:
        raise ValidationError(_("A guardian is appointed: no exception is needed."))
    if case.guardian_exception_at is not None:
        raise ValidationError(_("An exception to the guardian rule is already approved."))
    if workflow.pending_approval_of_case(case, ApprovalSubject.GUARDIAN_EXCEPTION) is not None:
        raise ValidationError(_("An exception to the guardian rule is already waiting."))
    reason = reason.strip()
    if len(reason) < MIN_EXCEPTION_REASON:
        raise ValidationError(
            {
                "reason": _(
                    "Explain in at least %(n)s characters why the decisions cannot wait for "
                    "a guardian."
                )
                % {"n": MIN_EXCEPTION_REASON}
            }
        )
    exception = GuardianException(case=case, reason=reason, requested_by=actor)
    exception.full_clean(exclude=["case", "requested_by"])
    exception.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=exception,
        case_id=case.pk,
        changes={"guardian_exception": [None, "requested"]},
    )
    return workflow.approval_request(
        actor=actor, case=case, subject=ApprovalSubject.GUARDIAN_EXCEPTION, object_id=exception.pk
    )


@workflow.approval_handler(ApprovalSubject.GUARDIAN_EXCEPTION)
def guardian_exception_decided(approval: Approval, actor: User) -> None:
    """Approved: the exception is stamped and becomes a case fact that the guardian checks
    accept. Sent back: nothing changes; the caseworker may ask again."""
    exception = GuardianException.objects.select_for_update().filter(pk=approval.object_id).first()
    if exception is None or approval.status != ApprovalStatus.APPROVED:
        return
    seen = exception.version
    exception.approved_at, exception.approved_by = timezone.now(), actor
    save_versioned(exception, seen_version=seen, fields=["approved_at", "approved_by"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=exception,
        case_id=exception.case_id,
        changes={"approved_at": [None, exception.approved_at], "version": [seen, seen + 1]},
    )
    case_facts_update(actor=actor, case=exception.case, guardian_exception_at=exception.approved_at)


# --- the transition to adulthood (SG-14) -----------------------------------------------------

MIN_LEGAL_STATUS_AFTER_18 = 20
TRANSITION_FIELDS = (
    "legal_status_after_18",
    "residence_valid_until",
    "renewal_due_on",
    "housing",
    "adult_services",
)


@transaction.atomic
def transition_plan_record(
    *,
    actor: User,
    case: Case,
    legal_status_after_18: str,
    residence_valid_until: date | None = None,
    renewal_due_on: date | None = None,
    housing: str = "",
    adult_services: str = "",
    seen_version: int | None = None,
) -> TransitionPlan:
    """Record (or revise) the plan for the 18th birthday; it completes the
    transition-to-adulthood task (SG-14). It must say how the residence status continues after
    18; a status that ends by the 18th birthday needs the date its renewal (or a new
    application) is due, which opens a legal-status deadline."""
    _require_edit(actor, case)
    values: dict[str, Any] = {
        "legal_status_after_18": legal_status_after_18.strip(),
        "residence_valid_until": residence_valid_until,
        "renewal_due_on": renewal_due_on,
        "housing": housing.strip(),
        "adult_services": adult_services.strip(),
    }
    errors: dict[str, str] = {}
    if len(values["legal_status_after_18"]) < MIN_LEGAL_STATUS_AFTER_18:
        errors["legal_status_after_18"] = _(
            "Say how the child's residence status continues after 18: the permit, its renewal "
            "or the application to make (at least %(n)s characters)."
        ) % {"n": MIN_LEGAL_STATUS_AFTER_18}
    birthday = eighteenth_birthday(case)
    if residence_valid_until and birthday and residence_valid_until <= birthday:
        if renewal_due_on is None:
            errors["renewal_due_on"] = _(
                "The residence status ends on %(date)s, by the 18th birthday: give the date its "
                "renewal or a new application is due."
            ) % {"date": date_format(residence_valid_until, "SHORT_DATE_FORMAT")}
        elif renewal_due_on > residence_valid_until:
            errors["renewal_due_on"] = _("The renewal must be due before the status ends.")
    if errors:
        raise ValidationError(errors)
    plan = TransitionPlan.objects.select_for_update().filter(case=case).first()
    if plan is None:
        plan = TransitionPlan(case=case, recorded_by=actor, **values)
        plan.full_clean(exclude=["case", "recorded_by"])
        plan.save()
        changes = {name: [None, value] for name, value in values.items() if value}
        changes.pop("housing", None)
        record(actor=actor, action=AuditAction.CREATE, obj=plan, case_id=case.pk, changes=changes)
    else:
        before = {name: getattr(plan, name) for name in TRANSITION_FIELDS}
        for name, value in values.items():
            setattr(plan, name, value)
        plan.full_clean(exclude=["case", "recorded_by"])
        seen = seen_version if seen_version is not None else plan.version
        save_versioned(plan, seen_version=seen, fields=list(TRANSITION_FIELDS))
        changes = diff(before, values)
        changes["version"] = [seen, plan.version]
        record(actor=actor, action=AuditAction.UPDATE, obj=plan, case_id=case.pk, changes=changes)
    workflow.tasks_close_for(case=case, kind=TaskKind.TRANSITION_PLAN, actor=actor)
    workflow.tasks_close_for(source_id=plan.pk, actor=actor, status=TaskStatus.CANCELLED)
    if renewal_due_on is not None:
        workflow.task_open(
            case=case,
            kind=TaskKind.LEGAL_DEADLINE,
            title=gettext_lazy("Residence status after 18: renewal or new application due"),
            title_params={},
            due_at=_due_at(renewal_due_on),
            owner=case.lead_caseworker,
            source_id=plan.pk,
            actor=actor,
        )
    return plan
