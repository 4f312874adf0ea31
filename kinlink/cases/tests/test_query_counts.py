"""Pages cost the same number of queries whatever the number of rows they show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kinlink.accounts.models import User
from kinlink.cases.models import Case
from kinlink.cases.services import case_assign, case_update


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    # The session is stamped at most once a minute: a still clock keeps that write out.
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        yield


def queries(client: Any, method: str, url: str, data: Any = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data)
    assert response.status_code == 200
    return len(captured)


def register_many(register_case: Any, count: int, **overrides: Any) -> None:
    for number in range(count):
        register_case(given_name="Ibrahim", family_name=f"Diallo{'x' * number}", **overrides)


def test_the_case_list_costs_the_same_with_5_and_with_30_cases(
    client: Any, caseworker_a: User, register_case: Any
) -> None:
    register_many(register_case, 5)
    client.force_login(caseworker_a)
    client.get(reverse("cases:list"))  # the session's first stamp
    with_5 = queries(client, "get", reverse("cases:list"))
    register_many(register_case, 25)
    with_30 = queries(client, "get", reverse("cases:list"))
    assert with_30 == with_5


def test_a_supervisors_search_costs_the_same_with_5_and_with_30_cases(
    client: Any, supervisor_a: User, caseworker_a: User, register_case: Any
) -> None:
    register_many(register_case, 5)
    client.force_login(supervisor_a)
    client.get(reverse("cases:list"))
    search = {"scope": "team", "q": "Ibrahim"}
    with_5 = queries(client, "post", reverse("cases:list"), search)
    register_many(register_case, 25)
    with_30 = queries(client, "post", reverse("cases:list"), search)
    assert with_30 == with_5


def test_the_case_page_costs_the_same_with_1_and_with_20_history_events(
    client: Any, supervisor_a: User, caseworker_a: User, case_a: Case, guardian: User
) -> None:
    case_a = case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )
    client.force_login(supervisor_a)
    url = reverse("cases:detail", args=[case_a.pk])
    client.get(url)
    few = queries(client, "get", url)
    for number in range(20):
        case_a = case_update(
            actor=caseworker_a,
            case=case_a,
            seen_version=case_a.version,
            identity={"current_location": f"Shelter {chr(65 + number)}"},
        )
    many = queries(client, "get", url)
    assert many == few


def test_the_case_page_runs_a_bounded_number_of_queries(
    client: Any, django_assert_max_num_queries: Any, caseworker_a: User, case_a: Case
) -> None:
    client.force_login(caseworker_a)
    url = reverse("cases:detail", args=[case_a.pk])
    client.get(url)
    # One or two queries per panel (care, assessments, plans, exchange, tracing) over the case,
    # its people, tasks, consents and history: 29 today; a new panel raises it by design, a
    # query per row (which the tests above catch as growth) never does.
    with django_assert_max_num_queries(29):
        assert client.get(url).status_code == 200
