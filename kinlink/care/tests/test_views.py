"""Care pages: who gets them, forms that save or explain, and a case page whose cost does not
grow with the care history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kinlink.care import services
from kinlink.care.models import (
    CareArrangement,
    Goal,
    Guardianship,
    LegalProcedure,
    SupportPlan,
)
from kinlink.care.tests.conftest import appoint, days_ago, fresh, place
from kinlink.cases.models import Case

GET_PAGES = [
    ("care:care_start", ""),
    ("care:care_end", "arrangement"),
    ("care:detention_add", ""),
    ("care:detention_end", "detention"),
    ("care:guardian_appoint", ""),
    ("care:guardian_end", ""),
    ("care:plan_edit", ""),
    ("care:goal_add", ""),
    ("care:legal_add", ""),
    ("care:legal_edit", "procedure"),
]
POST_ONLY = [
    ("care:guardian_request", ""),
    ("care:plan_submit", ""),
    ("care:goal_complete", "goal"),
]


@pytest.fixture
def records(case_a: Any, caseworker_a: Any) -> dict[str, Any]:
    """One record of each kind on case_a, for URLs that name one."""
    arrangement = place(case_a, caseworker_a)
    detention = services.detention_record(
        actor=caseworker_a, case=case_a, place="Poste", authority="Police", started_on=days_ago(1)
    )
    plan = services.support_plan_create(
        actor=caseworker_a, case=case_a, concerns="School.", review_on=days_ago(-90)
    )
    goal = services.goal_add(
        actor=caseworker_a,
        plan=plan,
        area="education",
        description="Enrol",
        owner=caseworker_a,
        due_on=days_ago(-30),
    )
    procedure = services.legal_procedure_add(
        actor=caseworker_a,
        case=case_a,
        procedure_type="asylum",
        authority="Office",
        lodged_on=days_ago(5),
    )
    return {
        "": None,
        "arrangement": arrangement,
        "detention": detention,
        "goal": goal,
        "procedure": procedure,
    }


def url_for(name: str, case: Case, obj: Any) -> str:
    return reverse(name, args=[case.pk] if obj is None else [case.pk, obj.pk])


@pytest.mark.parametrize(("name", "kind"), GET_PAGES)
def test_the_lead_caseworker_and_her_supervisor_open_every_care_form(
    client: Any,
    case_a: Any,
    caseworker_a: Any,
    supervisor_a: Any,
    records: Any,
    name: str,
    kind: str,
) -> None:
    for user in (caseworker_a, supervisor_a):
        client.force_login(user)
        assert client.get(url_for(name, case_a, records[kind])).status_code == 200


@pytest.mark.parametrize(("name", "kind"), GET_PAGES + POST_ONLY)
@pytest.mark.parametrize("persona", ["caseworker_b", "analyst", "guardian", "outsider"])
def test_people_outside_the_cases_editors_get_404_on_every_care_url(
    client: Any,
    request: Any,
    guarded_case: Any,
    records: Any,
    name: str,
    kind: str,
    persona: str,
) -> None:
    client.force_login(request.getfixturevalue(persona))
    url = url_for(name, guarded_case, records[kind])
    assert client.post(url, {}).status_code == 404
    if (name, kind) in GET_PAGES:
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(("name", "kind"), GET_PAGES + POST_ONLY)
def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_care_url(
    client: Any, case_a: Any, records: Any, name: str, kind: str
) -> None:
    response = client.get(url_for(name, case_a, records[kind]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_recording_care_through_the_form_shows_it_on_the_case_page(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    response = client.post(
        reverse("care:care_start", args=[case_a.pk]),
        {
            "care_type": "foster",
            "carer_name": "Famille Idrissi",
            "country": "MA",
            "legal_basis": "court_order",
            "start_date": days_ago(1).isoformat(),
        },
    )
    assert response.status_code == 302
    assert CareArrangement.objects.get(case=case_a).carer_name == "Famille Idrissi"
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "Famille Idrissi" in page and "Foster care" in page


def test_a_form_with_bad_input_saves_nothing_and_says_why(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    response = client.post(
        reverse("care:legal_add", args=[case_a.pk]),
        {
            "procedure_type": "asylum",
            "authority": "Office",
            "lodged_on": days_ago(3).isoformat(),
            "status": "applied",
            "next_deadline": days_ago(-10).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Say what is due by the deadline." in response.content.decode()
    assert not LegalProcedure.objects.exists()
    assert fresh(case_a).legal_status == "none"


def appointment_with_account(guardian: Any) -> dict[str, Any]:
    return {
        "guardian_name": "Salma Bennani",
        "appointing_authority": "Tribunal",
        "legal_basis": "court_order",
        "appointed_on": days_ago(1).isoformat(),
        "languages": ["ara"],
        "user": guardian.pk,
    }


def test_a_supervisor_appointing_through_the_form_gives_the_guardian_access(
    client: Any, case_a: Any, supervisor_a: Any, guardian: Any
) -> None:
    client.force_login(supervisor_a)
    response = client.post(
        reverse("care:guardian_appoint", args=[case_a.pk]), appointment_with_account(guardian)
    )
    assert response.status_code == 302
    client.force_login(guardian)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert "Salma Bennani" in page


def test_a_stale_end_of_care_is_refused(client: Any, case_a: Any, caseworker_a: Any) -> None:
    arrangement = place(case_a, caseworker_a)
    services.care_arrangement_end(
        actor=caseworker_a,
        arrangement=arrangement,
        seen_version=arrangement.version,
        end_date=days_ago(0),
        end_reason="moved",
    )
    client.force_login(caseworker_a)
    response = client.post(
        reverse("care:care_end", args=[case_a.pk, arrangement.pk]),
        {"version": arrangement.version - 1, "end_date": days_ago(0), "end_reason": "other"},
    )
    assert response.status_code in {200, 302}
    assert CareArrangement.objects.get(pk=arrangement.pk).end_reason == "moved"


def test_a_caseworker_naming_the_guardians_account_is_told_to_ask_her_supervisor(
    client: Any, case_a: Any, caseworker_a: Any, guardian: Any
) -> None:
    client.force_login(caseworker_a)
    response = client.post(
        reverse("care:guardian_appoint", args=[case_a.pk]), appointment_with_account(guardian)
    )
    assert response.status_code == 200
    assert "Only a supervisor can give the guardian access" in response.content.decode()
    assert Guardianship.objects.get(case=case_a).status == "requested"
    client.force_login(guardian)
    assert client.get(reverse("cases:detail", args=[case_a.pk])).status_code == 404


@pytest.mark.parametrize("version", ["x", "", None])
def test_achieving_a_goal_with_a_bad_version_answers_the_stale_message_not_an_error(
    client: Any, records: dict[str, Any], case_a: Any, caseworker_a: Any, version: str | None
) -> None:
    goal = records["goal"]
    client.force_login(caseworker_a)
    response = client.post(
        reverse("care:goal_complete", args=[case_a.pk, goal.pk]),
        {} if version is None else {"version": version},
        follow=True,
    )
    assert response.status_code == 200
    assert "Someone changed this record meanwhile" in response.content.decode()
    assert Goal.objects.get(pk=goal.pk).status == "open"


def test_ending_care_with_a_bad_version_answers_the_stale_message_not_an_error(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    arrangement = place(case_a, caseworker_a)
    client.force_login(caseworker_a)
    response = client.post(
        reverse("care:care_end", args=[case_a.pk, arrangement.pk]),
        {"version": "x", "end_date": days_ago(0), "end_reason": "other"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Someone changed this record meanwhile" in response.content.decode()
    assert CareArrangement.objects.get(pk=arrangement.pk).end_date is None


def fill_history(case: Case, caseworker: Any, supervisor: Any, rounds: int, first: int) -> None:
    """`rounds` of every kind of care record; round n starts `first + n` weeks ago-wards."""
    term = Guardianship.objects.filter(case=case, status__in=["requested", "appointed"]).first()
    plan = SupportPlan.objects.filter(case=case).first() or services.support_plan_create(
        actor=caseworker, case=case, concerns="School.", review_on=days_ago(-90)
    )
    for n in range(first, first + rounds):
        place(case, caseworker, care_type="foster", start_date=days_ago(300 - 10 * n))
        services.detention_record(
            actor=caseworker,
            case=case,
            place=f"Poste {n}",
            authority="Police",
            started_on=days_ago(200 - n),
            ended_on=days_ago(199 - n),
        )
        services.goal_add(
            actor=caseworker,
            plan=plan,
            area="health",
            description=f"Check {n}",
            owner=caseworker if n % 2 else supervisor,
            due_on=days_ago(-n),
        )
        services.legal_procedure_add(
            actor=caseworker,
            case=case,
            procedure_type="other",
            authority=f"Office {n}",
            lodged_on=days_ago(50),
            next_deadline=days_ago(-5),
            deadline_what="Papers",
        )
        name = f"Guardian {n}"
        if term is None or term.status == "requested":
            term = appoint(case, caseworker, guardian_name=name, appointed_on=days_ago(30))
        else:
            term = services.guardian_replace(
                actor=caseworker,
                case=case,
                seen_version=term.version,
                guardian_name=name,
                appointing_authority="Tribunal",
                legal_basis="court_order",
                appointed_on=days_ago(30),
            )


def page_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_case_page_costs_the_same_with_1_and_with_8_of_each_care_record(
    client: Any, case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        fill_history(case_a, caseworker_a, supervisor_a, 1, first=0)
        client.force_login(caseworker_a)
        url = reverse("cases:detail", args=[case_a.pk])
        client.get(url)  # the session's first stamp
        few = page_queries(client, url)
        fill_history(case_a, caseworker_a, supervisor_a, 7, first=1)
        assert CareArrangement.objects.filter(case=case_a).count() == 8
        many = page_queries(client, url)
    assert many == few


def test_adding_a_goal_without_a_plan_opens_the_plan_first(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    response = client.get(reverse("care:goal_add", args=[case_a.pk]))
    assert response.status_code == 200
    assert "Open the support plan first" in response.content.decode()
