"""Writes on a child's case. Each service checks the policy, changes state and records the
audit event in one transaction; views, commands and tests all come through here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.accounts.models import NotificationKind, Role, Team, User
from kinlink.accounts.services import notification_send
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.cases import names
from kinlink.cases.models import (
    AssignmentRole,
    BreakGlassGrant,
    Case,
    CaseAssignment,
    CasePerson,
    CaseSequence,
    Consent,
    ConsentScope,
    MissingReport,
    Person,
    Stage,
)
from kinlink.cases.policies import (
    assignable_users,
    breakable_cases,
    can_assign,
    can_break_glass,
    can_edit_case,
    can_register_case,
)
from kinlink.cases.validation import (
    CONSENT_MISSING,
    CONSENT_SCOPE_MISSING,
    check_name,
    raise_if_invalid,
)
from kinlink.cases.workflow import (
    case_registered,
    case_transition,
    case_transitioned,
    guardians_of,
    supervisors_of,
)
from kinlink.core.concurrency import save_versioned
from kinlink.core.models import NodeSettings
from kinlink.directory.reference import is_country, is_language

# The fields a caseworker edits on the case's identity form (and registers).
IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "given_name_original",
    "family_name_original",
    "original_script",
    "aliases",
    "sex",
    "date_of_birth",
    "dob_estimated",
    "dob_basis",
    "age_estimate",
    "age_disputed",
    "nationality_status",
    "nationalities",
    "languages",
    "country_of_origin",
    "place_of_origin",
    "current_location",
    "case_type",
    "separation_status",
    "referral_source",
    "referral_date",
    "risk_level",
)
NAME_FIELDS = ("given_name", "family_name", "given_name_original", "family_name_original")
# What an update does not revalidate: set by the services, never by the identity form.
UNCHECKED_ON_UPDATE = [
    "name_index",
    "reference",
    "agency",
    "team",
    "lead_caseworker",
    "registered_by",
]


def case_name_index(values: dict[str, Any]) -> str:
    return names.index_text(
        [values.get(f) or "" for f in NAME_FIELDS] + list(values.get("aliases") or [])
    )


def _next_reference(year: int) -> str:
    """NODE-YEAR-NNNNN; the sequence row is locked until the transaction ends."""
    prefix = settings.KINLINK_NODE_PREFIX
    CaseSequence.objects.get_or_create(prefix=prefix, year=year)
    sequence = CaseSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}-{year}-{sequence.last:05d}"


def _response_due(risk_level: str, start: datetime) -> datetime:
    return start + NodeSettings.current().response_time(risk_level)


# The registration form names the consent's fields with this prefix.
REGISTRATION_CONSENT_FIELDS = {
    "given_by": "consent_given_by",
    "given_by_name": "consent_given_by_name",
    "scopes": "consent_scopes",
    "language": "consent_language",
    "legal_basis": "consent_legal_basis",
    "reason_without_consent": "consent_reason",
}


def _check_consent(consent: dict[str, Any]) -> None:
    """Consent with what it covers, or a legal basis with a reason; only known scopes, a known
    language, a date not in the future."""
    if consent.get("given_by"):
        if not consent.get("scopes"):
            raise ValidationError({"scopes": CONSENT_SCOPE_MISSING})
    elif not (consent.get("legal_basis") and (consent.get("reason_without_consent") or "").strip()):
        raise ValidationError({"reason_without_consent": CONSENT_MISSING})
    errors: dict[str, str] = {}
    unknown = [s for s in consent.get("scopes") or [] if s not in ConsentScope.values]
    if unknown:
        errors["scopes"] = _("Choose what the consent covers from the list.")
    language = consent.get("language") or ""
    if language and not is_language(language):
        errors["language"] = _("Unknown language code: %(code)s") % {"code": language}
    given_on = consent.get("given_on")
    if given_on and given_on > timezone.localdate():
        errors["given_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)


def _prefixed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The same errors under the names a form gives the fields."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(k, k): v for k, v in error.error_dict.items()})


@transaction.atomic
def case_register(
    *,
    actor: User,
    team: Team,
    lead_caseworker: User,
    identity: dict[str, Any],
    consent: dict[str, Any],
    stage: str = Stage.IDENTIFIED,
    registered_at: datetime | None = None,
) -> Case:
    """Register a child (step 1). Needs an identity that passes `validation`, consent or a
    recorded reason to act without it, and a lead caseworker of the chosen team.

    The first-response due date follows from the risk level and the node's settings.
    `stage` and `registered_at` other than their defaults are for imports and demonstration
    data, which bring cases already under way.
    """
    if not can_register_case(actor) or team.agency_id != actor.agency_id:
        raise PermissionDenied
    if not actor.teams.filter(pk=team.pk).exists() and actor.role != Role.SUPERVISOR:
        raise PermissionDenied
    if lead_caseworker.agency_id != actor.agency_id or lead_caseworker.role not in {
        Role.CASEWORKER,
        Role.SUPERVISOR,
    }:
        raise ValidationError({"lead_caseworker": _("Choose a caseworker of this agency.")})
    fields = {name: identity.get(name) for name in IDENTITY_FIELDS}
    raise_if_invalid(fields)
    try:
        _check_consent(consent)
    except ValidationError as error:
        raise _prefixed(error, REGISTRATION_CONSENT_FIELDS) from error
    start = registered_at or timezone.now()
    case = Case(
        **{k: v for k, v in fields.items() if v is not None},
        reference=_next_reference(start.year),
        agency_id=actor.agency_id,
        team=team,
        lead_caseworker=lead_caseworker,
        registered_by=actor,
        first_response_due_at=_response_due(str(fields["risk_level"]), start),
        stage=stage,
        closed_at=start if stage == Stage.CLOSED else None,
        name_index=case_name_index(fields),
    )
    case.full_clean(exclude=["name_index", "reference"])
    case.save()
    if registered_at is not None:
        Case.objects.filter(pk=case.pk).update(created_at=registered_at)
    try:
        _consent_create(actor=actor, case=case, consent=consent)
    except ValidationError as error:
        raise _prefixed(error, REGISTRATION_CONSENT_FIELDS) from error
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=case,
        case_id=case.pk,
        changes={
            **{k: [None, v] for k, v in fields.items() if v not in (None, "", [])},
            "team": [None, team.name],
            "lead_caseworker": [None, lead_caseworker.username],
            "stage": [None, stage],
        },
    )
    case_registered.send(sender=Case, case=case, actor=actor)
    if lead_caseworker.pk != actor.pk:
        notification_send(
            recipients=[lead_caseworker],
            kind=NotificationKind.CASE_ASSIGNED,
            link=reverse("cases:detail", args=[case.pk]),
            reference=case.reference,
        )
    return case


@transaction.atomic
def case_update(*, actor: User, case: Case, seen_version: int, identity: dict[str, Any]) -> Case:
    """Change the child's identity and case details; refused if someone saved in between.

    A new risk level moves the first-response due date, counted from the referral time. The
    identity obeys `validation` and the model's own limits (choices, lengths), as registration.
    """
    if not can_edit_case(actor, case):
        raise PermissionDenied
    changed = {name: identity[name] for name in IDENTITY_FIELDS if name in identity}
    merged = {name: getattr(case, name) for name in IDENTITY_FIELDS} | changed
    raise_if_invalid(merged)
    before = {name: getattr(case, name) for name in changed}
    for name, value in changed.items():
        setattr(case, name, value)
    try:
        case.full_clean(exclude=UNCHECKED_ON_UPDATE, validate_unique=False)
    except ValidationError:
        # The instance is the caller's: leave it as it was, since nothing is saved.
        for name, value in before.items():
            setattr(case, name, value)
        raise
    write = list(changed)
    if "risk_level" in changed and before["risk_level"] != changed["risk_level"]:
        case.first_response_due_at = _response_due(case.risk_level, case.created_at)
        write.append("first_response_due_at")
    case.name_index = case_name_index(merged)
    write.append("name_index")
    save_versioned(case, seen_version=seen_version, fields=write)
    changes = diff(before, changed)
    if changes:
        changes["version"] = [seen_version, case.version]
    record(actor=actor, action=AuditAction.UPDATE, obj=case, case_id=case.pk, changes=changes)
    return case


def _consent_create(*, actor: User, case: Case, consent: dict[str, Any]) -> Consent:
    _check_consent(consent)
    row = Consent(
        case=case,
        given_by=consent.get("given_by") or "",
        given_by_name=consent.get("given_by_name") or "",
        scopes=list(consent.get("scopes") or []),
        given_on=consent.get("given_on") or timezone.localdate(),
        language=consent.get("language") or "",
        legal_basis="" if consent.get("given_by") else consent.get("legal_basis") or "",
        reason_without_consent=(
            "" if consent.get("given_by") else consent.get("reason_without_consent") or ""
        ),
        recorded_by=actor,
    )
    row.full_clean(exclude=["case", "recorded_by"])
    row.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        case_id=case.pk,
        changes={
            "given_by": [None, row.given_by],
            "scopes": [None, row.scopes],
            "legal_basis": [None, row.legal_basis],
        },
    )
    return row


@transaction.atomic
def consent_record(*, actor: User, case: Case, consent: dict[str, Any]) -> Consent:
    """Record a further consent or assent (or the reason for acting without one)."""
    if not can_edit_case(actor, case):
        raise PermissionDenied
    return _consent_create(actor=actor, case=case, consent=consent)


@transaction.atomic
def case_person_add(
    *,
    actor: User,
    case: Case,
    full_name: str,
    relationship: str,
    full_name_original: str = "",
    country: str = "",
    contact: str = "",
    is_carer: bool = False,
    is_guardian: bool = False,
    notes: str = "",
    lives_with_child: bool = False,
) -> CasePerson:
    """Link a relative, carer or guardian to the case: a name of letters, a relationship and a
    country from the lists, text within the form's limits; refused whole otherwise."""
    if not can_edit_case(actor, case):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    for field, value in (("full_name", full_name), ("full_name_original", full_name_original)):
        try:
            check_name(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if country and not is_country(country):
        errors["country"] = [_("Unknown country code: %(code)s") % {"code": country}]
    person = Person(
        agency_id=case.agency_id,
        full_name=full_name.strip(),
        full_name_original=full_name_original.strip(),
        country=country,
        contact=contact.strip(),
    )
    link = CasePerson(
        case=case,
        person=person,
        relationship=relationship,
        is_carer=is_carer,
        is_guardian=is_guardian,
        lives_with_child=lives_with_child,
        notes=notes.strip(),
    )
    for row, exclude in ((person, ["agency"]), (link, ["case", "person"])):
        try:
            row.full_clean(exclude=exclude)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    person.save()
    link.person = person
    link.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=link,
        case_id=case.pk,
        changes={
            "relationship": [None, relationship],
            "country": [None, country],
            "is_carer": [None, is_carer],
            "is_guardian": [None, is_guardian],
            "lives_with_child": [None, lives_with_child],
        },
    )
    return link


@transaction.atomic
def case_assign(
    *,
    actor: User,
    case: Case,
    seen_version: int,
    lead_caseworker: User | None = None,
    team: Team | None = None,
    add: list[tuple[User, str]] | None = None,
    remove: list[CaseAssignment] | None = None,
) -> Case:
    """A supervisor of the case's team changes who leads it and who else works on it."""
    if not can_assign(actor, case):
        raise PermissionDenied
    before = {"lead_caseworker": case.lead_caseworker.username, "team": case.team.name}
    write = []
    if team is not None and team.pk != case.team_id:
        if team.agency_id != case.agency_id:
            raise ValidationError({"team": _("Choose a team of this agency.")})
        case.team = team
        write.append("team")
    if lead_caseworker is not None and lead_caseworker.pk != case.lead_caseworker_id:
        if (
            not assignable_users(case, AssignmentRole.COWORKER)
            .filter(pk=lead_caseworker.pk)
            .exists()
        ):
            raise ValidationError({"lead_caseworker": _("Choose a caseworker of this agency.")})
        case.lead_caseworker = lead_caseworker
        write.append("lead_caseworker")
    save_versioned(case, seen_version=seen_version, fields=write)
    changes = diff(
        before, {"lead_caseworker": case.lead_caseworker.username, "team": case.team.name}
    )
    for user, role in add or []:
        if not assignable_users(case, role).filter(pk=user.pk).exists():
            raise ValidationError({"user": _("This person cannot take that role on the case.")})
        CaseAssignment.objects.get_or_create(case=case, user=user, role=role)
        changes.setdefault("assigned", [None, []])[1].append(f"{role}:{user.username}")
    for assignment in remove or []:
        if assignment.case_id != case.pk:
            raise PermissionDenied
        changes.setdefault("unassigned", [[], None])[0].append(
            f"{assignment.role}:{assignment.user.username}"
        )
        assignment.delete()
    # The version lets an edit form opened before the assignment say what changed.
    changes["version"] = [seen_version, case.version]
    record(actor=actor, action=AuditAction.ASSIGN, obj=case, case_id=case.pk, changes=changes)
    if "lead_caseworker" in write:
        notification_send(
            recipients=[case.lead_caseworker],
            kind=NotificationKind.CASE_ASSIGNED,
            link=reverse("cases:detail", args=[case.pk]),
            reference=case.reference,
        )
    return case


@transaction.atomic
def break_glass_open(*, actor: User, reference: str, reason: str) -> BreakGlassGrant:
    """Open a case outside one's scope in an emergency: reason required, 3 hours, audited,
    and the supervisors of the caseworker's teams are told."""
    if not can_break_glass(actor):
        raise PermissionDenied
    reason = reason.strip()
    if len(reason) < 20:
        raise ValidationError(
            {"reason": _("Explain in at least 20 characters why you need this case.")}
        )
    case = breakable_cases(actor).filter(reference=reference.strip().upper()).first()
    if case is None:
        raise ValidationError({"reference": _("No case of your agency has this reference.")})
    grant = BreakGlassGrant.objects.create(
        case=case,
        user=actor,
        reason=reason,
        expires_at=timezone.now() + settings.KINLINK_BREAK_GLASS_DURATION,
    )
    record(
        actor=actor,
        action=AuditAction.BREAK_GLASS,
        obj=case,
        case_id=case.pk,
        reason=reason,
        expires_at=grant.expires_at,
    )
    supervisors = list(
        User.objects.filter(
            role=Role.SUPERVISOR,
            is_active=True,
            agency_id=case.agency_id,
            teams__in=actor.teams.all(),
        )
        .exclude(pk=actor.pk)
        .distinct()
    )
    notification_send(
        recipients=supervisors,
        kind=NotificationKind.BREAK_GLASS,
        link=reverse("cases:detail", args=[case.pk]),
        actor=actor.full_name,
        reference=case.reference,
    )
    return grant


@transaction.atomic
def first_response_record(*, actor: User, case: Case, seen_version: int) -> Case:
    """Mark that the child has had the first response the risk level calls for."""
    if not can_edit_case(actor, case):
        raise PermissionDenied
    if case.first_response_at is not None:
        raise ValidationError(_("The first response is already recorded."))
    case.first_response_at = timezone.now()
    save_versioned(case, seen_version=seen_version, fields=["first_response_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=case,
        case_id=case.pk,
        changes={
            "first_response_at": [None, case.first_response_at],
            "version": [seen_version, case.version],
        },
    )
    return case


FACT_FIELDS = frozenset(
    {
        "guardianship_status",
        "age_assessment_status",
        "legal_status",
        "protection_sought",
        "tracing_status",
        "tracing_started_on",
        "child_views_recorded_at",
        "decided_solution",
        "trafficking_reflection_until",
        "family_verified_at",
        "guardian_exception_at",
        "child_wants_family_contact",
    }
)


@transaction.atomic
def case_facts_update(*, actor: User | None, case: Case, **facts: Any) -> Case:
    """Record a new state of a parallel track (guardianship, age, legal status, tracing…).

    Called by the services of the apps that own those records, inside their transaction, after
    their own policy check. It does not bump the case's version: an identity form open
    meanwhile stays valid, since it edits none of these fields.
    """
    unknown = set(facts) - FACT_FIELDS
    if unknown:
        raise ValueError(f"not a case fact: {sorted(unknown)}")
    before = {name: getattr(case, name) for name in facts}
    # The same row lock as case_transition: a move's guards and a new fact never interleave.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    Case.objects.filter(pk=case.pk).update(**facts)
    for name, value in facts.items():
        setattr(case, name, value)
    changes = diff(before, facts)
    if changes:
        record(
            actor=actor,
            actor_label="" if actor else "system",
            action=AuditAction.UPDATE,
            obj=case,
            case_id=case.pk,
            changes=changes,
        )
    return case


def case_assignment_grant(*, actor: User, case: Case, user: User, role: str) -> CaseAssignment:
    """Give a person a role on the case (and so access to it): a supervisor's decision.

    Other apps call this when their record names someone who must see the case (a guardian
    appointed with a Kinlink account); it runs in the caller's transaction.
    """
    if not can_assign(actor, case):
        raise PermissionDenied
    if not assignable_users(case, role).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("This person cannot take that role on the case.")})
    assignment, created = CaseAssignment.objects.get_or_create(case=case, user=user, role=role)
    if created:
        record(
            actor=actor,
            action=AuditAction.ASSIGN,
            obj=case,
            case_id=case.pk,
            changes={"assigned": [None, [f"{role}:{user.username}"]]},
        )
    return assignment


def case_assignment_revoke(*, actor: User, case: Case, user: User, role: str) -> None:
    """Take a role (and the access it gave) away; the counterpart of `case_assignment_grant`.

    Ending a term that gave access is allowed to whoever may edit the case: removing access
    never widens it.
    """
    if not can_edit_case(actor, case) and not can_assign(actor, case):
        raise PermissionDenied
    removed, _count = CaseAssignment.objects.filter(case=case, user=user, role=role).delete()
    if removed:
        record(
            actor=actor,
            action=AuditAction.ASSIGN,
            obj=case,
            case_id=case.pk,
            changes={"unassigned": [[f"{role}:{user.username}"], None]},
        )


# --- the child missing (T15) -----------------------------------------------------------------

MIN_CIRCUMSTANCES = 10


@transaction.atomic
def missing_report(
    *,
    actor: User,
    case: Case,
    seen_version: int,
    last_seen_at: datetime,
    circumstances: str,
    authority: str,
    notified_at: datetime,
    authority_reference: str = "",
) -> MissingReport:
    """Report the child missing: when last seen and how, and which police or authority was
    told, when. The case goes on hold (missing, through `report_missing`, whose guard wants
    this report) and its supervisors and assigned guardians are alerted at once; the alert
    names the case reference and the authority, never the child."""
    if not can_edit_case(actor, case):
        raise PermissionDenied
    now = timezone.now()
    errors: dict[str, str] = {}
    circumstances, authority = circumstances.strip(), authority.strip()
    if len(circumstances) < MIN_CIRCUMSTANCES:
        errors["circumstances"] = _(
            "Say where and how the child went missing (at least %(n)s characters)."
        ) % {"n": MIN_CIRCUMSTANCES}
    if not authority:
        errors["authority"] = _("Name the police or authority you notified.")
    if last_seen_at > now:
        errors["last_seen_at"] = _("The date cannot be in the future.")
    if notified_at > now:
        errors["notified_at"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    report = MissingReport(
        case=case,
        last_seen_at=last_seen_at,
        circumstances=circumstances,
        authority=authority,
        notified_at=notified_at,
        authority_reference=authority_reference.strip(),
        reported_by=actor,
    )
    report.full_clean(exclude=["case", "reported_by"])
    report.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=report,
        case_id=case.pk,
        changes={
            "last_seen_at": [None, last_seen_at],
            "authority": [None, authority],
            "notified_at": [None, notified_at],
        },
    )
    case_transition(
        actor=actor,
        case=case,
        name="report_missing",
        seen_version=seen_version,
        reason=circumstances,
    )
    recipients = {u.pk: u for u in [*supervisors_of(case), *guardians_of(case)]}
    notification_send(
        recipients=[u for u in recipients.values() if u.pk != actor.pk],
        kind=NotificationKind.CHILD_MISSING,
        link=reverse("cases:detail", args=[case.pk]),
        reference=case.reference,
        authority=authority,
    )
    return report


def open_missing_report(case: Case) -> MissingReport | None:
    return MissingReport.objects.filter(case=case, found_at__isnull=True).first()


@receiver(case_transitioned, dispatch_uid="cases.missing_child_found_on_resume")
def missing_child_found_on_resume(
    sender: Any, case: Case, transition: str, actor: User, **kwargs: Any
) -> None:
    """Resuming the case ends the open missing report: the child is found."""
    if transition != "resume":
        return
    report = open_missing_report(case)
    if report is None:
        return
    report.found_at = timezone.now()
    save_versioned(report, seen_version=report.version, fields=["found_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=report,
        case_id=case.pk,
        changes={"found_at": [None, report.found_at]},
    )
