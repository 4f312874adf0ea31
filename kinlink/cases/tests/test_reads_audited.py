"""Every page that shows a child's name is a read of the child's record: each records one
event naming the cases it showed, by id, never by name."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases.models import Case, TaskKind
from kinlink.cases.tests.form_posts import registration_post
from kinlink.cases.workflow import task_open

pytestmark = pytest.mark.django_db


def listing_events(listing: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.VIEW, context__listing=listing))


def assert_no_names(event: AuditEvent, case: Case) -> None:
    text = json.dumps([event.changes, event.context], ensure_ascii=False)
    for name in (case.given_name, case.family_name, case.given_name_original):
        assert name not in text


def test_the_case_list_records_which_cases_it_showed(
    client: Any, caseworker_a: User, case_a: Case, register_case: Any
) -> None:
    other = register_case(given_name="Ibrahim", family_name="Diallo")
    client.force_login(caseworker_a)
    assert client.get(reverse("cases:list")).status_code == 200
    [event] = listing_events("case_list")
    assert event.actor == caseworker_a
    assert sorted(event.context["cases"]) == sorted([str(case_a.pk), str(other.pk)])
    assert_no_names(event, case_a)


def test_a_search_records_the_cases_it_found_and_only_those(
    client: Any, caseworker_a: User, case_a: Case, register_case: Any
) -> None:
    register_case(
        given_name="Ibrahim",
        family_name="Diallo",
        given_name_original="",
        family_name_original="",
        original_script="",
    )
    client.force_login(caseworker_a)
    client.post(reverse("cases:list"), {"q": "Muhammad"})
    [event] = listing_events("case_list")
    assert event.context["cases"] == [str(case_a.pk)]


def test_an_empty_list_shows_no_child_and_records_no_read(
    client: Any, caseworker_b: User, case_a: Case
) -> None:
    client.force_login(caseworker_b)
    client.get(reverse("cases:list"))
    assert listing_events("case_list") == []


def test_my_day_records_the_cases_of_the_tasks_it_lists(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Call the school",
        due_at=timezone.now() + timedelta(days=1),
        owner=caseworker_a,
    )
    client.force_login(caseworker_a)
    assert client.get(reverse("cases:my_day")).status_code == 200
    [event] = listing_events("my_day")
    assert event.context["cases"] == [str(case_a.pk)]
    assert_no_names(event, case_a)


def test_the_duplicate_check_records_the_cases_it_shows(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    client.force_login(caseworker_a)
    response = client.post(
        reverse("cases:duplicates"),
        {"given_name": "Muhammad", "family_name": "Alamin", "age_estimate": "15"},
    )
    assert case_a.reference in response.content.decode()
    [event] = listing_events("duplicates")
    assert event.context["cases"] == [str(case_a.pk)]
    assert_no_names(event, case_a)


def test_a_duplicate_outside_the_caseload_is_recorded_too(
    client: Any, caseworker_b: User, case_a: Case
) -> None:
    client.force_login(caseworker_b)
    client.post(reverse("cases:duplicates"), {"given_name": "Muhammad", "family_name": "Alamin"})
    [event] = listing_events("duplicates")
    assert event.context["cases"] == [str(case_a.pk)]


def test_the_duplicate_panel_of_a_registration_is_recorded(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    client.force_login(caseworker_a)
    data = registration_post(
        caseworker_a,
        given_name="Muhammad",
        family_name="Alamin",
        given_name_original="",
        family_name_original="",
        original_script="",
    )
    response = client.post(reverse("cases:register"), data)
    assert "Is this child already known?" in response.content.decode()
    [event] = listing_events("duplicates")
    assert event.context["cases"] == [str(case_a.pk)]
    assert Case.objects.count() == 1
