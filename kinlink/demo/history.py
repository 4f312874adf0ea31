"""Give a demonstration case the records its step implies, through the services.

A case registered at step 6 has had its care arranged, its guardian appointed, the child
heard, an approved assessment and a family evaluation. A case meant to be further on is
registered at step 6 and taken there by the real moves: its best-interests determination is
submitted, approved and decided at step 6, then the solution is implemented under an approved
action plan, followed up, and closure requested (and approved) through the closure form. A
case at step 5 has its tracing under way; a return is traced, verified and prepared first.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from kinlink.accounts.models import User
from kinlink.assessments import services as assessments
from kinlink.care import services as care
from kinlink.cases.models import Approval, ApprovalStatus, ApprovalSubject, Case, Stage
from kinlink.cases.workflow import approval_decide, case_transition
from kinlink.plans import services as plans

ORDER = list(Stage)


def on(day: date, days: int) -> date:
    """`days` after `day`, but never after today: the demo has no future records."""
    return min(day + timedelta(days=days), timezone.localdate())


def _after(stage: str, than: Stage) -> bool:
    return ORDER.index(Stage(stage)) >= ORDER.index(than)


def registered_stage(target: str) -> str:
    """Where a case meant for `target` is registered: never past step 6, whose decision and
    everything after it are taken by the moves themselves (`build`)."""
    return Stage.SOLUTION_DETERMINATION if _after(target, Stage.IMPLEMENTATION) else target


def build(
    *,
    case: Case,
    lead: User,
    supervisor: User,
    guardian: User | None,
    day: date,
    target: str | None = None,
    solution: str = "host",
) -> None:
    """Records for every step before `target` (the case's current step by default), dated
    from `day` on; a case registered at step 6 for a later target is moved there, with
    `solution` decided (a return is prepared, its family traced and verified, first)."""
    target = target or case.stage

    def reached(stage: Stage) -> bool:
        return _after(target, stage)

    if reached(Stage.IMMEDIATE_CARE):
        care.care_arrangement_start(
            actor=lead,
            case=case,
            care_type="reception",
            country="MA",
            legal_basis="administrative",
            start_date=on(day, 0),
            carer_name="Centre d'accueil",
        )
    if reached(Stage.ASSESSMENT) and case.separation_status != "accompanied":
        # Giving the guardian's account access to the case is a supervisor's decision.
        care.guardian_appoint(
            actor=supervisor if guardian else lead,
            case=case,
            guardian_name=guardian.full_name if guardian else "Me Rachidi",
            appointing_authority="Tribunal de la famille",
            legal_basis="court_order",
            appointed_on=on(day, 3),
            user=guardian,
        )
    if not reached(Stage.INTERIM_CARE):
        return
    language = (case.languages or ["ara"])[0]
    assessments.child_views_record(
        actor=lead,
        case=case,
        heard_on=on(day, 5),
        method="interview",
        language=language,
        maturity_note="Speaks clearly about his or her wishes.",
        wishes_family_contact="Wants to call the mother every week.",
        wishes_future="Wants to go to school and learn a trade.",
    )
    assessment = assessments.assessment_create(
        actor=lead,
        case=case,
        kind="comprehensive",
        completed_on=on(day, 10),
        recommendation="Stay in care; start tracing the family.",
        domains={"safety": "Safe in the centre.", "health": "Check-up done."},
    )
    approval_decide(
        actor=supervisor,
        approval=assessments.assessment_submit(actor=lead, assessment=assessment),
        approve=True,
    )
    if target == Stage.FAMILY_EVALUATION and _consents_to_tracing(case):
        trace(case=case, lead=lead, until="in_progress")
    if reached(Stage.SOLUTION_DETERMINATION):
        assessments.family_evaluation_record(
            actor=lead,
            case=case,
            who_was_met="Mother and uncle",
            home_conditions="Two rooms",
            capacity="Willing, limited income",
            evaluator_name="Partner social worker",
            evaluator_agency="Partner agency in the country of origin",
            evaluated_on=on(day, 40),
            recommendation="with_support",
        )
    if not reached(Stage.IMPLEMENTATION):
        return
    if solution == "return":
        prepare_return(case=case, lead=lead, day=day)
    bid = assessments.bid_open(actor=lead, case=case, report="Options compared with the child.")
    assessments.bid_option_add(actor=lead, bid=bid, solution="host", pros="School place")
    if solution == "return":
        assessments.bid_option_add(
            actor=lead, bid=bid, solution="return", pros="The mother asks for the child"
        )
    for function in ("Chair", "Psychologist", "Legal adviser"):
        assessments.bid_panel_member_add(
            actor=lead,
            bid=bid,
            function=function,
            agency="Panel",
            external_name=function,
            no_conflict_declared=True,
            confidentiality_signed=True,
        )
    approval_decide(
        actor=supervisor, approval=assessments.bid_submit(actor=lead, bid=bid), approve=True
    )
    bid.refresh_from_db()
    assessments.bid_decide(
        actor=supervisor,
        bid=bid,
        seen_version=bid.version,
        solution=solution,
        reasons=(
            "Safe school and care here; the family agrees."
            if solution == "host"
            else "The mother, verified and willing, can care for the child at home."
        ),
        views_weighed="The child's wish weighed most.",
        child_informed_on=on(day, 60),
        child_informed_language=language,
        review_on=timezone.localdate() + timedelta(days=180),
        decided_on=on(day, 60),
    )
    _move(supervisor, case, "implement_solution")
    if not reached(Stage.FOLLOW_UP):
        return
    plan = plans.action_plan_create(actor=lead, case=case)
    approval_decide(
        actor=supervisor, approval=plans.action_plan_submit(actor=lead, plan=plan), approve=True
    )
    returned = solution == "return"
    plans.follow_up_plan_create(
        actor=lead,
        case=case,
        template="after_reunification",
        start_on=on(day, 90),
        # After a return the partner agency abroad visits the child.
        owner=None if returned else lead,
        partner_agency=RECEIVING_AGENCY if returned else "",
    )
    _move(lead, case, "start_follow_up")
    if not reached(Stage.CLOSURE_REQUESTED):
        return
    case.refresh_from_db()
    closure = plans.closure_request(
        actor=lead,
        case=case,
        seen_version=case.version,
        reason="goals_met",
        goals_met_or_explained=True,
        follow_up_completed=True,
        child_safe=True,
        child_informed=True,
        carer_name="Centre d'accueil",
        carer_relationship="Residential carer",
        carer_address="Tanger",
    )
    if reached(Stage.CLOSED):
        approval = Approval.objects.get(
            subject=ApprovalSubject.CLOSURE, object_id=closure.pk, status=ApprovalStatus.PENDING
        )
        approval_decide(actor=supervisor, approval=approval, approve=True)


def _move(actor: User, case: Case, name: str) -> None:
    case.refresh_from_db()
    case_transition(actor=actor, case=case, name=name, seen_version=case.version)


RECEIVING_AGENCY = "Partner agency in the country of origin"


def _consents_to_tracing(case: Case) -> bool:
    return assessments.tracing_consent_exists(case)


def trace(*, case: Case, lead: User, until: str) -> None:
    """Tracing started with the child's consent and the do-no-harm check, then moved on to
    `until` (in progress, or found)."""
    case.refresh_from_db()
    assessments.tracing_status_update(
        actor=lead,
        case=case,
        status="open",
        do_no_harm_confirmed=True,
        tracing_targets="Mother",
    )
    for status in ("in_progress", "found"):
        case.refresh_from_db()
        assessments.tracing_status_update(actor=lead, case=case, status=status)
        if status == until:
            return


def prepare_return(*, case: Case, lead: User, day: date) -> None:
    """What a return needs (SG-05, SG-10): the family traced and verified, a risk assessment,
    the carer's written agreement and the receiving agency's confirmation."""
    trace(case=case, lead=lead, until="found")
    case.refresh_from_db()
    assessments.family_verification_record(
        actor=lead,
        case=case,
        adult_name="The child's mother",
        relationship="mother",
        how_verified="Documents, photographs and both accounts checked by the partner agency.",
        verified_by="Partner social worker",
        verified_on=on(day, 45),
        relationship_confirmed=True,
        information_matches=True,
        child_willing=True,
        adult_willing=True,
    )
    case.refresh_from_db()
    assessments.tracing_status_update(actor=lead, case=case, status="verified")
    plans.return_preparation_save(
        actor=lead,
        case=case,
        risk_assessed_on=on(day, 50),
        risk_result="safe",
        risk_assessed_by="Partner social worker",
        carer_name="The child's mother",
        carer_relationship="Mother",
        carer_agreed_on=on(day, 50),
        reception_agency=RECEIVING_AGENCY,
        reception_confirmed_on=on(day, 55),
        reception_reference="RX-2026-0001",
    )
