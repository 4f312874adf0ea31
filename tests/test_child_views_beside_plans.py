"""SG-04: what the child said is shown beside every plan that must weigh it: the support plan,
the action plan, the return preparation and the closure, as beside assessments and decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kinlink.assessments.tests.conftest import hear_child
from kinlink.care import services as care
from kinlink.cases.models import Case
from kinlink.cases.services import case_facts_update
from kinlink.plans import services as plans

pytestmark = pytest.mark.django_db

WISH = "Wants to become a mechanic."  # what hear_child records


@pytest.fixture
def planned(case_a: Case, caseworker_a: Any) -> dict[str, Any]:
    hear_child(case_a, caseworker_a)
    care.support_plan_create(
        actor=caseworker_a,
        case=case_a,
        concerns="Schooling",
        review_on=timezone.localdate() + timedelta(days=90),
    )
    case_facts_update(actor=None, case=case_a, decided_solution="return")
    plans.return_preparation_save(actor=caseworker_a, case=case_a, risk_result="")
    case_facts_update(actor=None, case=case_a, decided_solution="host")
    action_plan = plans.action_plan_create(actor=caseworker_a, case=case_a)
    return {"plan": action_plan, "item": action_plan.items.first()}


@pytest.mark.parametrize(
    "route",
    [
        "care:plan_edit",
        "care:goal_add",
        "plans:action_plan_create",
        "plans:action_plan_item_add",
        "plans:action_plan_item_edit",
        "plans:return_preparation",
        "plans:closure_request",
    ],
)
def test_the_childs_views_are_beside_the_plan(
    client: Any, case_a: Case, caseworker_a: Any, planned: dict[str, Any], route: str
) -> None:
    arguments: list[Any] = [case_a.pk]
    if route == "plans:action_plan_item_add":
        arguments.append(planned["plan"].pk)
    if route == "plans:action_plan_item_edit":
        arguments.append(planned["item"].pk)
    client.force_login(caseworker_a)
    html = client.get(reverse(route, args=arguments)).content.decode()
    aside = html[html.index('<aside class="child-views"') :]
    assert WISH in aside[: aside.index("</aside>")]


def test_a_plan_form_says_when_the_child_has_not_been_heard(
    client: Any, case_a: Case, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    html = client.get(reverse("care:plan_edit", args=[case_a.pk])).content.decode()
    assert "The child's views are not recorded yet." in html
