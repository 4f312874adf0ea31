"""Writes of assessments and decisions. Each service checks the policy (the user may edit
the case), changes state and records the audit event in one transaction; what the rest of the
system must know is copied onto the case as a summary fact (`cases.services.case_facts_update`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.accounts.models import Role, User
from kinlink.assessments.models import (
    AgeAssessment,
    AgeMethod,
    Assessment,
    BestInterestsDetermination,
    BIDOption,
    BIDPanelMember,
    BIDStatus,
    ChildViews,
    FamilyEvaluation,
    FamilyVerification,
    RiskReassessment,
    TracingStatusChange,
    TraffickingConcern,
)
from kinlink.audit.models import AuditAction
from kinlink.audit.services import diff, record
from kinlink.cases import services as case_services
from kinlink.cases import workflow
from kinlink.cases.models import (
    AgeAssessmentStatus,
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    Consent,
    ConsentScope,
    GuardianshipStatus,
    SeparationStatus,
    Solution,
    Stage,
    TaskKind,
    TracingStatus,
)
from kinlink.cases.names import name_similarity
from kinlink.cases.policies import can_edit_case
from kinlink.cases.workflow import MIN_REASON
from kinlink.core.concurrency import save_versioned
from kinlink.core.models import NodeSettings
from kinlink.directory.reference import is_language

MIN_DOUBT = 20
MIN_CLOSING_NOTE = 20
# Two names this alike (kinlink.cases.names) are taken for the same person (SG-11).
SAME_PERSON = 0.85
DOMAIN_FIELDS = (
    "safety",
    "care",
    "health",
    "psychosocial",
    "education",
    "legal_status",
    "family_links",
    "journey",
    "strengths",
)


def _allow(actor: User, case: Case) -> None:
    if not can_edit_case(actor, case):
        raise PermissionDenied


def _not_future(day: date | None, field: str) -> None:
    if day and day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _required_text(value: str, field: str, minimum: int = 1) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        if minimum > 1:
            message = _("Write at least %(n)s characters.") % {"n": minimum}
        else:
            message = _("This field is required.")
        raise ValidationError({field: message})
    return value


def _at_nine(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def views_missing_message(case: Case) -> tuple[str, str]:
    """SG-04: the refusal when nothing the child said is on record, and where to record it."""
    where = reverse("assessments:views_add", args=[case.pk])
    return _("Record the child's views first (Child's views → Record)."), where


# --- child's views ---------------------------------------------------------------------


@transaction.atomic
def child_views_record(
    *,
    actor: User,
    case: Case,
    heard_on: date,
    method: str,
    language: str,
    maturity_note: str,
    interpreter_name: str = "",
    present: str = "",
    wishes_family_contact: str = "",
    wishes_return: str = "",
    wishes_care: str = "",
    wishes_school: str = "",
    wishes_future: str = "",
    wants_family_contact: str = "",
) -> ChildViews:
    """Record what the child said, how, in which language and with whom present (SG-04).

    The case's `child_views_recorded_at` fact is set, which later decisions require, and, when
    the child said it, whether she wants contact with her family (SG-15).
    """
    _allow(actor, case)
    _not_future(heard_on, "heard_on")
    if not is_language(language):
        raise ValidationError({"language": _("Choose a language from the list.")})
    wishes = (wishes_family_contact, wishes_return, wishes_care, wishes_school, wishes_future)
    if not any(w.strip() for w in wishes):
        raise ValidationError(
            {"wishes_future": _("Write at least one of the child's wishes, in their words.")}
        )
    views = ChildViews(
        case=case,
        heard_on=heard_on,
        method=method,
        language=language,
        interpreter_name=interpreter_name.strip(),
        present=present.strip(),
        wishes_family_contact=wishes_family_contact.strip(),
        wishes_return=wishes_return.strip(),
        wishes_care=wishes_care.strip(),
        wishes_school=wishes_school.strip(),
        wishes_future=wishes_future.strip(),
        wants_family_contact=wants_family_contact,
        maturity_note=_required_text(maturity_note, "maturity_note"),
        recorded_by=actor,
    )
    views.full_clean()
    views.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=views,
        case_id=case.pk,
        changes={
            "heard_on": [None, heard_on],
            "method": [None, method],
            "language": [None, language],
        },
    )
    facts: dict[str, Any] = {"child_views_recorded_at": timezone.now()}
    if wants_family_contact:
        facts["child_wants_family_contact"] = wants_family_contact
    case_services.case_facts_update(actor=actor, case=case, **facts)
    return views


# --- assessments -----------------------------------------------------------------------


def _assessment_values(
    kind: str, completed_on: date, recommendation: str, domains: dict[str, str]
) -> dict[str, Any]:
    unknown = set(domains) - set(DOMAIN_FIELDS)
    if unknown:
        raise ValueError(f"not an assessment domain: {sorted(unknown)}")
    _not_future(completed_on, "completed_on")
    values: dict[str, Any] = {name: (domains.get(name) or "").strip() for name in DOMAIN_FIELDS}
    if not any(values.values()):
        raise ValidationError(
            {"safety": _("Describe at least one domain of the child's situation.")}
        )
    values.update(
        kind=kind,
        completed_on=completed_on,
        recommendation=_required_text(recommendation, "recommendation"),
    )
    return values


@transaction.atomic
def assessment_create(
    *,
    actor: User,
    case: Case,
    kind: str,
    completed_on: date,
    recommendation: str,
    domains: dict[str, str],
) -> Assessment:
    """Write an initial or comprehensive assessment; the actor is its author."""
    _allow(actor, case)
    values = _assessment_values(kind, completed_on, recommendation, domains)
    assessment = Assessment(case=case, author=actor, **values)
    assessment.full_clean()
    assessment.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        case_id=case.pk,
        changes={"kind": [None, kind], "completed_on": [None, completed_on]},
    )
    return assessment


@transaction.atomic
def assessment_update(
    *,
    actor: User,
    assessment: Assessment,
    seen_version: int,
    kind: str,
    completed_on: date,
    recommendation: str,
    domains: dict[str, str],
) -> Assessment:
    """Edit an assessment until it is sent for approval (again once sent back); refused if
    someone saved in between."""
    _allow(actor, assessment.case)
    if assessment.submitted_at is not None or assessment.approved_at is not None:
        raise ValidationError(
            _("This assessment was sent for approval and can no longer be edited.")
        )
    values = _assessment_values(kind, completed_on, recommendation, domains)
    # Read what is stored, not the instance: a bound form may already have changed it.
    before = Assessment.objects.filter(pk=assessment.pk).values(*values).get()
    for name, value in values.items():
        setattr(assessment, name, value)
    assessment.full_clean()
    save_versioned(assessment, seen_version=seen_version, fields=list(values))
    changes = diff(before, values)
    changes["version"] = [seen_version, assessment.version]
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        case_id=assessment.case_id,
        changes=changes,
    )
    return assessment


@transaction.atomic
def assessment_submit(*, actor: User, assessment: Assessment) -> Approval:
    """Ask a supervisor to approve the assessment; refused until the child's views are on
    record (SG-04)."""
    case = assessment.case
    _allow(actor, case)
    if case.child_views_recorded_at is None:
        message, where = views_missing_message(case)
        raise ValidationError(
            _("%(message)s Record them here: %(where)s") % {"message": message, "where": where}
        )
    if assessment.approved_at is not None:
        raise ValidationError(_("This assessment is already approved."))
    approval = workflow.approval_request(
        actor=actor, case=case, subject=ApprovalSubject.ASSESSMENT, object_id=assessment.pk
    )
    seen = assessment.version
    assessment.submitted_at = timezone.now()
    save_versioned(assessment, seen_version=seen, fields=["submitted_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        case_id=case.pk,
        changes={
            "submitted_at": [None, assessment.submitted_at],
            "version": [seen, assessment.version],
        },
    )
    return approval


@workflow.approval_handler(ApprovalSubject.ASSESSMENT)
def assessment_approval_decided(approval: Approval, actor: User) -> None:
    """Approved: the assessment is stamped with who approved it, who must not be its author
    (raising here undoes the decision). Sent back: it is open for edits again."""
    assessment = Assessment.objects.select_for_update().filter(pk=approval.object_id).first()
    if assessment is None:  # the record is gone: nothing to stamp
        return
    if approval.status == ApprovalStatus.APPROVED:
        if assessment.author_id == actor.pk:
            raise ValidationError(_("The author of an assessment cannot approve it."))
        fields = {"approved_at": timezone.now(), "approved_by": actor}
    else:
        fields = {"submitted_at": None}
    seen = assessment.version
    for name, value in fields.items():
        setattr(assessment, name, value)
    save_versioned(assessment, seen_version=seen, fields=list(fields))
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        case_id=assessment.case_id,
        changes={
            **{name: [None, value] for name, value in fields.items()},
            "version": [seen, assessment.version],
        },
    )


# --- risk ------------------------------------------------------------------------------


@transaction.atomic
def risk_reassess(
    *, actor: User, case: Case, new_level: str, reasons: str, next_review_on: date
) -> RiskReassessment:
    """Revise the risk level with reasons: the case's first-response due date follows the new
    level, and a risk-review task is due on the next review date (earlier ones are closed)."""
    _allow(actor, case)
    reasons = _required_text(reasons, "reasons", MIN_REASON)
    if next_review_on <= timezone.localdate():
        raise ValidationError({"next_review_on": _("The next review must be in the future.")})
    previous = case.risk_level
    earlier = list(RiskReassessment.objects.filter(case=case).values_list("pk", flat=True))
    review = RiskReassessment(
        case=case,
        previous_level=previous,
        new_level=new_level,
        reasons=reasons,
        next_review_on=next_review_on,
        recorded_by=actor,
    )
    review.full_clean()
    review.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=review,
        case_id=case.pk,
        changes={"risk_level": [previous, new_level], "next_review_on": [None, next_review_on]},
    )
    if new_level != previous:
        case_services.case_update(
            actor=actor, case=case, seen_version=case.version, identity={"risk_level": new_level}
        )
    for source_id in earlier:
        workflow.tasks_close_for(source_id=source_id, actor=actor)
    workflow.task_open(
        case=case,
        kind=TaskKind.RISK_REVIEW,
        title=gettext_lazy("Review the risk level"),
        due_at=_at_nine(next_review_on),
        owner=case.lead_caseworker,
        source_id=review.pk,
        actor=actor,
    )
    return review


# --- age -------------------------------------------------------------------------------

AGE_ORDER = [AgeMethod.DOCUMENTS, AgeMethod.INTERVIEW, AgeMethod.MEDICAL]
AGE_NEXT = {
    AgeAssessmentStatus.REQUESTED: {AgeAssessmentStatus.IN_PROGRESS},
    AgeAssessmentStatus.IN_PROGRESS: {AgeAssessmentStatus.DECIDED},
    AgeAssessmentStatus.DECIDED: {AgeAssessmentStatus.APPEALED, AgeAssessmentStatus.FINAL},
    AgeAssessmentStatus.APPEALED: {AgeAssessmentStatus.DECIDED, AgeAssessmentStatus.FINAL},
}
WITH_RESULT = {AgeAssessmentStatus.DECIDED, AgeAssessmentStatus.FINAL}


def age_at_referral(case: Case, age: int, on: date) -> int:
    """The age on the referral date of a child aged `age` on `on`, counted as `Case.age_on`
    counts (whole years of 365 days), never below 0."""
    years = max(0, (on - case.referral_date).days // 365)
    return max(0, age - years)


def _check_methods(methods: list[str]) -> list[str]:
    chosen = [m for m in AGE_ORDER if m in methods]
    if not chosen or len(chosen) != len(set(methods)):
        raise ValidationError({"methods": _("Choose the methods to be used.")})
    if AgeMethod.MEDICAL in chosen and len(chosen) < len(AGE_ORDER):
        raise ValidationError(
            {
                "methods": _(
                    "A medical examination is the last resort: documents and an interview "
                    "must be used first."
                )
            }
        )
    return [str(m) for m in chosen]


@transaction.atomic
def age_assessment_request(
    *,
    actor: User,
    case: Case,
    reason_for_doubt: str,
    child_consent: bool,
    guardian_consent: bool,
    methods: list[str],
    assessors: str,
) -> AgeAssessment:
    """Request an age assessment (SG-02): only on a written serious doubt, with the consent of
    the child and of the guardian, least intrusive methods first. The age is marked disputed
    and the child stays a child meanwhile."""
    _allow(actor, case)
    reason_for_doubt = _required_text(reason_for_doubt, "reason_for_doubt", MIN_DOUBT)
    if not child_consent:
        raise ValidationError({"child_consent": _("The child's consent must be recorded.")})
    if not guardian_consent:
        raise ValidationError({"guardian_consent": _("The guardian's consent must be recorded.")})
    methods = _check_methods(methods)
    assessors = _required_text(assessors, "assessors")
    if AgeAssessment.objects.filter(case=case).exclude(status=AgeAssessmentStatus.FINAL).exists():
        raise ValidationError(_("An age assessment of this child is already under way."))
    assessment = AgeAssessment.objects.create(
        case=case,
        reason_for_doubt=reason_for_doubt,
        child_consent=True,
        guardian_consent=True,
        methods=methods,
        assessors=assessors,
        requested_by=actor,
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        case_id=case.pk,
        changes={"status": [None, assessment.status], "methods": [None, methods]},
    )
    if not case.age_disputed:
        case_services.case_update(
            actor=actor, case=case, seen_version=case.version, identity={"age_disputed": True}
        )
    case_services.case_facts_update(
        actor=actor, case=case, age_assessment_status=AgeAssessmentStatus.REQUESTED
    )
    return assessment


@transaction.atomic
def age_assessment_update(
    *,
    actor: User,
    assessment: AgeAssessment,
    seen_version: int,
    status: str,
    age_min: int | None = None,
    age_max: int | None = None,
    decided_on: date | None = None,
    notes: str = "",
) -> AgeAssessment:
    """Move the age assessment along its track. A decision gives a range; its lowest age, as
    of the decision, is the age recorded (benefit of the doubt, SG-02). The case keeps an age
    at referral (`Case.age_on` counts on from there), so the lowest age is converted back to
    the referral date and only ever lowers the estimate. A date of birth on the case is kept:
    the range stays on the assessment, shown beside it. The age stays disputed until final."""
    case = assessment.case
    _allow(actor, case)
    if status not in AGE_NEXT.get(AgeAssessmentStatus(assessment.status), set()):
        raise ValidationError({"status": _("The age assessment cannot move to this status now.")})
    fields: dict[str, Any] = {"status": status}
    if notes.strip():
        fields["notes"] = (assessment.notes + "\n" + notes.strip()).strip()
    if status in WITH_RESULT:
        if age_min is None or age_max is None:
            raise ValidationError(
                {"age_min": _("Give the result as a range: lowest and highest age.")}
            )
        if age_min > age_max:
            raise ValidationError({"age_max": _("The highest age cannot be below the lowest.")})
        if age_max > 25:
            raise ValidationError({"age_max": _("An estimated age cannot be over 25.")})
        if decided_on is None:
            raise ValidationError({"decided_on": _("Give the date of the decision.")})
        _not_future(decided_on, "decided_on")
        fields.update(age_min=age_min, age_max=age_max, decided_on=decided_on)
    before = {name: getattr(assessment, name) for name in fields}
    for name, value in fields.items():
        setattr(assessment, name, value)
    save_versioned(assessment, seen_version=seen_version, fields=list(fields))
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        case_id=case.pk,
        changes=diff(before, fields),
    )
    identity: dict[str, Any] = {}
    if status in WITH_RESULT and age_min is not None and decided_on is not None:
        at_referral = age_at_referral(case, age_min, decided_on)
        if case.date_of_birth is None and (
            case.age_estimate is None or at_referral < case.age_estimate
        ):
            identity["age_estimate"] = at_referral
    if status == AgeAssessmentStatus.FINAL:
        identity["age_disputed"] = False
    if identity:
        case_services.case_update(
            actor=actor, case=case, seen_version=case.version, identity=identity
        )
    case_services.case_facts_update(actor=actor, case=case, age_assessment_status=status)
    return assessment


# --- tracing ---------------------------------------------------------------------------

NOT_TRACING = {TracingStatus.NOT_STARTED, TracingStatus.CLOSED_NOT_FOUND}
# The moves of the tracing track (H2); reunification only once the link is verified (SG-10),
# and a tracing closed as not found may be restarted.
TRACING_NEXT: dict[str, frozenset[str]] = {
    TracingStatus.NOT_STARTED: frozenset({TracingStatus.OPEN}),
    TracingStatus.OPEN: frozenset(
        {TracingStatus.IN_PROGRESS, TracingStatus.FOUND, TracingStatus.CLOSED_NOT_FOUND}
    ),
    TracingStatus.IN_PROGRESS: frozenset({TracingStatus.FOUND, TracingStatus.CLOSED_NOT_FOUND}),
    TracingStatus.FOUND: frozenset({TracingStatus.VERIFIED, TracingStatus.IN_PROGRESS}),
    TracingStatus.VERIFIED: frozenset({TracingStatus.REUNIFIED}),
    TracingStatus.CLOSED_NOT_FOUND: frozenset({TracingStatus.OPEN}),
}
# Moves that mean contacting someone: each is checked against the alleged abusers (SG-11).
CONTACT = frozenset({TracingStatus.OPEN, TracingStatus.IN_PROGRESS, TracingStatus.FOUND})
# Moves that need a family verification on record (SG-10).
VERIFYING = frozenset({TracingStatus.VERIFIED, TracingStatus.REUNIFIED})


def latest_verification(case: Case) -> FamilyVerification | None:
    return FamilyVerification.objects.filter(case=case).order_by("-created_at").first()


def verification_refusal(case: Case, status: str) -> str | None:
    """SG-10: "relationship verified" needs the latest verification to confirm the link and
    the matching information; "reunified" also the child's and the adult's willingness."""
    latest = latest_verification(case)
    if status == TracingStatus.VERIFIED and latest is not None and latest.link_verified:
        return None
    if status == TracingStatus.REUNIFIED and latest is not None and latest.confirmed:
        return None
    return family_unverified_message()


def family_unverified_message() -> str:
    return _(
        "Record a family verification first: how the relationship was verified and by whom, "
        "and that the child and the adult both want to live together (Family verification → "
        "Verify the family)."
    )


def tracing_consent_exists(case: Case) -> bool:
    """A consent (not withdrawn) whose scopes include tracing."""
    return any(
        ConsentScope.TRACING in (c.scopes or [])
        for c in Consent.objects.filter(case=case, withdrawn_on__isnull=True).exclude(given_by="")
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def flagged_among(targets: list[str], flagged: list[str]) -> list[str]:
    """The targets whose name is alike enough to a flagged person's to be the same person."""
    return [
        target
        for target in targets
        if any(name_similarity([target], [person]) >= SAME_PERSON for person in flagged)
    ]


def tracing_closed_on(case: Case) -> date | None:
    """When tracing was last closed as not found (SG-06 counts the months up to then)."""
    return (
        TracingStatusChange.objects.filter(
            case=case, status=TracingStatus.CLOSED_NOT_FOUND, closed_on__isnull=False
        )
        .values_list("closed_on", flat=True)
        .first()
    )


@transaction.atomic
def tracing_status_update(
    *,
    actor: User,
    case: Case,
    status: str,
    do_no_harm_confirmed: bool = False,
    tracing_targets: str = "",
    alleged_abusers: str = "",
    note: str = "",
) -> TracingStatusChange:
    """Move the tracing track along its allowed moves (`TRACING_NEXT`). Starting it (SG-11)
    needs a consent covering tracing, the confirmation that contacting the family does not
    endanger the child, and whom to trace. Every move that involves contact is refused when
    someone traced bears the name of anyone ever flagged on the case as an alleged abuser or
    exploiter. Closing as not found needs a note and is dated; the first start dates the
    tracing (SG-06)."""
    _allow(actor, case)
    previous = case.tracing_status
    TracingStatus(status)
    if status == previous:
        raise ValidationError({"status": _("Tracing already has this status.")})
    if status not in TRACING_NEXT.get(previous, frozenset()):
        raise ValidationError(
            {
                "status": _("Tracing cannot move from “%(from)s” to “%(to)s”.")
                % {
                    "from": TracingStatus(previous).label,
                    "to": TracingStatus(status).label,
                }
            }
        )
    errors: dict[str, list[str]] = {}
    starting = previous in NOT_TRACING and status not in NOT_TRACING
    if starting:
        if not tracing_consent_exists(case):
            errors[NON_FIELD_ERRORS] = [
                _(
                    "Record a consent that covers family tracing before starting it (Consent → "
                    "Record consent)."
                )
            ]
        if not do_no_harm_confirmed:
            errors["do_no_harm_confirmed"] = [
                _("Confirm that contacting the family does not endanger the child.")
            ]
        if not tracing_targets.strip():
            errors["tracing_targets"] = [_("Name whom tracing will look for.")]
    if status in CONTACT:
        earlier = TracingStatusChange.objects.filter(case=case).values_list(
            "tracing_targets", "alleged_abusers"
        )
        flagged = _lines(alleged_abusers)
        latest_targets = ""
        for targets_text, abusers_text in earlier:  # newest first
            flagged += _lines(abusers_text)
            latest_targets = latest_targets or targets_text
        # Without new targets, the move continues with whom the latest step traced.
        targets = _lines(tracing_targets) or _lines(latest_targets)
        matched = flagged_among(targets, flagged)
        if matched:
            errors["tracing_targets"] = [
                _("A person flagged as an alleged abuser or exploiter cannot be traced: %(names)s.")
                % {"names": ", ".join(matched)}
            ]
    if status in VERIFYING and (refusal := verification_refusal(case, status)):
        errors.setdefault(NON_FIELD_ERRORS, []).append(refusal)
    if status == TracingStatus.CLOSED_NOT_FOUND and len(note.strip()) < MIN_CLOSING_NOTE:
        errors["note"] = [
            _("Say in at least %(n)s characters what was done before closing.")
            % {"n": MIN_CLOSING_NOTE}
        ]
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    change = TracingStatusChange.objects.create(
        case=case,
        previous_status=previous,
        status=status,
        tracing_targets=tracing_targets.strip(),
        alleged_abusers=alleged_abusers.strip(),
        do_no_harm_confirmed=do_no_harm_confirmed,
        note=note.strip(),
        closed_on=today if status == TracingStatus.CLOSED_NOT_FOUND else None,
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=change,
        case_id=case.pk,
        changes={"tracing_status": [previous, status]},
    )
    facts: dict[str, Any] = {"tracing_status": status}
    if starting and case.tracing_started_on is None:
        facts["tracing_started_on"] = today
    case_services.case_facts_update(actor=actor, case=case, **facts)
    return change


# --- family verification (SG-10) --------------------------------------------------------


@transaction.atomic
def family_verification_record(
    *,
    actor: User,
    case: Case,
    adult_name: str,
    relationship: str,
    how_verified: str,
    verified_by: str,
    verified_on: date,
    relationship_confirmed: bool = False,
    information_matches: bool = False,
    child_willing: bool = False,
    adult_willing: bool = False,
    notes: str = "",
) -> FamilyVerification:
    """Record how the family link was verified, by whom, and whether the child and the adult
    both want to live together (SG-10). The latest verification decides the case's
    `family_verified_at` fact: set when it confirms everything, cleared when it does not (a
    child who no longer wants to go, a link not confirmed). The adult's name stays in the
    record, not in the audit trail."""
    _allow(actor, case)
    _not_future(verified_on, "verified_on")
    verification = FamilyVerification(
        case=case,
        adult_name=_required_text(adult_name, "adult_name"),
        relationship=relationship,
        how_verified=_required_text(how_verified, "how_verified", MIN_REASON),
        verified_by=_required_text(verified_by, "verified_by"),
        verified_on=verified_on,
        relationship_confirmed=relationship_confirmed,
        information_matches=information_matches,
        child_willing=child_willing,
        adult_willing=adult_willing,
        notes=notes.strip(),
        recorded_by=actor,
    )
    verification.full_clean()
    verification.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=verification,
        case_id=case.pk,
        changes={
            "relationship": [None, relationship],
            "verified_on": [None, verified_on],
            "relationship_confirmed": [None, relationship_confirmed],
            "information_matches": [None, information_matches],
            "child_willing": [None, child_willing],
            "adult_willing": [None, adult_willing],
        },
    )
    case_services.case_facts_update(
        actor=actor,
        case=case,
        family_verified_at=timezone.now() if verification.confirmed else None,
    )
    return verification


# --- family evaluation -----------------------------------------------------------------


@transaction.atomic
def family_evaluation_record(
    *,
    actor: User,
    case: Case,
    who_was_met: str,
    home_conditions: str,
    capacity: str,
    evaluator_name: str,
    evaluator_agency: str,
    evaluated_on: date,
    recommendation: str,
    risks: str = "",
) -> FamilyEvaluation:
    """Record the evaluation of a located family and home (step 5); it opens the way to
    determining a solution."""
    _allow(actor, case)
    _not_future(evaluated_on, "evaluated_on")
    evaluation = FamilyEvaluation(
        case=case,
        who_was_met=_required_text(who_was_met, "who_was_met"),
        home_conditions=_required_text(home_conditions, "home_conditions"),
        capacity=_required_text(capacity, "capacity"),
        risks=risks.strip(),
        evaluator_name=_required_text(evaluator_name, "evaluator_name"),
        evaluator_agency=_required_text(evaluator_agency, "evaluator_agency"),
        evaluated_on=evaluated_on,
        recommendation=recommendation,
        recorded_by=actor,
    )
    evaluation.full_clean()
    evaluation.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=evaluation,
        case_id=case.pk,
        changes={"evaluated_on": [None, evaluated_on], "recommendation": [None, recommendation]},
    )
    return evaluation


@transaction.atomic
def family_evaluation_receive(
    *,
    case: Case,
    partner: str,
    who_was_met: str,
    home_conditions: str,
    capacity: str,
    evaluator_name: str,
    evaluator_agency: str,
    evaluated_on: date,
    recommendation: str,
    risks: str = "",
) -> FamilyEvaluation:
    """Record the family evaluation a partner agency abroad sent in reply to a request
    (step 5). Nobody here wrote it: it is recorded as received from `partner`, checked as a
    caseworker's would be; it opens the way to determining a solution like any evaluation."""
    _not_future(evaluated_on, "evaluated_on")
    evaluation = FamilyEvaluation(
        case=case,
        who_was_met=_required_text(who_was_met, "who_was_met"),
        home_conditions=_required_text(home_conditions, "home_conditions"),
        capacity=_required_text(capacity, "capacity"),
        risks=risks.strip(),
        evaluator_name=_required_text(evaluator_name, "evaluator_name"),
        evaluator_agency=_required_text(evaluator_agency, "evaluator_agency"),
        evaluated_on=evaluated_on,
        recommendation=recommendation,
        recorded_by=None,
        received_from=partner[:200],
    )
    evaluation.full_clean()
    evaluation.save()
    record(
        actor=None,
        actor_label=f"partner:{partner[:60]}",
        action=AuditAction.CREATE,
        obj=evaluation,
        case_id=case.pk,
        changes={"evaluated_on": [None, evaluated_on], "recommendation": [None, recommendation]},
    )
    return evaluation


# --- best-interests determination ------------------------------------------------------


@transaction.atomic
def bid_open(*, actor: User, case: Case, report: str) -> BestInterestsDetermination:
    """Start a best-interests determination with its report; the actor is the report's author
    and therefore cannot decide it. One determination is prepared at a time."""
    _allow(actor, case)
    report = _required_text(report, "report", MIN_REASON)
    if BestInterestsDetermination.objects.filter(case=case, status=BIDStatus.OPEN).exists():
        raise ValidationError(_("A best-interests determination is already being prepared."))
    bid = BestInterestsDetermination.objects.create(case=case, report=report, author=actor)
    record(actor=actor, action=AuditAction.CREATE, obj=bid, case_id=case.pk)
    return bid


def _open_bid(actor: User, bid: BestInterestsDetermination) -> None:
    _allow(actor, bid.case)
    if bid.status != BIDStatus.OPEN:
        raise ValidationError(_("This determination is closed."))


@transaction.atomic
def bid_option_add(
    *,
    actor: User,
    bid: BestInterestsDetermination,
    solution: str,
    pros: str = "",
    cons: str = "",
    risks: str = "",
    child_view: str = "",
    guardian_view: str = "",
) -> BIDOption:
    """Add a solution the determination weighs, with its pros, cons, risks and views."""
    _open_bid(actor, bid)
    if bid.options.filter(solution=solution).exists():
        raise ValidationError({"solution": _("This option is already considered.")})
    option = BIDOption(
        bid=bid,
        solution=solution,
        pros=pros.strip(),
        cons=cons.strip(),
        risks=risks.strip(),
        child_view=child_view.strip(),
        guardian_view=guardian_view.strip(),
    )
    option.full_clean()
    option.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=option,
        case_id=bid.case_id,
        changes={"solution": [None, solution]},
    )
    return option


@transaction.atomic
def bid_panel_member_add(
    *,
    actor: User,
    bid: BestInterestsDetermination,
    function: str,
    agency: str,
    user: User | None = None,
    external_name: str = "",
    no_conflict_declared: bool = False,
    confidentiality_signed: bool = False,
) -> BIDPanelMember:
    """Seat a panel member: a user of the case's agency or a named outside expert, once each;
    never the report's author, who argues the case before the panel (SG-08)."""
    _open_bid(actor, bid)
    external_name = " ".join(external_name.split())
    if (user is None) == (not external_name):
        raise ValidationError(
            {"external_name": _("Choose a user or write the outside expert's name (one of them).")}
        )
    if user is not None and user.pk == bid.author_id:
        raise ValidationError({"user": _("The author of the report cannot sit on the panel.")})
    if user is not None and user.agency_id != bid.case.agency_id:
        raise ValidationError({"user": _("Choose a member of this agency.")})
    if user is not None and bid.panel_members.filter(user=user).exists():
        raise ValidationError({"user": _("This person already sits on the panel.")})
    if external_name and bid.panel_members.filter(external_name__iexact=external_name).exists():
        raise ValidationError({"external_name": _("This person already sits on the panel.")})
    member = BIDPanelMember(
        bid=bid,
        user=user,
        external_name=external_name,
        function=_required_text(function, "function"),
        agency=_required_text(agency, "agency"),
        no_conflict_declared=no_conflict_declared,
        confidentiality_signed=confidentiality_signed,
    )
    member.full_clean()
    member.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=member,
        case_id=bid.case_id,
        changes={
            "no_conflict_declared": [None, no_conflict_declared],
            "confidentiality_signed": [None, confidentiality_signed],
        },
    )
    return member


def guardian_missing(case: Case) -> bool:
    """SG-03: an unaccompanied or separated child has no appointed guardian, and no exception
    to the rule was approved by a supervisor."""
    return (
        case.separation_status in {SeparationStatus.UNACCOMPANIED, SeparationStatus.SEPARATED}
        and case.guardianship_status != GuardianshipStatus.APPOINTED
        and case.guardian_exception_at is None
    )


def bid_submission_refusals(bid: BestInterestsDetermination) -> list[str]:
    """What stops submitting the determination to a supervisor (SG-03, SG-04)."""
    case = bid.case
    refusals: list[str] = []
    if not bid.options.exists():
        refusals.append(_("Add at least one option the panel will weigh."))
    if case.child_views_recorded_at is None:
        refusals.append(views_missing_message(case)[0])
    if guardian_missing(case):
        refusals.append(_("A guardian must be appointed for this child before the submission."))
    return refusals


@transaction.atomic
def bid_submit(*, actor: User, bid: BestInterestsDetermination) -> Approval:
    """Submit the report and its options to the case's supervisors (any editor of the case,
    the report's author first of all): refused without an option, without the child's views
    (SG-04), and, for an unaccompanied or separated child, without an appointed guardian
    (SG-03). The decision waits for the approval."""
    _open_bid(actor, bid)
    if bid.submission_approved_at is not None:
        raise ValidationError(_("The submission is already approved."))
    refusals = bid_submission_refusals(bid)
    if refusals:
        raise ValidationError(refusals)
    return workflow.approval_request(
        actor=actor, case=bid.case, subject=ApprovalSubject.BID_SUBMISSION, object_id=bid.pk
    )


@workflow.approval_handler(ApprovalSubject.BID_SUBMISSION)
def bid_submission_decided(approval: Approval, actor: User) -> None:
    """Approved: the determination may be decided (it is stamped). Sent back: it stays open
    for more options and panel members, and is submitted again."""
    bid = (
        BestInterestsDetermination.objects.select_for_update().filter(pk=approval.object_id).first()
    )
    # Sent back, gone, or closed meanwhile (deferred from the case page): nothing to stamp.
    if bid is None or approval.status != ApprovalStatus.APPROVED or bid.status != BIDStatus.OPEN:
        return
    seen = bid.version
    bid.submission_approved_at = timezone.now()
    save_versioned(bid, seen_version=seen, fields=["submission_approved_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=bid,
        case_id=bid.case_id,
        changes={
            "submission_approved_at": [None, bid.submission_approved_at],
            "version": [seen, bid.version],
        },
    )


def bid_refusals(
    *,
    actor: User,
    bid: BestInterestsDetermination,
    solution: str,
    reasons: str,
    child_informed_on: date | None,
    child_informed_language: str,
    review_on: date | None,
    decided_on: date | None,
    views_weighed: str = "",
) -> dict[str, list[str]]:
    """Everything that stops this decision (SG-03, SG-04, SG-06, SG-08), by form field."""
    case = bid.case
    today = timezone.localdate()
    settings = NodeSettings.current()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if case.stage != Stage.SOLUTION_DETERMINATION:
        add(
            NON_FIELD_ERRORS,
            _("A determination is decided at the step “%(step)s”; the case is not there.")
            % {"step": Stage.SOLUTION_DETERMINATION.label},
        )
    if case.hold:
        add(NON_FIELD_ERRORS, _("The case is on hold; resume it before deciding."))
    if actor.role != Role.SUPERVISOR:
        add(NON_FIELD_ERRORS, _("Only a supervisor decides a best-interests determination."))
    if bid.submission_approved_at is None:
        add(
            NON_FIELD_ERRORS,
            _("The determination must be submitted to a supervisor and approved first."),
        )
    if actor.pk == bid.author_id:
        add(NON_FIELD_ERRORS, _("The author of the report cannot decide: another person must."))
    elif Assessment.objects.filter(case=case, approved_at__isnull=False, author=actor).exists():
        add(
            NON_FIELD_ERRORS,
            _("The author of an approved assessment of this child cannot decide."),
        )
    members = list(bid.panel_members.all())
    seated = len({m.user_id or m.external_name.casefold() for m in members})
    if seated < settings.bid_panel_quorum:
        add(
            NON_FIELD_ERRORS,
            _("The panel needs at least %(n)s members; %(have)s are seated.")
            % {"n": settings.bid_panel_quorum, "have": seated},
        )
    unready = [m.name for m in members if not m.eligible]
    if unready:
        add(
            NON_FIELD_ERRORS,
            _(
                "Every member must declare no conflict of interest and sign confidentiality: "
                "%(names)s have not."
            )
            % {"names": ", ".join(unready)},
        )
    if case.child_views_recorded_at is None:
        add(NON_FIELD_ERRORS, views_missing_message(case)[0])
    if guardian_missing(case):
        add(NON_FIELD_ERRORS, _("A guardian must be appointed for this child before the decision."))
    if not solution:
        add("solution", _("Choose the solution."))
    elif not any(o.solution == solution for o in bid.options.all()):
        add("solution", _("Choose one of the options the panel weighed."))
    if solution == Solution.ADOPTION_KAFALA:
        months = settings.tracing_before_adoption_months
        started = case.tracing_started_on
        closed = tracing_closed_on(case)
        # The months counted are those of tracing, up to its closure, not up to today.
        if (
            started is None
            or closed is None
            or started > months_before(closed, months)
            or case.tracing_status != TracingStatus.CLOSED_NOT_FOUND
        ):
            add(
                "solution",
                _(
                    "Adoption or kafala can be considered only after %(n)s months of tracing "
                    "closed without finding the family."
                )
                % {"n": months},
            )
    if len((reasons or "").strip()) < MIN_REASON:
        add("reasons", _("Give the reasons for the decision."))
    if not (views_weighed or "").strip():
        add("views_weighed", _("Say how the child's views were weighed."))
    if child_informed_on is None:
        add("child_informed_on", _("Say when the child was informed of the decision."))
    elif child_informed_on > today:
        add("child_informed_on", _("The date cannot be in the future."))
    if not child_informed_language:
        add("child_informed_language", _("Say in which language the child was informed."))
    elif not is_language(child_informed_language):
        add("child_informed_language", _("Choose a language from the list."))
    if review_on is None:
        add("review_on", _("Set the date of the review."))
    elif review_on <= today:
        add("review_on", _("The review date must be in the future."))
    if decided_on is not None and decided_on > today:
        add("decided_on", _("The date cannot be in the future."))
    return errors


@transaction.atomic
def bid_decide(
    *,
    actor: User,
    bid: BestInterestsDetermination,
    seen_version: int,
    solution: str,
    reasons: str,
    child_informed_on: date | None,
    child_informed_language: str,
    review_on: date | None,
    decided_on: date | None = None,
    views_weighed: str = "",
    dissent: str = "",
) -> BestInterestsDetermination:
    """Record the decision (SG-08): at the solution-determination step, not on hold, by a
    supervisor who wrote neither the report nor an approved assessment, once the submission
    is approved; a quorate panel declared no conflict and signed confidentiality; reasons
    given; the child heard and the weight of their views written (SG-04), informed in a
    language and with a guardian (SG-03); a review date ahead, which opens a review task;
    adoption or kafala only after tracing was exhausted (SG-06). The decided solution becomes
    a case fact."""
    _open_bid(actor, bid)
    errors = bid_refusals(
        actor=actor,
        bid=bid,
        solution=solution,
        reasons=reasons,
        child_informed_on=child_informed_on,
        child_informed_language=child_informed_language,
        review_on=review_on,
        decided_on=decided_on,
        views_weighed=views_weighed,
    )
    if errors:
        raise ValidationError(errors)
    fields: dict[str, Any] = {
        "status": BIDStatus.DECIDED,
        "solution": solution,
        "reasons": reasons.strip(),
        "views_weighed": views_weighed.strip(),
        "dissent": dissent.strip(),
        "decided_by": actor,
        "decided_on": decided_on or timezone.localdate(),
        "child_informed_on": child_informed_on,
        "child_informed_language": child_informed_language,
        "review_on": review_on,
    }
    for name, value in fields.items():
        setattr(bid, name, value)
    save_versioned(bid, seen_version=seen_version, fields=list(fields))
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=bid,
        case_id=bid.case_id,
        changes={
            "status": [BIDStatus.OPEN, BIDStatus.DECIDED],
            "solution": [None, solution],
            "review_on": [None, review_on],
            "version": [seen_version, bid.version],
        },
    )
    case_services.case_facts_update(actor=actor, case=bid.case, decided_solution=solution)
    assert review_on is not None  # noqa: S101 -- refused above otherwise
    workflow.task_open(
        case=bid.case,
        kind=TaskKind.OTHER,
        title=gettext_lazy("Review the best-interests determination"),
        due_at=_at_nine(review_on),
        owner=bid.case.lead_caseworker,
        source_id=bid.pk,
        actor=actor,
    )
    return bid


@transaction.atomic
def bid_defer(
    *, actor: User, bid: BestInterestsDetermination, seen_version: int, reason: str
) -> BestInterestsDetermination:
    """The panel defers: more information is needed; the case goes back to temporary care
    through the lifecycle (and the move's own checks)."""
    _open_bid(actor, bid)
    reason = _required_text(reason, "reason", MIN_REASON)
    bid.status, bid.deferral_reason = BIDStatus.DEFERRED, reason
    save_versioned(bid, seen_version=seen_version, fields=["status", "deferral_reason"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=bid,
        case_id=bid.case_id,
        changes={"status": [BIDStatus.OPEN, BIDStatus.DEFERRED]},
        reason=reason,
    )
    case = bid.case
    workflow.case_transition(
        actor=actor, case=case, name="defer_determination", seen_version=case.version, reason=reason
    )
    return bid


# After these moves the solution is determined again: the decided determination no longer
# counts for implementing it (H1).
REDECIDING = frozenset({"review_solution", "reopen"})
DEFERRED_FROM_CASE_PAGE = gettext_lazy(
    "Deferred from the case page; the reason is in the case's history."
)


@receiver(workflow.case_transitioned, dispatch_uid="assessments.bids_follow_the_case")
def bids_follow_the_case(
    sender: Any, case: Case, transition: str, actor: User, **kwargs: Any
) -> None:
    """A review of the solution or a reopening supersedes the decided determination (its
    review task is closed, the decided solution cleared from the case); a deferral taken from
    the case page defers the determination being prepared (`bid_defer` has already done so
    when it made the move)."""
    if transition in REDECIDING:
        for bid in BestInterestsDetermination.objects.filter(case=case, status=BIDStatus.DECIDED):
            _bid_close(actor, bid, BIDStatus.SUPERSEDED, transition)
            workflow.tasks_close_for(source_id=bid.pk, actor=actor)
        case_services.case_facts_update(actor=actor, case=case, decided_solution="")
    elif transition == "defer_determination":
        for bid in BestInterestsDetermination.objects.filter(case=case, status=BIDStatus.OPEN):
            bid.deferral_reason = str(DEFERRED_FROM_CASE_PAGE)
            _bid_close(actor, bid, BIDStatus.DEFERRED, transition, extra=["deferral_reason"])


def _bid_close(
    actor: User,
    bid: BestInterestsDetermination,
    status: str,
    transition: str,
    extra: list[str] | None = None,
) -> None:
    seen, before = bid.version, bid.status
    bid.status = status
    save_versioned(bid, seen_version=seen, fields=["status", *(extra or [])])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=bid,
        case_id=bid.case_id,
        changes={"status": [before, status], "version": [seen, bid.version]},
        transition=transition,
    )


# --- trafficking -----------------------------------------------------------------------


@transaction.atomic
def trafficking_concern_record(
    *, actor: User, case: Case, indicators: str, referred_on: date, referred_to: str
) -> TraffickingConcern:
    """Record suspected trafficking and its referral to the national referral mechanism; the
    reflection period (referral + the node's days) is set on the case, never shortened
    (SG-19)."""
    _allow(actor, case)
    _not_future(referred_on, "referred_on")
    until = referred_on + timedelta(days=NodeSettings.current().trafficking_reflection_days)
    concern = TraffickingConcern(
        case=case,
        indicators=_required_text(indicators, "indicators", MIN_REASON),
        referred_on=referred_on,
        referred_to=_required_text(referred_to, "referred_to"),
        reflection_until=until,
        recorded_by=actor,
    )
    concern.full_clean()
    concern.save()
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=concern,
        case_id=case.pk,
        changes={"referred_on": [None, referred_on], "reflection_until": [None, until]},
    )
    current = case.trafficking_reflection_until
    if current is None or until > current:
        case_services.case_facts_update(actor=actor, case=case, trafficking_reflection_until=until)
    return concern
