"""Pages of plans: who gets what from every URL, forms that explain, and bounded queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kinlink.cases.models import Stage
from kinlink.plans import services
from kinlink.plans.models import ActionPlan, Closure, ReturnPreparation
from kinlink.plans.tests.conftest import decide, follow_up, move_to, reload

pytestmark = pytest.mark.django_db

PERSONAS = [
    "caseworker_a",
    "supervisor_a",
    "caseworker_b",
    "guardian",
    "analyst",
    "node_admin",
    "outsider",
]
EDITORS = {"caseworker_a", "supervisor_a"}
POST_ONLY = {"action_plan_submit"}


@pytest.fixture
def records(case_a: Any, caseworker_a: Any) -> dict[str, Any]:
    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    visit = follow_up(case_a, caseworker_a).visits.first()
    return {"plan": plan, "item": plan.items.first(), "visit": visit}


def routes(case: Any, records: dict[str, Any]) -> list[tuple[str, str]]:
    c, p, i, v = case.pk, records["plan"].pk, records["item"].pk, records["visit"].pk
    named = [
        ("action_plan_create", [c]),
        ("action_plan_item_add", [c, p]),
        ("action_plan_item_edit", [c, i]),
        ("action_plan_submit", [c, p]),
        ("return_preparation", [c]),
        ("follow_up_create", [c]),
        ("visit_report", [c, v]),
        ("closure_request", [c]),
    ]
    return [(n, reverse(f"plans:{n}", args=args)) for n, args in named]


def test_every_url_answers_each_persona_as_the_policy_says(
    client: Any, request: Any, case_a: Any, records: dict[str, Any], guardian_on_case: Any
) -> None:
    people = {name: request.getfixturevalue(name) for name in PERSONAS}
    for name, url in routes(case_a, records):
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], name
        for persona, user in people.items():
            client.force_login(user)
            status = client.get(url).status_code
            expected = 405 if name in POST_ONLY else 200 if persona in EDITORS else 404
            assert status == expected, (name, persona, status)


def test_out_of_scope_posts_answer_404_and_change_nothing(
    client: Any, request: Any, case_a: Any, records: dict[str, Any], guardian_on_case: Any
) -> None:
    for persona in ["caseworker_b", "guardian", "analyst", "node_admin", "outsider"]:
        client.force_login(request.getfixturevalue(persona))
        for name, url in routes(case_a, records):
            assert client.post(url, {}).status_code == 404, (name, persona)
    client.logout()
    for name, url in routes(case_a, records):
        assert client.post(url, {}).status_code == 302, name
    assert not ReturnPreparation.objects.exists()
    assert not Closure.objects.exists()
    assert reload(records["visit"]).done_on is None


def test_another_cases_records_answer_404_under_this_case(
    client: Any, case_a: Any, case_b: Any, caseworker_a: Any, records: dict[str, Any]
) -> None:
    client.force_login(caseworker_a)
    url = reverse("plans:visit_report", args=[case_a.pk, records["visit"].pk])
    assert client.get(url).status_code == 200
    client.force_login(case_b.lead_caseworker)
    wrong = reverse("plans:visit_report", args=[case_b.pk, records["visit"].pk])
    assert client.get(wrong).status_code == 404


def test_the_visit_form_shows_the_message_beside_the_field_and_saves_nothing(
    client: Any, caseworker_a: Any, case_a: Any, records: dict[str, Any]
) -> None:
    client.force_login(caseworker_a)
    visit = records["visit"]
    url = reverse("plans:visit_report", args=[case_a.pk, visit.pk])
    response = client.post(
        url, {"version": visit.version, "visited_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Say why the child was not seen." in content
    assert reload(visit).done_on is None
    done = client.post(
        url,
        {
            "version": visit.version,
            "visited_on": timezone.localdate().isoformat(),
            "child_seen": "on",
            "well_being": "Well.",
            "further_visits_needed": "on",
        },
    )
    assert done.status_code == 302
    assert reload(visit).done_on == timezone.localdate()


def test_the_action_plan_form_refuses_a_return_and_lists_what_is_missing(
    client: Any, caseworker_a: Any, case_a: Any
) -> None:
    decide(case_a, "return", claim="appeal")
    client.force_login(caseworker_a)
    url = reverse("plans:action_plan_create", args=[case_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    post = {name: form[name].value() or "" for name in form.fields}
    post = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in post.items()}
    for n in range(len(form.lines)):
        post[f"owner_{n}"] = str(caseworker_a.pk)
        post[f"partner_{n}"] = ""
    response = client.post(url, post)
    assert response.status_code == 409
    content = response.content.decode()
    assert "An asylum or protection claim is still pending" in content
    assert reverse("plans:return_preparation", args=[case_a.pk]) in content
    assert not ActionPlan.objects.exists()


def test_the_closure_form_requests_closure_and_refuses_an_incomplete_checklist(
    client: Any, caseworker_a: Any, case_a: Any
) -> None:
    case = move_to(case_a, Stage.FOLLOW_UP)
    client.force_login(caseworker_a)
    url = reverse("plans:closure_request", args=[case.pk])
    response = client.post(url, {"version": case.version, "reason": "goals_met"})
    assert response.status_code == 200
    assert "Confirm the child is safe." in response.content.decode()
    assert reload(case).stage == Stage.FOLLOW_UP
    response = client.post(
        url,
        {
            "version": case.version,
            "reason": "goals_met",
            "goals_met_or_explained": "on",
            "child_safe": "on",
            "carer_name": "Fatima",
            "carer_relationship": "Aunt",
            "carer_address": "12 Nile Street",
            "follow_up_completed": "on",
            "child_informed": "on",
        },
    )
    assert response.status_code == 302
    assert reload(case).stage == Stage.CLOSURE_REQUESTED


def test_the_plain_closure_button_points_to_the_closure_form(
    client: Any, caseworker_a: Any, case_a: Any
) -> None:
    case = move_to(case_a, Stage.FOLLOW_UP)
    client.force_login(caseworker_a)
    response = client.post(
        reverse("cases:transition", args=[case.pk, "request_closure"]), {"version": case.version}
    )
    assert response.status_code == 409
    assert reverse("plans:closure_request", args=[case.pk]) in response.content.decode()


def test_the_case_page_costs_the_same_queries_with_many_visits(
    client: Any, caseworker_a: Any, case_a: Any, register_case: Any
) -> None:
    decide(case_a, "return")
    follow_up(case_a, caseworker_a)
    other = register_case(given_name="Omar")
    decide(other, "return")
    follow_up(other, caseworker_a, template="kinship_abroad")
    client.force_login(caseworker_a)

    def count(case: Any) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
        return len(queries)

    count(case_a)  # warm caches (sessions, settings)
    few, many = count(case_a), count(other)
    assert many <= few
    assert (
        "Plans, follow-up and closure"
        in client.get(reverse("cases:detail", args=[other.pk])).content.decode()
    )


def test_the_case_page_shows_the_plan_the_return_checklist_the_visits_and_the_closure(
    client: Any, caseworker_a: Any, supervisor_a: Any, case_a: Any
) -> None:
    from kinlink.plans.tests.conftest import closure_values, prepare_return

    decide(case_a, "return", claim="granted")
    prepare_return(case_a, caseworker_a)
    plan = services.action_plan_create(actor=caseworker_a, case=reload(case_a))
    services.action_plan_submit(actor=caseworker_a, plan=plan)
    follow_up(case_a, caseworker_a)
    case = move_to(case_a, Stage.FOLLOW_UP)
    services.closure_request(
        actor=caseworker_a, case=case, seen_version=case.version, **closure_values()
    )
    client.force_login(supervisor_a)
    content = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    panel = content.split('id="plans"')[1]
    assert "Assess reintegration options" in panel
    assert "Waiting for approval" in panel
    assert "Carer agreed in writing" in panel
    assert "0 of 6 visits done" in panel
    assert "Goals met and the child is safe" in panel


def test_the_case_page_says_a_plan_changed_after_approval_must_be_approved_again(
    client: Any, caseworker_a: Any, supervisor_a: Any, case_a: Any
) -> None:
    from kinlink.cases.workflow import approval_decide

    decide(case_a, "host")
    plan = services.action_plan_create(actor=caseworker_a, case=case_a)
    approval = services.action_plan_submit(actor=caseworker_a, plan=plan)
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    services.action_plan_item_add(
        actor=caseworker_a,
        plan=reload(plan),
        title="Open a bank account",
        due_on=timezone.localdate(),
        owner=caseworker_a,
    )
    client.force_login(caseworker_a)
    content = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    panel = content.split('id="plans"')[1]
    assert "must be approved again" in panel
    assert "Ask for approval" in panel
