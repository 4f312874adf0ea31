"""The main pages pass axe-core (no serious or critical violation) in English and in Arabic,
right to left; a child can be registered with the keyboard alone; and nothing a page loads
comes from outside the node."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser import steps
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kinlink-demo-password"


@pytest.fixture
def demo(settings: Any) -> None:
    """The demonstration node: cases at every step, with assessments, BIDs and the personas."""
    settings.DEMO_MODE = True
    call_command("load_demo", verbosity=0)


def main_pages() -> list[tuple[str, str]]:
    """The signed-in pages checked, by name, as paths on the demo node (Amina's view)."""
    from kinlink.accounts.models import User
    from kinlink.assessments.models import Assessment, BestInterestsDetermination
    from kinlink.cases.policies import visible_cases

    amina = User.objects.get(username="amina")
    cases = visible_cases(amina, "view")
    assessment = Assessment.objects.filter(case__in=cases).select_related("case").first()
    bid = BestInterestsDetermination.objects.filter(case__in=cases).select_related("case").first()
    assert assessment is not None and bid is not None
    return [
        ("My day", "/cases/my-day/"),
        ("case list", "/cases/"),
        ("case page", f"/cases/{assessment.case_id}/"),
        ("registration form", "/cases/new/"),
        ("assessment", f"/cases/{assessment.case_id}/assessments/{assessment.pk}/"),
        ("BID", f"/cases/{bid.case_id}/assessments/bid/{bid.pk}/"),
        ("exchange inbox", "/exchange/"),
        ("directory", "/directory/"),
    ]


def choose_language(page: Any, code: str) -> None:
    page.select_option("#language", code)
    with page.expect_navigation(timeout=steps.STEP_TIMEOUT):
        page.click("form.lang button")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_main_pages_have_no_serious_accessibility_violation(
    live_server: Any, page: Any, demo: None, language: str
) -> None:
    base = live_server.url
    origin_requests: list[str] = []
    page.on("request", lambda request: origin_requests.append(request.url))
    found: dict[str, list[str]] = {}

    page.goto(f"{base}/accounts/login/")
    if language != "en":
        choose_language(page, language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    found["sign-in page"] = serious_violations(page)

    page.fill("#id_username", "amina")
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation(timeout=steps.STEP_TIMEOUT):
        page.click("main button[type=submit]")
    if language != "en":  # the account's own language applies once signed in
        choose_language(page, language)
    for name, path in main_pages():
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, (name, path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        found[name] = serious_violations(page)
    # The registration form sent empty: the errors beside the fields are checked too.
    page.goto(f"{base}/cases/new/")
    page.fill("#id_given_name", "")
    with page.expect_navigation(timeout=steps.STEP_TIMEOUT):
        page.click("main form button[type=submit]")
    expect(page.locator("main .error").first).to_be_visible()
    found["registration form with errors"] = serious_violations(page)

    problems = {name: lines for name, lines in found.items() if lines}
    assert not problems, "\n".join(
        f"{name}:\n  " + "\n  ".join(lines) for name, lines in problems.items()
    )
    # Light pages: everything the browser fetched came from the node itself.
    outside = [url for url in origin_requests if not url.startswith(f"{base}/")]
    assert not outside, outside


def test_axe_reports_what_a_broken_page_gets_wrong(page: Any) -> None:
    """The check itself works: a page with an unlabelled field and an image without text."""
    page.set_content('<html><body><main><img src="x.png"><input type="text"></main></body></html>')
    found = " ".join(serious_violations(page))
    assert "image-alt" in found and "label" in found and "html-has-lang" in found


# What a keyboard user presses on each field of the registration form: the first letters of
# an option for a list (the browser's type-ahead), text for a text field, Space for a box.
KEYS = {
    "id_given_name": "Yonas",
    "id_family_name": "Tesfaye",
    "id_sex": "Male",
    "id_age_estimate": "15",
    "id_nationalities": "Eritrea",
    "id_languages": "Tigrinya",
    "id_case_type": "Unaccompanied",
    "id_separation_status": "Unaccompanied",
    "id_referral_source": "Border",
    "id_risk_level": "High",
    "id_consent_given_by": "The child",
    "id_consent_scopes_0": " ",
}


def test_a_child_is_registered_with_the_keyboard_alone(
    live_server: Any, page: Any, caseworker_a: Any
) -> None:
    from kinlink.cases.models import Case

    base = live_server.url
    sign_in(page, base, "caseworker_a", PASSWORD)
    page.goto(f"{base}/cases/new/")
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement;
                const style = getComputedStyle(e);  // a date's own picker button: its UA ring
                return {id: e.id, tag: e.tagName, type: e.type || "",
                        inForm: !!e.closest("main form[method=post]"),
                        outline: !e.matches(":focus") || style.outlineStyle !== "none"}; }"""
        )
        assert focused["outline"], f"no visible focus on {focused}"
        if not focused["inForm"]:
            continue
        reached.append(focused["id"])
        for key in KEYS.get(focused["id"], ""):  # key by key, as the list type-ahead needs
            page.keyboard.press("Space" if key == " " else key)
        if focused["tag"] == "BUTTON" and focused["type"] == "submit":
            with page.expect_navigation(timeout=steps.STEP_TIMEOUT):
                page.keyboard.press("Enter")
            break
    missing = set(KEYS) - set(reached)
    assert not missing, f"never reached by Tab: {missing}"
    expect(page.locator("h1")).to_contain_text("Yonas Tesfaye")
    case = Case.objects.get()
    assert (case.sex, case.nationalities, case.risk_level) == ("male", ["ER"], "high")
    assert case.consents.get().scopes == ["services"]
