"""The case page shows the latest of its history; the whole history is read page by page, and
every read of it is audited. A move reads by its name, from where to where."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases import lifecycle
from kinlink.cases.models import Case
from kinlink.cases.services import case_update
from kinlink.cases.workflow import case_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_satellite_guards(monkeypatch: Any) -> None:
    monkeypatch.setattr(lifecycle, "_GUARDS", lifecycle.defaultdict(list))


def edited_many_times(case: Case, actor: User, times: int) -> Case:
    for number in range(times):
        case = case_update(
            actor=actor,
            case=case,
            seen_version=case.version,
            identity={"current_location": f"Shelter {number:03d}"},
        )
    return case


def test_the_case_page_links_to_the_whole_history_when_it_is_longer(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    edited_many_times(case_a, caseworker_a, 60)
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert reverse("cases:history", args=[case_a.pk]) in page


def test_the_whole_history_reaches_the_first_event_page_by_page(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    edited_many_times(case_a, caseworker_a, 60)
    client.force_login(caseworker_a)
    url = reverse("cases:history", args=[case_a.pk])
    first = client.get(url).content.decode()
    assert "Page 1 of 2" in first
    assert "?page=2" in first
    last = client.get(url + "?page=2").content.decode()
    assert "Created" in last  # the registration, the oldest event
    views = AuditEvent.objects.filter(
        action=AuditAction.VIEW, case_id=case_a.pk, context__history_page__isnull=False
    )
    assert sorted(views.values_list("context__history_page", flat=True)) == [1, 2]


def test_the_whole_history_is_out_of_reach_out_of_scope(
    client: Any, caseworker_b: User, case_a: Case
) -> None:
    client.force_login(caseworker_b)
    assert client.get(reverse("cases:history", args=[case_a.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW, actor=caseworker_b).exists()


def test_a_move_reads_by_its_name_from_where_to_where(
    client: Any, caseworker_a: User, case_a: Case, no_satellite_guards: None
) -> None:
    case_transition(
        actor=caseworker_a, case=case_a, name="start_immediate_care", seen_version=case_a.version
    )
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "Start immediate care: Arrival and identification → Immediate support and care" in page
    assert "Changed: step" not in page


def test_a_hold_reads_by_its_name_and_the_hold(
    client: Any, caseworker_a: User, case_a: Case, no_satellite_guards: None
) -> None:
    case_transition(
        actor=caseworker_a,
        case=case_a,
        name="suspend",
        seen_version=case_a.version,
        reason="The child asked for a pause",
    )
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:history", args=[case_a.pk])).content.decode()
    assert "Suspend the case: on hold (Suspended)" in page


def test_the_whole_history_costs_the_same_with_few_and_many_events(
    client: Any, caseworker_a: User, case_a: Case, django_assert_max_num_queries: Any
) -> None:
    case_a = edited_many_times(case_a, caseworker_a, 5)
    client.force_login(caseworker_a)
    url = reverse("cases:history", args=[case_a.pk])
    client.get(url)
    edited_many_times(case_a, caseworker_a, 80)
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
