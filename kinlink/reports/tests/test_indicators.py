"""Each indicator of docs/indicators.md on fixture data with known answers (conftest.py)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from kinlink.reports import indicators
from kinlink.reports.indicators import suppress
from kinlink.reports.policies import aggregate_scope
from kinlink.reports.tests.conftest import PERIOD

pytestmark = pytest.mark.django_db


def results_for(user: Any, codes: tuple[str, ...]) -> dict[str, indicators.Result]:
    scope = aggregate_scope(user)
    assert scope is not None
    found = indicators.compute(codes, scope.cases, PERIOD, deidentified=scope.deidentified)
    return {r.indicator.code: r for r in found}


def rows(result: indicators.Result) -> dict[str, Any]:
    return {r.key: r.value for r in result.rows if r.value != 0}


def test_every_indicator_is_defined_in_the_docs_and_computed_by_one_function() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "indicators.md").read_text()
    assert set(indicators.COMPUTE) == set(indicators.BY_CODE)
    for code in indicators.BY_CODE:
        assert f"`{code}`" in text, code


def test_the_supervisor_sees_her_teams_caseload_by_step_risk_and_type(
    known: dict[str, Any], supervisor_a: Any
) -> None:
    found = results_for(supervisor_a, indicators.TEAM)
    assert found["caseload_by_step"].value == 6
    assert rows(found["caseload_by_step"]) == {"identified": 6}
    assert rows(found["caseload_by_risk"]) == {"high": 4, "medium": 2}
    assert rows(found["caseload_by_type"]) == {"uasc_host": 4, "left_behind": 2}


def test_overdue_tasks_and_approvals_waiting_are_counted(
    known: dict[str, Any], supervisor_a: Any
) -> None:
    found = results_for(supervisor_a, indicators.TEAM)
    assert found["tasks_overdue"].value == 1
    assert rows(found["tasks_overdue"]) == {"other": 1}
    assert found["approvals_waiting"].value == 1
    assert rows(found["approvals_waiting"]) == {"closure": 1}


def test_days_to_guardian_are_the_median_from_referral_to_appointment(
    known: dict[str, Any], supervisor_a: Any
) -> None:
    guardian = results_for(supervisor_a, indicators.TEAM)["days_to_guardian"]
    # Appointed after 3 and 20 days: median 11.5; within 15 days: 1 of the 4 unaccompanied.
    assert guardian.value == 11.5
    assert (guardian.numerator, guardian.denominator) == (1, 4)


def test_days_to_first_assessment_and_to_the_best_interests_decision(
    known: dict[str, Any], supervisor_a: Any
) -> None:
    found = results_for(supervisor_a, indicators.TEAM)
    assert found["days_to_assessment"].value == 7.5
    assert (found["days_to_assessment"].numerator, found["days_to_assessment"].denominator) == (
        2,
        6,
    )
    assert found["days_to_bid"].value == 30
    assert (found["days_to_bid"].numerator, found["days_to_bid"].denominator) == (1, 6)


def test_the_node_dashboard_counts_solutions_visits_on_time_and_missing_children(
    known: dict[str, Any], supervisor_a: Any
) -> None:
    found = results_for(supervisor_a, indicators.NODE)
    assert rows(found["registered"]) == {"uasc_host": 4, "left_behind": 2}
    assert rows(found["solutions"]) == {"return": 1}
    visits = found["visits_on_time"]
    assert (visits.value, visits.numerator, visits.denominator) == (75.0, 3, 4)
    assert found["missing"].value == 1
    assert found["reunifications"].value == 0
    assert found["ageing_out"].denominator == 0


def test_the_caseworker_of_another_team_counts_only_her_own_child(
    known: dict[str, Any], caseworker_b: Any
) -> None:
    found = results_for(caseworker_b, indicators.CASEWORKER)
    assert found["caseload_by_step"].value == 1


def test_the_analyst_sees_the_whole_agency_with_small_cells_hidden(
    known: dict[str, Any], analyst: Any
) -> None:
    found = results_for(analyst, indicators.NODE)
    registered = found["registered"]
    # 7 children in all (both teams): 5 hosts are shown, the 2 left behind are hidden, and so
    # is the next smallest count, so that the hidden one cannot be worked out from the total.
    assert registered.value == 7
    assert rows(registered) == {"uasc_host": None, "left_behind": None}
    assert found["missing"].value is None
    assert found["visits_on_time"].value is None  # 4 visits: too few to show a share


def test_small_cells_are_hidden_with_a_second_cell_when_one_could_be_worked_out() -> None:
    assert suppress({"a": 10, "b": 3, "c": 7}) == {"a": 10, "b": None, "c": None}
    assert suppress({"a": 10, "b": 2, "c": 2}) == {"a": None, "b": None, "c": None}
    assert suppress({"a": 10, "b": 3, "c": 4, "d": 9}) == {"a": 10, "b": None, "c": None, "d": 9}
    assert suppress({"a": 0, "b": 8}) == {"a": 0, "b": 8}


def test_network_tables_count_registrations_by_nationality_sex_and_age_band(
    known: dict[str, Any],
) -> None:
    from kinlink.cases.models import Case

    tables = indicators.network_tables(Case.objects.all(), PERIOD)
    assert tables["registered_by_nationality"] == {"SD": 7}
    assert tables["registered_by_sex"] == {"male": 7}
    assert tables["registered_by_age_band"] == {"12-17": 7}
    assert tables["registered_by_type"] == {"uasc_host": None, "left_behind": None}
    assert tables["solutions"] == {"return": None}


@pytest.fixture
def more_known(known: dict[str, Any], caseworker_a: Any, agency: Any) -> dict[str, Any]:
    """On top of `known`: one first response overdue; one child reunified in the period and
    one after it; two children ageing out, one with the transition plan done; three requests
    to a partner in Guinea (two waiting, one of them past its reply date; one answered in 10
    days) and one to Italy answered in 4 days."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    from kinlink.assessments.models import TracingStatusChange
    from kinlink.cases.models import Case, TaskKind, TaskStatus
    from kinlink.cases.workflow import task_open
    from kinlink.exchange.models import CrossBorderRequest, Direction, Peer, RequestStatus

    hosts, behind = known["hosts"], known["behind"]
    now = timezone.now()
    Case.objects.filter(pk=hosts[1].pk).update(
        first_response_at=None, first_response_due_at=now - timedelta(hours=2)
    )
    for case, day in ((hosts[0], date(2026, 9, 15)), (hosts[1], date(2026, 12, 15))):
        change = TracingStatusChange.objects.create(
            case=case, previous_status="verified", status="reunified", recorded_by=caseworker_a
        )
        at = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))
        TracingStatusChange.objects.filter(pk=change.pk).update(created_at=at)
    Case.objects.filter(pk__in=[hosts[2].pk, behind[0].pk]).update(
        ageing_out_since=date(2026, 10, 1)
    )
    plan = task_open(
        case=hosts[2],
        kind=TaskKind.TRANSITION_PLAN,
        title="Transition plan",
        due_at=now + timedelta(days=30),
        owner=caseworker_a,
    )
    type(plan).objects.filter(pk=plan.pk).update(status=TaskStatus.DONE)

    def peer(node_id: str, name: str, country: str) -> Peer:
        return Peer.objects.create(
            node_id=node_id,
            name=name,
            country=country,
            base_url=f"http://{node_id}.invalid",
            inbox_url=f"http://{node_id}.invalid/exchange/inbox",
            fingerprint="-",
        )

    guinea, italy = peer("gn", "Partner in Guinea", "GN"), peer("it", "Partner in Italy", "IT")
    sent = timezone.make_aware(datetime(2026, 3, 1, 10))
    for number, (to, status, overdue, replied_days) in enumerate(
        [
            (guinea, RequestStatus.SENT, False, None),
            (guinea, RequestStatus.ACKNOWLEDGED, True, None),
            (guinea, RequestStatus.REPLIED, False, 10),
            (italy, RequestStatus.REPLIED, False, 4),
        ]
    ):
        CrossBorderRequest.objects.create(
            conversation=uuid.uuid4(),
            reference=f"XB-{number}",
            direction=Direction.OUTGOING,
            request_type="tracing",
            agency=agency,
            peer=to,
            case=hosts[number],
            status=status,
            due_on=date(2026, 4, 1),
            sent_at=sent,
            replied_at=sent + timedelta(days=replied_days) if replied_days else None,
            overdue=overdue,
        )
    return known


def test_a_first_response_past_its_time_is_counted_overdue(
    more_known: dict[str, Any], supervisor_a: Any
) -> None:
    overdue = results_for(supervisor_a, indicators.TEAM)["first_response_overdue"]
    assert (overdue.value, overdue.numerator, overdue.denominator) == (1, 1, 6)


def test_requests_waiting_are_counted_by_partner_with_the_days_to_reply(
    more_known: dict[str, Any], supervisor_a: Any
) -> None:
    waiting = results_for(supervisor_a, indicators.TEAM)["requests_waiting"]
    assert waiting.value == 2
    by_partner = {r.key: (r.value, r.extra) for r in waiting.rows}
    assert by_partner == {
        "Partner in Guinea": (2, {"overdue": 1, "replied": 1, "median_reply_days": 10.0}),
        "Partner in Italy": (0, {"overdue": 0, "replied": 1, "median_reply_days": 4.0}),
    }


def test_reunifications_count_the_children_reunified_in_the_period(
    more_known: dict[str, Any], supervisor_a: Any
) -> None:
    assert results_for(supervisor_a, indicators.NODE)["reunifications"].value == 1


def test_children_ageing_out_with_their_transition_plan_done(
    more_known: dict[str, Any], supervisor_a: Any
) -> None:
    ageing = results_for(supervisor_a, indicators.NODE)["ageing_out"]
    assert (ageing.value, ageing.numerator, ageing.denominator) == (50.0, 1, 2)
