"""Writes of assessments and decisions. Each service checks the policy (the user may edit
the case), changes state and records the audit event in one transaction; what the rest of the
system must know is copied onto the case as a summary fact (`cases.services.case_facts_update`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.accounts.models import User
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
    TaskKind,
    TracingStatus,
)
from kinlink.cases.policies import can_edit_case
from kinlink.core.concurrency import save_versioned
from kinlink.core.models import NodeSettings
from kinlink.directory.reference import is_language

MIN_REASON = 10
MIN_DOUBT = 20
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
) -> ChildViews:
    """Record what the child said, how, in which language and with whom present (SG-04).

    The case's `child_views_recorded_at` fact is set, which later decisions require.
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
    case_services.case_facts_update(actor=actor, case=case, child_views_recorded_at=timezone.now())
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
    before = {name: getattr(assessment, name) for name in values}
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
    Assessment.objects.filter(pk=assessment.pk).update(
        submitted_at=timezone.now(), version=assessment.version + 1
    )
    assessment.refresh_from_db()
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
    Assessment.objects.filter(pk=assessment.pk).update(**fields, version=assessment.version + 1)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=assessment,
        case_id=assessment.case_id,
        changes={name: [None, value] for name, value in fields.items()},
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
        title=_("Review the risk level"),
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
    """Move the age assessment along its track. A decision gives a range; the age recorded
    on the case is its lowest, and only ever lowered. The age stays disputed until final."""
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
    if age_min is not None and status in WITH_RESULT and (case.age is None or age_min < case.age):
        identity["age_estimate"] = age_min
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


def tracing_consent_exists(case: Case) -> bool:
    """A consent (not withdrawn) whose scopes include tracing."""
    return any(
        ConsentScope.TRACING in (c.scopes or [])
        for c in Consent.objects.filter(case=case, withdrawn_on__isnull=True).exclude(given_by="")
    )


def _lines(text: str) -> list[str]:
    return [line.strip().casefold() for line in text.splitlines() if line.strip()]


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
    """Move the tracing track. Starting it (SG-11) needs a consent covering tracing, the
    confirmation that contacting the family does not endanger the child, and no one flagged
    as an alleged abuser among those traced. The first start dates the tracing (SG-06)."""
    _allow(actor, case)
    previous = case.tracing_status
    if status == previous:
        raise ValidationError({"status": _("Tracing already has this status.")})
    TracingStatus(status)
    starting = previous in NOT_TRACING and status not in NOT_TRACING
    if starting:
        errors: dict[str, list[str]] = {}
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
        flagged = set(_lines(alleged_abusers))
        if flagged & set(_lines(tracing_targets)):
            errors["tracing_targets"] = [
                _("A person flagged as an alleged abuser or exploiter cannot be traced.")
            ]
        if errors:
            raise ValidationError(errors)
    change = TracingStatusChange.objects.create(
        case=case,
        previous_status=previous,
        status=status,
        tracing_targets=tracing_targets.strip(),
        alleged_abusers=alleged_abusers.strip(),
        do_no_harm_confirmed=do_no_harm_confirmed,
        note=note.strip(),
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
        facts["tracing_started_on"] = timezone.localdate()
    case_services.case_facts_update(actor=actor, case=case, **facts)
    return change


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
    """Seat a panel member: a user of the case's agency or a named outside expert."""
    _open_bid(actor, bid)
    external_name = external_name.strip()
    if (user is None) == (not external_name):
        raise ValidationError(
            {"external_name": _("Choose a user or write the outside expert's name (one of them).")}
        )
    if user is not None and user.agency_id != bid.case.agency_id:
        raise ValidationError({"user": _("Choose a member of this agency.")})
    if user is not None and bid.panel_members.filter(user=user).exists():
        raise ValidationError({"user": _("This person already sits on the panel.")})
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
) -> dict[str, list[str]]:
    """Everything that stops this decision (SG-03, SG-04, SG-06, SG-08), by form field."""
    case = bid.case
    today = timezone.localdate()
    settings = NodeSettings.current()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if actor.pk == bid.author_id:
        add(NON_FIELD_ERRORS, _("The author of the report cannot decide: another person must."))
    elif Assessment.objects.filter(case=case, approved_at__isnull=False, author=actor).exists():
        add(
            NON_FIELD_ERRORS,
            _("The author of an approved assessment of this child cannot decide."),
        )
    members = list(bid.panel_members.all())
    if len(members) < settings.bid_panel_quorum:
        add(
            NON_FIELD_ERRORS,
            _("The panel needs at least %(n)s members; %(have)s are seated.")
            % {"n": settings.bid_panel_quorum, "have": len(members)},
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
    if (
        case.separation_status in {SeparationStatus.UNACCOMPANIED, SeparationStatus.SEPARATED}
        and case.guardianship_status != GuardianshipStatus.APPOINTED
    ):
        add(NON_FIELD_ERRORS, _("A guardian must be appointed for this child before the decision."))
    if not solution:
        add("solution", _("Choose the solution."))
    elif not any(o.solution == solution for o in bid.options.all()):
        add("solution", _("Choose one of the options the panel weighed."))
    if solution == Solution.ADOPTION_KAFALA:
        months = settings.tracing_before_adoption_months
        started = case.tracing_started_on
        if (
            started is None
            or started > months_before(today, months)
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
    """Record the decision (SG-08): the decision-maker wrote neither the report nor an approved
    assessment; a quorate panel declared no conflict and signed confidentiality; reasons given;
    the child heard (SG-04), informed in a language and with a guardian (SG-03); a review date
    ahead; adoption or kafala only after tracing was exhausted (SG-06). The decided solution
    becomes a case fact."""
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
