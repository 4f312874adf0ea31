"""Each indicator of docs/indicators.md on fixture data with known answers (conftest.py)."""

from __future__ import annotations

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
