"""An unaccompanied boy's case goes through the eight steps to closure, entirely through the
pages: the caseworker records and proposes, her supervisor approves and decides, and the case
page's highlighted step advances each time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser import steps
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def supervisor_page(browser: Any) -> Iterator[Any]:
    """The supervisor works in her own browser window, beside the caseworker's."""
    context, page = steps.new_page(browser)
    yield page
    context.close()


def test_an_unaccompanied_child_goes_through_the_eight_steps_to_closure(
    live_server: Any,
    page: Any,
    supervisor_page: Any,
    caseworker_a: Any,
    supervisor_a: Any,
) -> None:
    base = live_server.url
    amina, youssef = page, supervisor_page  # caseworker_a and supervisor_a
    sign_in(amina, base, "caseworker_a", PASSWORD)
    sign_in(youssef, base, "supervisor_a", PASSWORD)

    # 1. Arrival and identification.
    case_id, reference = steps.register_unaccompanied_child(amina, base)
    steps.expect_step(amina, 1)

    # 2. Immediate care: where he sleeps tonight, then the move.
    steps.follow(amina, amina.locator("#care").get_by_role("link", name="Record a new arrangement"))
    steps.record_care_arrangement(amina)
    steps.take_move(amina, "Start immediate care")
    steps.expect_step(amina, 2)

    # 3. Assessment: he is heard, an assessment is written and sent for approval.
    steps.take_move(amina, "Start the assessment")
    steps.expect_step(amina, 3)
    assessments = amina.locator("#assessments")
    steps.follow(amina, assessments.get_by_role("link", name="Record the child's views"))
    steps.record_child_views(amina)
    steps.follow(amina, assessments.get_by_role("link", name="Write an assessment"))
    steps.write_assessment(amina)
    steps.follow(amina, assessments.get_by_role("link", name="Initial assessment"))
    steps.submit(amina, amina.get_by_role("button", name="Send for approval"))
    expect(amina.locator(".messages")).to_contain_text("Sent to the supervisors for approval.")

    # 4. The supervisor approves it in My day and plans temporary care.
    steps.approve_in_my_day(youssef, base, "Assessment", reference)
    steps.open_case(youssef, base, case_id)
    steps.take_move(youssef, "Assessment approved: plan temporary care")
    steps.expect_step(youssef, 4)

    # A guardian is appointed for the unaccompanied child before any decision.
    steps.open_case(amina, base, case_id)
    steps.expect_step(amina, 4)
    steps.follow(amina, amina.locator("#care").get_by_role("link", name="Appoint a guardian"))
    steps.appoint_guardian(amina)
    expect(amina.locator("#care")).to_contain_text("Salma Bennani")

    # 5. The family is located and evaluated.
    steps.take_move(amina, "Locate and evaluate the family")
    steps.expect_step(amina, 5)
    steps.follow(
        amina,
        amina.locator("#assessments").get_by_role("link", name="Record a family evaluation"),
    )
    steps.record_family_evaluation(amina)

    # 6. The supervisor opens the determination; the caseworker prepares the BID.
    steps.open_case(youssef, base, case_id)
    steps.take_move(youssef, "Determine a sustainable solution")
    steps.expect_step(youssef, 6)
    steps.open_case(amina, base, case_id)
    steps.follow(amina, amina.get_by_role("link", name="Start a determination"))
    steps.open_bid(amina)
    steps.add_bid_option(amina, "host")
    steps.seat_panel_member(amina, "Dr Leila Haddad", "Child psychologist")
    steps.seat_panel_member(amina, "Me Karim Alaoui", "Lawyer")
    steps.seat_panel_member(amina, "Fatima Zahra Idrissi", "Social worker")
    expect(amina.locator("#panel")).to_contain_text("Fatima Zahra Idrissi")
    steps.submit(amina, amina.locator("#submission").get_by_role("button"))
    expect(amina.locator(".messages")).to_contain_text("Sent to the supervisors for approval.")
    steps.approve_in_my_day(youssef, base, "Best-interests submission", reference)

    # The supervisor, who wrote neither the report nor the assessment, decides.
    steps.open_case(youssef, base, case_id)
    steps.follow(youssef, youssef.locator("#assessments a[href*='/bid/']"))
    steps.decide_bid(youssef, "host")
    expect(youssef.locator("#decision")).to_contain_text("Integration in the host country")

    # 7. The solution is implemented under an approved action plan.
    steps.open_case(youssef, base, case_id)
    steps.take_move(youssef, "Implement the decided solution")
    steps.expect_step(youssef, 7)
    steps.open_case(amina, base, case_id)
    plans = amina.locator("#plans")
    steps.follow(amina, plans.get_by_role("link", name="Make the action plan"))
    expect(amina.locator("main form")).to_contain_text("Secure residence status")
    steps.submit(amina)
    expect(amina.locator(".messages")).to_contain_text("Action plan made")
    steps.submit(amina, plans.get_by_role("button", name="Ask for approval"))
    expect(amina.locator(".messages")).to_contain_text("The plan was sent for approval.")
    steps.approve_in_my_day(youssef, base, "Action plan", reference)

    # 8. Follow-up: planned, started, a visit reported.
    steps.open_case(amina, base, case_id)
    expect(plans).to_contain_text("Approved by Supervisor A")
    steps.follow(amina, plans.get_by_role("link", name="Plan the follow-up"))
    steps.plan_follow_up(amina)
    steps.take_move(amina, "Solution carried out: start follow-up")
    steps.expect_step(amina, 8)
    steps.follow(amina, plans.get_by_role("link", name="Report", exact=True))
    steps.report_visit(amina)

    # Closure: requested with the form, approved by the supervisor in My day.
    steps.follow(amina, plans.get_by_role("link", name="Request closure"))
    steps.request_closure(amina)
    expect(amina.locator("ol.steps li.current")).to_have_count(0)
    expect(amina.locator("main > p.badge")).to_have_text("Closure requested")
    steps.approve_in_my_day(youssef, base, "Closure", reference)

    steps.open_case(amina, base, case_id)
    expect(amina.locator("main > p.badge")).to_have_text("Closed")
    expect(amina.locator("ol.steps li.current")).to_have_count(0)
    assert steps.stage_now(case_id) == "closed"
