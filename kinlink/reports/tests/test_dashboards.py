"""Dashboards as pages: who sees which, bad filters, charts with their tables, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kinlink.reports.tests.conftest import PERIOD

pytestmark = pytest.mark.django_db

PERIOD_PARAMS = {"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()}


def test_the_supervisor_reads_her_team_dashboard_with_charts_and_their_tables(
    client: Any, known: dict[str, Any], supervisor_a: Any
) -> None:
    client.force_login(supervisor_a)
    response = client.get(reverse("reports:team"), PERIOD_PARAMS)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg viewBox="0 0 320' in page and 'role="img"' in page
    assert "<caption>Open cases by step</caption>" in page
    assert "median 11.5 days" in page
    # No child's name on a dashboard.
    assert "Amir" not in page and "El Amine" not in page
    assert len(response.content) < 170_000


def test_an_end_before_the_start_is_explained_and_nothing_is_computed(
    client: Any, known: dict[str, Any], supervisor_a: Any
) -> None:
    client.force_login(supervisor_a)
    response = client.get(reverse("reports:team"), {"start": "2026-06-01", "end": "2026-05-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end of the period comes before its start." in page
    assert 'class="indicator"' not in page


@pytest.mark.parametrize("field", ["team", "case_type"])
def test_an_unknown_filter_value_is_explained_and_nothing_is_computed(
    client: Any, known: dict[str, Any], supervisor_a: Any, field: str
) -> None:
    client.force_login(supervisor_a)
    response = client.get(reverse("reports:node"), {field: "nonsense"})
    assert response.status_code == 400
    assert "Unknown value “nonsense”" in response.content.decode()
    assert 'class="indicator"' not in response.content.decode()


def test_a_supervisor_cannot_filter_on_a_team_she_does_not_supervise(
    client: Any, known: dict[str, Any], supervisor_a: Any, team_b: Any
) -> None:
    client.force_login(supervisor_a)
    response = client.get(reverse("reports:team"), {"team": str(team_b.pk)})
    assert response.status_code == 400


def test_the_analyst_node_dashboard_hides_small_counts(
    client: Any, known: dict[str, Any], analyst: Any
) -> None:
    client.force_login(analyst)
    response = client.get(reverse("reports:node"), PERIOD_PARAMS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "hidden (&lt;5)" in page
    assert "Counts under 5 are hidden" in page


def test_the_dashboard_is_drawn_right_to_left_in_arabic(
    client: Any, known: dict[str, Any], supervisor_a: Any
) -> None:
    supervisor_a.language = "ar"
    supervisor_a.save(update_fields=["language"])
    client.force_login(supervisor_a)
    page = client.get(reverse("reports:team"), PERIOD_PARAMS).content.decode()
    assert 'dir="rtl"' in page
    assert 'text-anchor="end"' in page


def test_the_team_dashboard_costs_the_same_queries_for_ten_times_more_cases(
    client: Any,
    known: dict[str, Any],
    supervisor_a: Any,
    register_case: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor_a)
    url = reverse("reports:team")
    with CaptureQueriesContext(connection) as few:
        client.get(url, PERIOD_PARAMS)
    for name in ("Hamza", "Ilyas", "Jamal", "Karim", "Larbi", "Mehdi", "Nabil", "Omar"):
        register_case(given_name=name, referral_date=PERIOD.start)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, PERIOD_PARAMS)
    assert response.status_code == 200
    assert len(few.captured_queries) <= 40


def test_the_node_dashboard_query_count_is_bounded(
    client: Any, known: dict[str, Any], analyst: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(analyst)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("reports:node"), PERIOD_PARAMS).status_code == 200


def test_the_caseworker_sees_her_caseload_in_figures(
    client: Any, known: dict[str, Any], caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    response = client.get(reverse("reports:caseload"))
    assert response.status_code == 200
    assert "Open cases by step" in response.content.decode()
