"""Moves the safeguards forbid are shown as "not yet" with what is missing and where to supply
it; posted anyway, the server refuses them with the same reasons and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser import steps
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_POSSIBLE = "Nothing was changed. This is what must be done first:"
GUARDIAN_MISSING = "Appoint a guardian or person of reference before a best-interests decision."
NO_CARER = "No carer has agreed in writing to care for the child after the return."
NO_RECEPTION = "The receiving agency has not confirmed the child's reception."
CLAIM_PENDING = "An asylum or protection claim is still pending: no return before a final decision."


@pytest.fixture
def supervisor_page(browser: Any) -> Iterator[Any]:
    """The supervisor works in her own browser window, beside the caseworker's."""
    context, page = steps.new_page(browser)
    yield page
    context.close()


def expect_refused(page: Any, response: Any, label: str, *reasons: str) -> None:
    """The page a refused move answers with: 409, the move named, every reason listed."""
    assert response.status == 409
    expect(page.locator("h1")).to_have_text(f"“{label}” is not possible yet")
    box = page.locator("main .error-box[role=alert]")
    expect(box).to_contain_text(NOT_POSSIBLE)
    for reason in reasons:
        expect(box).to_contain_text(reason)


def decide_a_return(case_id: Any, caseworker: Any, supervisor: Any) -> None:
    """Set-up through the services: the child heard, and a panel deciding his return."""
    from kinlink.assessments import services as assessments
    from kinlink.cases.models import Case
    from kinlink.cases.workflow import approval_decide

    today = steps.today()
    assessments.child_views_record(
        actor=caseworker,
        case=Case.objects.get(pk=case_id),
        heard_on=today,
        method="interview",
        language="ara",
        maturity_note="Fifteen, understands what a return means.",
        wishes_return="He misses his mother and wants to go home.",
    )
    bid = assessments.bid_open(
        actor=caseworker,
        case=Case.objects.get(pk=case_id),
        report="His mother asks for him; the partner agency can follow him up at home.",
    )
    assessments.bid_option_add(actor=caseworker, bid=bid, solution="return")
    for name in ("Dr Leila Haddad", "Me Karim Alaoui", "Fatima Zahra Idrissi"):
        assessments.bid_panel_member_add(
            actor=caseworker,
            bid=bid,
            external_name=name,
            function="Panel member",
            agency="Outside expert",
            no_conflict_declared=True,
            confidentiality_signed=True,
        )
    approval = assessments.bid_submit(actor=caseworker, bid=bid)
    approval_decide(actor=supervisor, approval=approval, approve=True)
    bid.refresh_from_db()
    assessments.bid_decide(
        actor=supervisor,
        bid=bid,
        seen_version=bid.version,
        solution="return",
        reasons="Reunification with his mother, who asks for him, is in his best interests.",
        views_weighed="His wish to go home to his mother weighed most.",
        child_informed_on=today,
        child_informed_language="ara",
        review_on=today + timedelta(days=90),
    )


def test_forbidden_moves_are_refused_with_an_explanation(
    live_server: Any,
    page: Any,
    supervisor_page: Any,
    caseworker_a: Any,
    supervisor_a: Any,
    register_case: Any,
) -> None:
    from kinlink.care import services as care
    from kinlink.care.models import CareArrangement
    from kinlink.cases.models import Case

    base = live_server.url
    amina, youssef = page, supervisor_page  # caseworker_a and supervisor_a
    sign_in(amina, base, "caseworker_a", PASSWORD)
    sign_in(youssef, base, "supervisor_a", PASSWORD)

    # (a) Just registered: immediate care waits for a place to stay tonight.
    case_id, reference = steps.register_unaccompanied_child(amina, base)
    steps.expect_step(amina, 1)
    reasons = steps.blocked_move(amina, "Start immediate care")
    expect(reasons).to_contain_text("Record where the child stays tonight.")
    expect(steps.moves(amina).locator("form[action$='/start_immediate_care/']")).to_have_count(0)

    response = steps.post_move_anyway(
        amina, base, case_id, "start_immediate_care", steps.case_version(case_id)
    )
    expect_refused(amina, response, "Start immediate care", "Record where the child stays tonight.")
    assert steps.stage_now(case_id) == "identified"

    steps.open_case(amina, base, case_id)
    steps.expect_step(amina, 1)
    reasons = steps.blocked_move(amina, "Start immediate care")
    steps.follow(amina, reasons.get_by_role("link", name="Go there"))
    expect(amina.locator("h1")).to_have_text("Where the child lives")
    expect(amina.locator("#id_care_type")).to_be_visible()

    # (b) Detention is not among the types of care…
    care_types = amina.locator("#id_care_type option")
    expect(care_types.filter(has_text="Reception centre")).to_have_count(1)
    expect(amina.locator("#id_care_type option[value=detention]")).to_have_count(0)
    assert not any("detention" in text.lower() for text in care_types.all_inner_texts())
    # …and, slipped into the list by hand, the server refuses it beside the field.
    amina.eval_on_selector(
        "#id_care_type", "select => select.add(new Option('Detention', 'detention'))"
    )
    amina.select_option("#id_care_type", "detention")
    amina.fill("#id_carer_name", "Police station")
    amina.select_option("#id_country", "MA")
    amina.select_option("#id_legal_basis", "administrative")
    amina.fill("#id_start_date", steps.iso(steps.today()))
    with amina.expect_navigation():
        amina.locator("main form[method=post] button").click()
    expect(amina.locator(".field:has(#id_care_type) p.error")).to_contain_text(
        "Detention is never a care arrangement."
    )
    assert not CareArrangement.objects.filter(case_id=case_id).exists()

    # Detention is an incident: its own form alerts the supervisor at once.
    steps.follow(
        amina, amina.locator("main .warning-box").get_by_role("link", name="Report detention")
    )
    expect(amina.locator("h1")).to_have_text("Report detention")
    amina.fill("#id_place", "Commissariat central, Tanger")
    amina.fill("#id_authority", "Police nationale")
    amina.fill("#id_started_on", steps.iso(steps.today()))
    amina.fill("#id_notes", "Held overnight after a port check.")
    steps.submit(amina)
    expect(amina.locator(".messages")).to_contain_text(
        "the supervisors and the guardian are alerted"
    )
    expect(amina.locator("#care .error-box")).to_contain_text("The child is held in detention.")
    # A cell is no place to stay: immediate care still waits, the case has not moved.
    expect(steps.blocked_move(amina, "Start immediate care")).to_contain_text(
        "Record where the child stays tonight."
    )
    steps.expect_step(amina, 1)
    assert steps.stage_now(case_id) == "identified"

    steps.follow(
        youssef,
        youssef.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications"),
    )
    alert = youssef.locator("main ul.history li", has_text=reference)
    expect(alert).to_contain_text(
        f"Case {reference}: the child is recorded as held in detention. Act now."
    )
    steps.follow(youssef, alert.get_by_role("link"))
    expect(youssef.locator("#care .error-box")).to_contain_text("The child is held in detention.")

    # (c) Another child, at the determination, whose guardian is requested but not appointed.
    other = register_case()
    Case.objects.filter(pk=other.pk).update(stage="solution_determination")
    steps.open_case(youssef, base, other.pk)
    steps.expect_step(youssef, 6)
    reasons = steps.blocked_move(youssef, "Implement the decided solution")
    expect(reasons).to_contain_text(GUARDIAN_MISSING)
    go_there = reasons.locator("li", has_text=GUARDIAN_MISSING).get_by_role("link", name="Go there")
    expect(go_there).to_have_attribute("href", f"/cases/{other.pk}/care/guardian/appoint/")

    response = steps.post_move_anyway(
        youssef, base, other.pk, "implement_solution", steps.case_version(other.pk)
    )
    expect_refused(youssef, response, "Implement the decided solution", GUARDIAN_MISSING)
    assert steps.stage_now(other.pk) == "solution_determination"

    # (d) A guardian now, and a return decided, but not prepared, with an asylum claim pending.
    care.guardian_appoint(
        actor=caseworker_a,
        case=Case.objects.get(pk=other.pk),
        guardian_name="Salma Bennani",
        appointing_authority="Tribunal de première instance, Tanger",
        legal_basis="court_order",
        appointed_on=steps.today(),
    )
    decide_a_return(other.pk, caseworker_a, supervisor_a)
    care.legal_procedure_add(
        actor=caseworker_a,
        case=Case.objects.get(pk=other.pk),
        procedure_type="asylum",
        authority="Direction des migrations, Rabat",
        lodged_on=steps.today() - timedelta(days=10),
    )

    steps.open_case(youssef, base, other.pk)
    reasons = steps.blocked_move(youssef, "Implement the decided solution")
    for missing in (NO_CARER, NO_RECEPTION, CLAIM_PENDING):
        expect(reasons).to_contain_text(missing)
    expect(reasons).not_to_contain_text(GUARDIAN_MISSING)
    expect(reasons).not_to_contain_text("A best-interests determination must be decided first.")
    expect(
        reasons.locator("li", has_text=NO_CARER).get_by_role("link", name="Go there")
    ).to_have_attribute("href", f"/cases/{other.pk}/plans/return/")
    expect(
        reasons.locator("li", has_text=CLAIM_PENDING).get_by_role("link", name="Go there")
    ).to_have_attribute("href", f"/cases/{other.pk}/care/legal/new/")

    response = steps.post_move_anyway(
        youssef, base, other.pk, "implement_solution", steps.case_version(other.pk)
    )
    expect_refused(
        youssef, response, "Implement the decided solution", NO_CARER, NO_RECEPTION, CLAIM_PENDING
    )
    assert steps.stage_now(other.pk) == "solution_determination"
    steps.open_case(youssef, base, other.pk)
    steps.expect_step(youssef, 6)
