"""What a person does in Kinlink's pages, step by step, shared by the browser tests.

Each helper drives the real forms (labels, selects, buttons) and waits for the page the
server answers with; a form that comes back with errors fails the test with their text.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect

STEP_TIMEOUT = 10_000  # ms: a page of this app renders in well under a second


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def iso(day: date) -> str:
    return day.isoformat()


def in_days(n: int) -> str:
    return iso(today() + timedelta(days=n))


def new_page(browser: Any) -> tuple[Any, Any]:
    """A second person's browser window, set up like the `page` fixture."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


# --- waiting and checking ----------------------------------------------------------------


def submit(page: Any, button: Any = None) -> None:
    """Send a form and wait for the page the server answers with; fail on field errors."""
    button = button if button is not None else page.locator("main form[method=post] button")
    with page.expect_navigation(timeout=STEP_TIMEOUT):
        button.first.click()
    # Field errors, and the form's own error box (before the form, or inside it).
    errors = page.locator("main p.error, main .error-box:has(+ form), main form .error-box")
    if errors.count():
        raise AssertionError(f"the form was refused on {page.url}: {errors.all_inner_texts()}")


def expect_step(page: Any, number: int) -> None:
    """The highlighted step of the eight is `number`."""
    expect(page.locator("ol.steps li.current .n")).to_have_text(str(number), timeout=STEP_TIMEOUT)


def stage_now(case_id: Any) -> str:
    from kinlink.cases.models import Case

    return Case.objects.values_list("stage", flat=True).get(pk=case_id)


def moves(page: Any) -> Any:
    return page.locator("#next-moves")


def take_move(page: Any, label: str) -> None:
    """Click an allowed move on the case page and wait for the page after it."""
    button = moves(page).get_by_role("button", name=label, exact=True)
    expect(button).to_be_visible(timeout=STEP_TIMEOUT)
    with page.expect_navigation(timeout=STEP_TIMEOUT):
        button.click()
    expect(page.locator(".messages")).to_contain_text(f"Done: {label}", timeout=STEP_TIMEOUT)


def blocked_move(page: Any, label: str) -> Any:
    """The <details> of a move shown as "not yet", opened so that its reasons show."""
    details = moves(page).locator("details", has=page.locator("span.blocked", has_text=label))
    expect(details).to_have_count(1, timeout=STEP_TIMEOUT)
    summary = details.locator("summary")
    expect(summary).to_contain_text("not yet")
    summary.click()
    return details


def post_move_anyway(page: Any, base: str, case_id: Any, name: str, version: int) -> Any:
    """Post a move the page does not offer, as a page opened earlier (or a hand-made request)
    would; returns the server's answer."""
    script = """([action, version]) => {
        const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
        const form = document.createElement("form");
        form.method = "post";
        form.action = action;
        for (const [name, value] of [["csrfmiddlewaretoken", token], ["version", version]]) {
            const input = document.createElement("input");
            input.type = "hidden";
            input.name = name;
            input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
    }"""
    with page.expect_navigation(timeout=STEP_TIMEOUT) as navigation:
        page.evaluate(script, [f"{base}/cases/{case_id}/moves/{name}/", str(version)])
    return navigation.value


def case_version(case_id: Any) -> int:
    from kinlink.cases.models import Case

    return Case.objects.values_list("version", flat=True).get(pk=case_id)


# --- people ------------------------------------------------------------------------------


def sign_out(page: Any) -> None:
    with page.expect_navigation(timeout=STEP_TIMEOUT):
        page.locator("header form[action$='/logout/'] button").click()


def open_case(page: Any, base: str, case_id: Any) -> None:
    page.goto(f"{base}/cases/{case_id}/")
    expect(page.locator("ol.steps")).to_be_visible(timeout=STEP_TIMEOUT)


def follow(page: Any, link: Any) -> None:
    """Open a link of the page (a panel button, a "Go there")."""
    with page.expect_navigation(timeout=STEP_TIMEOUT):
        link.first.click()


def approve_in_my_day(page: Any, base: str, subject: str, reference: str) -> None:
    """A supervisor approves, in My day, what is waiting for her on this case."""
    page.goto(f"{base}/cases/my-day/")
    card = page.locator("#approvals li.card", has_text=reference).filter(has_text=subject)
    expect(card).to_have_count(1, timeout=STEP_TIMEOUT)
    with page.expect_navigation(timeout=STEP_TIMEOUT):
        card.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")


# --- forms -------------------------------------------------------------------------------


def register_unaccompanied_child(page: Any, base: str) -> tuple[str, str]:
    """Register a boy alone at the border; returns the case's id and reference."""
    page.goto(f"{base}/cases/new/")
    page.fill("#id_given_name", "Yonas")
    page.fill("#id_family_name", "Tesfaye")
    page.fill("#id_given_name_original", "ዮናስ")
    page.fill("#id_family_name_original", "ተስፋዬ")
    page.select_option("#id_original_script", "Ethi")
    page.select_option("#id_sex", "male")
    page.fill("#id_age_estimate", "15")
    page.select_option("#id_nationalities", ["ER"])
    page.select_option("#id_languages", ["tir"])
    page.select_option("#id_case_type", "uasc_host")
    page.select_option("#id_separation_status", "unaccompanied")
    page.select_option("#id_referral_source", "border_police")
    page.select_option("#id_risk_level", "high")
    page.select_option("#id_consent_given_by", "child")
    page.check("input[name=consent_scopes][value=services]")
    submit(page)
    expect(page.locator("h1")).to_contain_text("Yonas Tesfaye")
    reference = page.inner_text(".meta span >> nth=0")
    case_id = page.url.rstrip("/").split("/")[-1]
    return case_id, reference


def record_care_arrangement(page: Any, care_type: str = "reception") -> None:
    """On the care form: where the child stays tonight."""
    page.select_option("#id_care_type", care_type)
    page.fill("#id_carer_name", "Centre Dar Al Amal")
    page.fill("#id_address", "12 rue de Fès, Tanger")
    page.select_option("#id_country", "MA")
    page.select_option("#id_legal_basis", "administrative")
    page.fill("#id_start_date", iso(today()))
    submit(page)
    expect(page.locator(".messages")).to_contain_text("Care arrangement recorded.")


def record_child_views(page: Any) -> None:
    page.fill("#id_heard_on", iso(today()))
    page.select_option("#id_method", "interview")
    page.select_option("#id_language", "tir")
    page.fill("#id_interpreter_name", "Selam Gebre")
    page.fill("#id_wishes_future", "I want to go to school and learn to be a mechanic.")
    page.fill("#id_maturity_note", "Fifteen, articulate, understands his situation.")
    submit(page)
    expect(page.locator(".messages")).to_contain_text("The child's views are recorded.")


def write_assessment(page: Any) -> None:
    page.select_option("#id_kind", "initial")
    page.fill("#id_completed_on", iso(today()))
    page.fill("#id_safety", "Safe at the reception centre.")
    page.fill("#id_recommendation", "Temporary care at the centre while the family is traced.")
    submit(page)
    expect(page.locator(".messages")).to_contain_text("Assessment saved.")


def appoint_guardian(page: Any) -> None:
    page.fill("#id_guardian_name", "Salma Bennani")
    page.fill("#id_organisation", "Association Tanger Enfance")
    page.fill("#id_appointing_authority", "Tribunal de première instance, Tanger")
    page.select_option("#id_legal_basis", "court_order")
    page.fill("#id_appointed_on", iso(today()))
    submit(page)
    expect(page.locator(".messages")).to_contain_text("Guardian appointed.")


def record_family_evaluation(page: Any) -> None:
    page.fill("#id_who_was_met", "His uncle in Asmara, by video call with the partner agency.")
    page.fill("#id_home_conditions", "Two rooms, shared with five relatives.")
    page.fill("#id_capacity", "Willing but unable to support him now.")
    page.fill("#id_evaluator_name", "Hiwet Tekle")
    page.fill("#id_evaluator_agency", "Partner agency, Asmara")
    page.fill("#id_evaluated_on", iso(today()))
    page.select_option("#id_recommendation", "alternative_care")
    submit(page)
    expect(page.locator(".messages")).to_contain_text("Family evaluation recorded.")


def open_bid(page: Any) -> None:
    """On the "Start a determination" form: the report; the page then shows the BID."""
    page.fill(
        "#id_report",
        "Yonas wants to stay and study; his family cannot receive him safely for now.",
    )
    submit(page)
    expect(page.locator("h1")).to_have_text("Best-interests determination")


def add_bid_option(page: Any, solution: str) -> None:
    section = page.locator("#options")
    section.locator("summary", has_text="Add an option").click()
    page.select_option("#id_option-solution", solution)
    page.fill("#id_option-pros", "Schooling and stable care already in place.")
    page.fill("#id_option-child_view", "He wants to stay.")
    submit(page, section.get_by_role("button", name="Add", exact=True))
    expect(page.locator(".messages")).to_contain_text("Option added.")


def seat_panel_member(page: Any, name: str, function: str) -> None:
    section = page.locator("#panel")
    section.locator("summary", has_text="Seat a member").click()
    page.fill("#id_member-external_name", name)
    page.fill("#id_member-function", function)
    page.fill("#id_member-agency", "Outside expert")
    page.check("#id_member-no_conflict_declared")
    page.check("#id_member-confidentiality_signed")
    submit(page, section.get_by_role("button", name="Add", exact=True))
    expect(page.locator(".messages")).to_contain_text("Panel member added.")


def decide_bid(page: Any, solution: str) -> None:
    page.select_option("#id_decide-solution", solution)
    page.fill("#id_decide-reasons", "Stable care, schooling under way, and his own wish to stay.")
    page.fill("#id_decide-views_weighed", "His wish to stay weighed heavily; he is fifteen.")
    page.fill("#id_decide-decided_on", iso(today()))
    page.fill("#id_decide-child_informed_on", iso(today()))
    page.select_option("#id_decide-child_informed_language", "tir")
    page.fill("#id_decide-review_on", in_days(180))
    submit(page, page.locator("#decide").get_by_role("button", name="Record the decision"))
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")
    expect(page.locator("#decision")).to_be_visible()


def plan_follow_up(page: Any) -> None:
    page.select_option("#id_template", "after_reunification")
    page.fill("#id_start_on", iso(today()))
    submit(page)
    expect(page.locator(".messages")).to_contain_text("Follow-up planned")


def report_visit(page: Any) -> None:
    page.fill("#id_visited_on", iso(today()))
    page.check("#id_child_seen")
    page.fill("#id_well_being", "Settled, eating and sleeping well.")
    page.fill("#id_school", "Attends the vocational centre every day.")
    submit(page)
    expect(page.locator(".messages")).to_contain_text("Visit report saved")


def request_closure(page: Any) -> None:
    page.select_option("#id_reason", "goals_met")
    page.check("#id_goals_met_or_explained")
    page.check("#id_child_safe")
    page.fill("#id_carer_name", "Centre Dar Al Amal")
    page.fill("#id_carer_relationship", "Residential carer")
    page.fill("#id_carer_address", "12 rue de Fès, Tanger")
    page.check("#id_follow_up_completed")
    page.check("#id_child_informed")
    submit(page)
    expect(page.locator(".messages")).to_contain_text("Closure requested")
