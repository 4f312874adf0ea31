"""Every safeguard of this app refuses with a clear message, and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kinlink.assessments import services
from kinlink.assessments.models import (
    AgeAssessment,
    Assessment,
    BIDStatus,
    ChildViews,
    TracingStatusChange,
)
from kinlink.assessments.tests.conftest import (
    appoint_guardian,
    approve_submission,
    at_determination,
    consent_to_tracing,
    decision,
    hear_child,
    reload,
    seat_panel,
    write_assessment,
)
from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.models import Approval, Case, Stage
from kinlink.cases.services import case_facts_update
from kinlink.cases.workflow import approval_decide, case_transition
from kinlink.core.models import NodeSettings

pytestmark = pytest.mark.django_db


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- SG-04: the child's views -----------------------------------------------------------


def test_an_assessment_cannot_be_sent_for_approval_before_the_child_is_heard(
    case_a: Any, caseworker_a: Any
) -> None:
    assessment = write_assessment(case_a, caseworker_a)
    with pytest.raises(ValidationError) as error:
        services.assessment_submit(actor=caseworker_a, assessment=assessment)
    assert "Record the child's views first" in messages_of(error)
    assert f"/cases/{case_a.pk}/assessments/views/new/" in messages_of(error)
    assert not Approval.objects.exists()
    assert reload(assessment).submitted_at is None


def test_views_without_any_wish_are_refused(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.child_views_record(
            actor=caseworker_a,
            case=case_a,
            heard_on=timezone.localdate(),
            method="interview",
            language="ara",
            maturity_note="Mature.",
        )
    assert "wishes" in messages_of(error)
    assert not ChildViews.objects.exists()
    assert reload(case_a).child_views_recorded_at is None


def test_temporary_care_is_refused_without_the_childs_views_and_an_approved_assessment(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.ASSESSMENT)
    case = reload(case_a)
    with pytest.raises(TransitionRefused, match="Record the child's views first"):
        case_transition(
            actor=supervisor_a, case=case, name="start_temporary_care", seen_version=case.version
        )
    hear_child(case, caseworker_a)
    with pytest.raises(TransitionRefused, match="approved by a supervisor"):
        case_transition(
            actor=supervisor_a, case=case, name="start_temporary_care", seen_version=case.version
        )
    assert reload(case).stage == Stage.ASSESSMENT


# --- approval by the author -----------------------------------------------------------


def test_the_author_of_an_assessment_cannot_approve_it(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, supervisor_a)  # the supervisor wrote it
    approval = services.assessment_submit(actor=caseworker_a, assessment=assessment)
    with pytest.raises(ValidationError, match="author of an assessment cannot approve"):
        approval_decide(actor=supervisor_a, approval=approval, approve=True)
    assert reload(approval).status == "pending"
    assert reload(assessment).approved_at is None


def test_a_guardian_cannot_write_an_assessment(
    case_a: Any, guardian: Any, guardian_on_case: Any
) -> None:
    with pytest.raises(PermissionDenied):
        write_assessment(case_a, guardian)
    assert not Assessment.objects.exists()


# --- SG-02: age assessment ------------------------------------------------------------

AGE_REQUEST = {
    "reason_for_doubt": "Police report states he is 19; documents contradict each other.",
    "child_consent": True,
    "guardian_consent": True,
    "methods": ["documents", "interview"],
    "assessors": "Social worker; psychologist",
}


@pytest.mark.parametrize(
    ("override", "field_message"),
    [
        ({"reason_for_doubt": "looks old"}, "at least 20 characters"),
        ({"child_consent": False}, "child's consent"),
        ({"guardian_consent": False}, "guardian's consent"),
        ({"methods": []}, "Choose the methods"),
        ({"methods": ["medical"]}, "last resort"),
        ({"methods": ["interview", "medical"]}, "last resort"),
    ],
)
def test_an_age_assessment_without_its_conditions_is_refused(
    case_a: Any, caseworker_a: Any, override: dict[str, Any], field_message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        services.age_assessment_request(
            actor=caseworker_a, case=case_a, **{**AGE_REQUEST, **override}
        )
    assert field_message in messages_of(error)
    assert not AgeAssessment.objects.exists()
    case = reload(case_a)
    assert case.age_assessment_status == "not_needed"
    assert case.age_disputed is False


def test_a_decided_age_needs_a_range(case_a: Any, caseworker_a: Any) -> None:
    age = services.age_assessment_request(actor=caseworker_a, case=case_a, **AGE_REQUEST)
    age = services.age_assessment_update(
        actor=caseworker_a, assessment=age, seen_version=age.version, status="in_progress"
    )
    with pytest.raises(ValidationError, match="range"):
        services.age_assessment_update(
            actor=caseworker_a, assessment=age, seen_version=age.version, status="decided"
        )
    with pytest.raises(ValidationError, match="cannot move"):
        services.age_assessment_update(
            actor=caseworker_a, assessment=age, seen_version=age.version, status="final"
        )
    assert reload(age).status == "in_progress"
    assert reload(case_a).age_estimate == 15


# --- SG-11: tracing -------------------------------------------------------------------


def test_tracing_cannot_start_without_consent_to_tracing(case_a: Any, caseworker_a: Any) -> None:
    with pytest.raises(ValidationError, match="consent that covers family tracing"):
        services.tracing_status_update(
            actor=caseworker_a,
            case=case_a,
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother",
        )
    case = reload(case_a)
    assert case.tracing_status == "not_started"
    assert case.tracing_started_on is None
    assert not TracingStatusChange.objects.exists()


def test_tracing_cannot_start_without_the_do_no_harm_confirmation(
    case_a: Any, caseworker_a: Any
) -> None:
    consent_to_tracing(case_a, caseworker_a)
    with pytest.raises(ValidationError, match="does not endanger"):
        services.tracing_status_update(
            actor=caseworker_a, case=case_a, status="open", tracing_targets="Mother"
        )
    assert reload(case_a).tracing_status == "not_started"


def test_an_alleged_abuser_cannot_be_traced(case_a: Any, caseworker_a: Any) -> None:
    consent_to_tracing(case_a, caseworker_a)
    with pytest.raises(ValidationError, match="alleged abuser"):
        services.tracing_status_update(
            actor=caseworker_a,
            case=case_a,
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother\nUncle Ahmed",
            alleged_abusers="uncle ahmed",
        )
    assert reload(case_a).tracing_status == "not_started"


def test_a_withdrawn_tracing_consent_does_not_count(case_a: Any, caseworker_a: Any) -> None:
    consent_to_tracing(case_a, caseworker_a)
    case_a.consents.update(withdrawn_on=timezone.localdate())
    with pytest.raises(ValidationError, match="consent"):
        services.tracing_status_update(
            actor=caseworker_a,
            case=case_a,
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother",
        )


# --- step 5 guard ---------------------------------------------------------------------


def test_solution_determination_needs_a_family_evaluation_or_tracing_closed(
    case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.INTERIM_CARE)
    case = reload(case_a)
    # The guardian safeguard (SG-03, care app) is met; this test is about the evaluation.
    case_facts_update(actor=None, case=case, guardianship_status="appointed")
    with pytest.raises(TransitionRefused, match="family evaluation"):
        case_transition(
            actor=supervisor_a,
            case=case,
            name="start_solution_determination",
            seen_version=case.version,
        )
    case_facts_update(actor=None, case=case, tracing_status="closed_not_found")
    case_transition(
        actor=supervisor_a,
        case=case,
        name="start_solution_determination",
        seen_version=case.version,
    )
    assert reload(case).stage == Stage.SOLUTION_DETERMINATION


def test_a_solution_cannot_be_implemented_without_a_decided_bid(
    case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.SOLUTION_DETERMINATION)
    case = reload(case_a)
    with pytest.raises(TransitionRefused, match="best-interests determination must be decided"):
        case_transition(
            actor=supervisor_a, case=case, name="implement_solution", seen_version=case.version
        )


# --- SG-08, SG-03, SG-04, SG-06: the BID decision ------------------------------------


def refused_decision(bid: Any, actor: Any, **overrides: Any) -> str:
    with pytest.raises(ValidationError) as error:
        services.bid_decide(actor=actor, bid=bid, seen_version=bid.version, **decision(**overrides))
    bid = reload(bid)
    assert bid.status == BIDStatus.OPEN
    assert bid.solution == ""
    assert reload(bid.case).decided_solution == ""
    return messages_of(error)


def test_the_report_author_cannot_decide(ready_bid: Any, caseworker_a: Any) -> None:
    assert "author of the report cannot decide" in refused_decision(ready_bid, caseworker_a)


def test_the_author_of_an_approved_assessment_cannot_decide(
    ready_bid: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any, team_a: Any
) -> None:
    from conftest import make_user

    second = make_user("supervisor_a2", "supervisor", case_a.agency, [team_a])
    assessment = write_assessment(case_a, supervisor_a)
    approval = services.assessment_submit(actor=caseworker_a, assessment=assessment)
    approval_decide(actor=second, approval=approval, approve=True)
    message = refused_decision(ready_bid, supervisor_a)
    assert "author of an approved assessment" in message


def test_a_panel_below_quorum_cannot_decide(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    appoint_guardian(case_a)
    bid = services.bid_open(actor=caseworker_a, case=case_a, report="BID report text.")
    services.bid_option_add(actor=caseworker_a, bid=bid, solution="host")
    seat_panel(bid, caseworker_a, count=2)
    assert "at least 3 members" in refused_decision(reload(bid), supervisor_a)


def test_the_quorum_follows_the_node_settings(ready_bid: Any, supervisor_a: Any) -> None:
    NodeSettings.current()
    NodeSettings.objects.filter(pk=1).update(bid_panel_quorum=4)
    assert "at least 4 members" in refused_decision(ready_bid, supervisor_a)


@pytest.mark.parametrize("missing", ["no_conflict_declared", "confidentiality_signed"])
def test_a_member_without_declarations_blocks_the_decision(
    ready_bid: Any, caseworker_a: Any, supervisor_a: Any, missing: str
) -> None:
    seat_panel(ready_bid, caseworker_a, count=1, external_name="Dr Late", **{missing: False})
    assert "Dr Late have not" in refused_decision(reload(ready_bid), supervisor_a)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"reasons": ""}, "Give the reasons"),
        ({"reasons": "ok"}, "Give the reasons"),
        ({"child_informed_on": None}, "when the child was informed"),
        ({"child_informed_language": ""}, "in which language"),
        ({"review_on": None}, "date of the review"),
        ({"review_on": timezone.localdate()}, "review date must be in the future"),
        ({"solution": "third_country"}, "options the panel weighed"),
    ],
)
def test_a_decision_missing_an_element_is_refused(
    ready_bid: Any, supervisor_a: Any, override: dict[str, Any], message: str
) -> None:
    assert message in refused_decision(ready_bid, supervisor_a, **override)


def test_a_decision_is_refused_while_the_childs_views_are_missing(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(child_views_recorded_at=None)
    assert "Record the child's views first" in refused_decision(reload(ready_bid), supervisor_a)


def test_a_decision_is_refused_for_an_unaccompanied_child_without_a_guardian(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(guardianship_status="requested")
    assert "guardian must be appointed" in refused_decision(reload(ready_bid), supervisor_a)


def _adoption_bid(case: Any, caseworker: Any, supervisor: Any) -> Any:
    at_determination(case)
    hear_child(case, caseworker)
    appoint_guardian(case)
    bid = services.bid_open(actor=caseworker, case=case, report="BID report text.")
    services.bid_option_add(actor=caseworker, bid=bid, solution="adoption_kafala")
    seat_panel(bid, caseworker)
    return approve_submission(reload(bid), caseworker, supervisor)


def _trace_from_to(case: Any, actor: Any, opened: datetime, closed: datetime) -> None:
    with time_machine.travel(opened):
        consent_to_tracing(case, actor)
        services.tracing_status_update(
            actor=actor,
            case=reload(case),
            status="open",
            do_no_harm_confirmed=True,
            tracing_targets="Mother",
        )
    with time_machine.travel(closed):
        services.tracing_status_update(
            actor=actor, case=reload(case), status="closed_not_found", note=CLOSING_NOTE
        )


CLOSING_NOTE = "Red Cross and two embassies searched; no trace of the family."


def adoption(**overrides: Any) -> dict[str, Any]:
    return decision(
        solution="adoption_kafala",
        child_informed_on=timezone.localdate(),
        review_on=timezone.localdate() + timedelta(days=90),
        **overrides,
    )


def test_adoption_after_tracing_closed_before_24_months_is_refused_even_years_later(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    _trace_from_to(
        case_a,
        caseworker_a,
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        datetime(2028, 11, 1, 9, 0, tzinfo=UTC),  # closed after 23 months of tracing
    )
    with time_machine.travel(datetime(2030, 1, 5, 9, 0, tzinfo=UTC)):  # 37 months since start
        bid = _adoption_bid(case_a, caseworker_a, supervisor_a)
        with pytest.raises(ValidationError, match="24 months of tracing"):
            services.bid_decide(actor=supervisor_a, bid=bid, seen_version=bid.version, **adoption())
        assert reload(bid).status == BIDStatus.OPEN


def test_adoption_after_24_months_of_tracing_closed_not_found_is_decided(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    _trace_from_to(
        case_a,
        caseworker_a,
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        datetime(2028, 12, 2, 9, 0, tzinfo=UTC),  # 24 months of tracing
    )
    with time_machine.travel(datetime(2028, 12, 20, 9, 0, tzinfo=UTC)):
        bid = _adoption_bid(case_a, caseworker_a, supervisor_a)
        services.bid_decide(actor=supervisor_a, bid=bid, seen_version=bid.version, **adoption())
        assert reload(case_a).decided_solution == "adoption_kafala"


def test_adoption_while_tracing_is_still_open_is_refused(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(
        tracing_status="in_progress",
        tracing_started_on=timezone.localdate() - timedelta(days=1000),
    )
    message = refused_decision(reload(ready_bid), supervisor_a, solution="adoption_kafala")
    assert "closed without finding the family" in message


def test_a_stale_decision_is_refused(ready_bid: Any, supervisor_a: Any) -> None:
    from kinlink.core.concurrency import StaleEdit

    with pytest.raises(StaleEdit):
        services.bid_decide(
            actor=supervisor_a, bid=ready_bid, seen_version=ready_bid.version - 1, **decision()
        )
    assert reload(ready_bid).status == BIDStatus.OPEN


# --- SG-19 ----------------------------------------------------------------------------


def test_a_later_concern_never_shortens_the_reflection_period(
    case_a: Any, caseworker_a: Any
) -> None:
    today = timezone.localdate()
    services.trafficking_concern_record(
        actor=caseworker_a,
        case=case_a,
        indicators="Recruited with false promises of work.",
        referred_on=today,
        referred_to="National referral mechanism",
    )
    services.trafficking_concern_record(
        actor=caseworker_a,
        case=reload(case_a),
        indicators="An earlier incident reported late.",
        referred_on=today - timedelta(days=20),
        referred_to="National referral mechanism",
    )
    assert reload(case_a).trafficking_reflection_until == today + timedelta(days=30)


def test_a_trafficking_concern_without_indicators_is_refused(
    case_a: Any, caseworker_a: Any
) -> None:
    with pytest.raises(ValidationError, match="at least 10 characters"):
        services.trafficking_concern_record(
            actor=caseworker_a,
            case=case_a,
            indicators="",
            referred_on=timezone.localdate(),
            referred_to="NRM",
        )
    assert reload(case_a).trafficking_reflection_until is None


# --- review fixes: age at referral (SG-02) ---------------------------------------------


def _decide_age(case: Any, actor: Any, low: int, high: int) -> Any:
    age = services.age_assessment_request(
        actor=actor, case=reload(case), **{**AGE_REQUEST, "methods": ["documents"]}
    )
    age = services.age_assessment_update(
        actor=actor, assessment=age, seen_version=age.version, status="in_progress"
    )
    return services.age_assessment_update(
        actor=actor,
        assessment=age,
        seen_version=age.version,
        status="decided",
        age_min=low,
        age_max=high,
        decided_on=timezone.localdate(),
    )


def _referred_two_years_ago_as_15(case: Any) -> Any:
    Case.objects.filter(pk=case.pk).update(
        referral_date=timezone.localdate() - timedelta(days=2 * 365 + 1),
        age_estimate=15,
        date_of_birth=None,
    )
    case = reload(case)
    assert case.age == 17
    return case


@pytest.mark.parametrize(("low", "high", "age_now"), [(17, 19, 17), (16, 18, 16), (18, 20, 17)])
def test_an_assessed_age_never_makes_a_child_referred_two_years_ago_older(
    case_a: Any, caseworker_a: Any, low: int, high: int, age_now: int
) -> None:
    case = _referred_two_years_ago_as_15(case_a)
    _decide_age(case, caseworker_a, low, high)
    assert reload(case).age == age_now


def test_an_assessed_age_below_the_current_one_lowers_the_age_counted_from_the_referral(
    case_a: Any, caseworker_a: Any
) -> None:
    case = _referred_two_years_ago_as_15(case_a)
    _decide_age(case, caseworker_a, 14, 16)
    case = reload(case)
    assert case.age == 14
    assert case.age_estimate == 12  # at referral, two years before the decision


def test_an_assessed_age_keeps_the_date_of_birth_and_is_recorded_on_the_assessment(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    born = timezone.localdate() - timedelta(days=17 * 365 + 10)
    Case.objects.filter(pk=case_a.pk).update(date_of_birth=born, age_estimate=None)
    age = _decide_age(case_a, caseworker_a, 15, 17)
    case = reload(case_a)
    assert case.date_of_birth == born
    assert case.age_estimate is None
    assert (reload(age).age_min, reload(age).age_max) == (15, 17)
    client.force_login(caseworker_a)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "assessed at 15–17 years" in page
    assert "the date of birth is kept" in page


# --- review fixes: tracing moves (H2, SG-10) and do-no-harm (SG-11) ---------------------


def _open_tracing(case: Any, actor: Any, **values: Any) -> Any:
    consent_to_tracing(case, actor)
    return services.tracing_status_update(
        actor=actor,
        case=reload(case),
        status="open",
        do_no_harm_confirmed=True,
        **{"tracing_targets": "Mother", **values},
    )


def verify_family(case: Any, actor: Any, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "adult_name": "Amina El Amine",
        "relationship": "mother",
        "how_verified": "Birth certificate and the child's and the mother's accounts agree.",
        "verified_by": "Partner social worker, Khartoum",
        "verified_on": timezone.localdate(),
        "relationship_confirmed": True,
        "information_matches": True,
        "child_willing": True,
        "adult_willing": True,
    }
    values.update(overrides)
    return services.family_verification_record(actor=actor, case=reload(case), **values)


def _move(case: Any, actor: Any, status: str, **values: Any) -> Any:
    return services.tracing_status_update(actor=actor, case=reload(case), status=status, **values)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "found"),
        (["open"], "verified"),
        (["open"], "reunified"),
        (["open", "found"], "reunified"),  # SG-10: verified first
        (["open", "found", "verified"], "open"),
    ],
)
def test_a_tracing_move_outside_the_allowed_moves_is_refused(
    case_a: Any, caseworker_a: Any, path: list[str], refused: str
) -> None:
    verify_family(case_a, caseworker_a)  # SG-10: "verified" needs a verification on record
    if path:
        _open_tracing(case_a, caseworker_a)
    for status in path[1:]:
        _move(case_a, caseworker_a, status)
    before = reload(case_a).tracing_status
    count = TracingStatusChange.objects.count()
    with pytest.raises(ValidationError, match="Tracing cannot move from"):
        _move(case_a, caseworker_a, refused, do_no_harm_confirmed=True, tracing_targets="Mother")
    assert reload(case_a).tracing_status == before
    assert TracingStatusChange.objects.count() == count


def test_a_family_is_reunified_only_after_the_link_is_verified(
    case_a: Any, caseworker_a: Any
) -> None:
    _open_tracing(case_a, caseworker_a)
    verify_family(case_a, caseworker_a)  # SG-10: the verification record the moves need
    for status in ("in_progress", "found", "verified", "reunified"):
        _move(case_a, caseworker_a, status)
    assert reload(case_a).tracing_status == "reunified"


def test_closing_tracing_as_not_found_needs_a_note_and_is_dated(
    case_a: Any, caseworker_a: Any
) -> None:
    _open_tracing(case_a, caseworker_a)
    with pytest.raises(ValidationError, match="at least 20 characters"):
        _move(case_a, caseworker_a, "closed_not_found", note="Not found.")
    assert reload(case_a).tracing_status == "open"
    change = _move(case_a, caseworker_a, "closed_not_found", note=CLOSING_NOTE)
    assert change.closed_on == timezone.localdate()
    assert services.tracing_closed_on(reload(case_a)) == timezone.localdate()
    _open_tracing(case_a, caseworker_a)  # a closed tracing may restart
    assert reload(case_a).tracing_status == "open"


def test_a_person_flagged_earlier_cannot_be_traced_on_a_later_move(
    case_a: Any, caseworker_a: Any
) -> None:
    _open_tracing(case_a, caseworker_a, alleged_abusers="Mohamed Benali")
    with pytest.raises(ValidationError, match="alleged abuser") as error:
        _move(case_a, caseworker_a, "in_progress", tracing_targets="Mother\nMuhammad Ben Ali")
    assert "Muhammad Ben Ali" in messages_of(error)
    assert reload(case_a).tracing_status == "open"
    _move(case_a, caseworker_a, "in_progress", tracing_targets="Mother\nAunt Khadija")
    assert reload(case_a).tracing_status == "in_progress"


def test_a_person_flagged_later_stops_the_tracing_of_the_same_person(
    case_a: Any, caseworker_a: Any
) -> None:
    _open_tracing(case_a, caseworker_a, tracing_targets="Mother\nUncle Ahmed Karimi")
    with pytest.raises(ValidationError, match="alleged abuser"):
        _move(case_a, caseworker_a, "found", alleged_abusers="Ahmad Karimi")
    assert reload(case_a).tracing_status == "open"


def test_a_restarted_tracing_still_checks_people_flagged_before_the_closure(
    case_a: Any, caseworker_a: Any
) -> None:
    _open_tracing(case_a, caseworker_a, alleged_abusers="Youssef Haddad")
    _move(case_a, caseworker_a, "closed_not_found", note=CLOSING_NOTE)
    with pytest.raises(ValidationError, match="alleged abuser"):
        _open_tracing(case_a, caseworker_a, tracing_targets="Father Yusuf Hadad")
    assert reload(case_a).tracing_status == "closed_not_found"


# --- review fixes: who decides, when (M3, SG-04, SG-08) ---------------------------------


def test_a_determination_is_not_decided_outside_the_solution_determination_step(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(stage=Stage.INTERIM_CARE)
    assert "the case is not there" in refused_decision(reload(ready_bid), supervisor_a)


def test_a_determination_is_not_decided_while_the_case_is_on_hold(
    ready_bid: Any, case_a: Any, supervisor_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(hold="missing")
    assert "on hold" in refused_decision(reload(ready_bid), supervisor_a)


def test_only_a_supervisor_decides_a_determination(
    ready_bid: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any, team_a: Any
) -> None:
    from conftest import make_user
    from kinlink.cases.services import case_assign

    colleague = make_user("caseworker_a2", "caseworker", case_a.agency, [team_a])
    case = reload(case_a)
    case_assign(
        actor=supervisor_a, case=case, seen_version=case.version, add=[(colleague, "coworker")]
    )
    message = refused_decision(reload(ready_bid), colleague)
    assert "Only a supervisor decides" in message
    assert "author of the report" not in message


def test_a_decision_without_the_weight_given_to_the_childs_views_is_refused(
    ready_bid: Any, supervisor_a: Any
) -> None:
    message = refused_decision(ready_bid, supervisor_a, views_weighed="  ")
    assert "how the child's views were weighed" in message


def test_a_decision_before_the_submission_is_approved_is_refused(
    ready_bid: Any, supervisor_a: Any
) -> None:
    from kinlink.assessments.models import BestInterestsDetermination

    BestInterestsDetermination.objects.filter(pk=ready_bid.pk).update(submission_approved_at=None)
    assert "submitted to a supervisor and approved" in refused_decision(
        reload(ready_bid), supervisor_a
    )


# --- review fixes: the panel (M4, SG-08) ------------------------------------------------


def _member(bid: Any, actor: Any, **values: Any) -> Any:
    return services.bid_panel_member_add(
        actor=actor, bid=bid, function="Chair", agency="Agency A", **values
    )


def test_the_report_author_cannot_sit_on_the_panel(ready_bid: Any, caseworker_a: Any) -> None:
    count = ready_bid.panel_members.count()
    with pytest.raises(ValidationError, match="author of the report cannot sit"):
        _member(ready_bid, caseworker_a, user=caseworker_a)
    assert ready_bid.panel_members.count() == count


def test_the_same_person_cannot_sit_twice_on_the_panel(
    ready_bid: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    _member(ready_bid, caseworker_a, user=supervisor_a)
    with pytest.raises(ValidationError, match="already sits"):
        _member(ready_bid, caseworker_a, user=supervisor_a)
    with pytest.raises(ValidationError, match="already sits"):
        _member(ready_bid, caseworker_a, external_name="  expert   0 ")  # seated as "Expert 0"
    assert ready_bid.panel_members.count() == 4


def test_the_database_refuses_a_member_seated_twice(ready_bid: Any, supervisor_a: Any) -> None:
    from django.db import IntegrityError, transaction

    from kinlink.assessments.models import BIDPanelMember

    with pytest.raises(IntegrityError), transaction.atomic():
        BIDPanelMember.objects.create(
            bid=ready_bid, external_name="EXPERT 1", function="x", agency="y"
        )
    BIDPanelMember.objects.create(bid=ready_bid, user=supervisor_a, function="x", agency="y")
    with pytest.raises(IntegrityError), transaction.atomic():
        BIDPanelMember.objects.create(bid=ready_bid, user=supervisor_a, function="x", agency="y")


# --- review fixes: the submission (SG-03, SG-04) ---------------------------------------


def test_a_determination_without_an_option_cannot_be_submitted(
    case_a: Any, caseworker_a: Any
) -> None:
    hear_child(case_a, caseworker_a)
    appoint_guardian(case_a)
    bid = services.bid_open(actor=caseworker_a, case=case_a, report="BID report text.")
    with pytest.raises(ValidationError, match="at least one option"):
        services.bid_submit(actor=caseworker_a, bid=bid)
    assert not Approval.objects.exists()


def test_a_determination_cannot_be_submitted_before_the_child_is_heard_or_has_a_guardian(
    case_a: Any, caseworker_a: Any
) -> None:
    Case.objects.filter(pk=case_a.pk).update(separation_status="unaccompanied")
    case = reload(case_a)
    bid = services.bid_open(actor=caseworker_a, case=case, report="BID report text.")
    services.bid_option_add(actor=caseworker_a, bid=bid, solution="host")
    with pytest.raises(ValidationError) as error:
        services.bid_submit(actor=caseworker_a, bid=reload(bid))
    assert "Record the child's views first" in messages_of(error)
    assert "guardian must be appointed" in messages_of(error)
    assert not Approval.objects.exists()
