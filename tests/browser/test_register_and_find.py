"""A caseworker registers a child with an Arabic-script name, finds the child by another Latin
spelling, and reads Kinlink in Arabic, right to left."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PASSWORD
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_registers_a_child_and_finds_him_by_another_spelling(
    live_server: Any, page: Any, caseworker_a: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "caseworker_a", PASSWORD)

    page.goto(f"{base}/cases/new/")
    page.fill("#id_given_name", "Mohamed")
    page.fill("#id_family_name", "El Amine")
    page.fill("#id_given_name_original", "محمد")
    page.fill("#id_family_name_original", "الأمين")
    page.select_option("#id_original_script", "Arab")
    page.select_option("#id_sex", "male")
    page.fill("#id_age_estimate", "15")
    page.select_option("#id_nationalities", ["SD"])
    page.select_option("#id_languages", ["ara"])
    page.select_option("#id_case_type", "uasc_host")
    page.select_option("#id_separation_status", "unaccompanied")
    page.select_option("#id_referral_source", "border_police")
    page.select_option("#id_risk_level", "high")
    page.select_option("#id_consent_given_by", "child")
    page.check("input[name=consent_scopes][value=services]")
    page.click("main form button[type=submit]")

    page.wait_for_selector("h1:has-text('Mohamed El Amine')")
    assert "محمد الأمين" in page.inner_text("h1")
    reference = page.inner_text(".meta span >> nth=0")
    assert reference.startswith("MA-")

    page.goto(f"{base}/cases/")
    page.fill("#id_q", "Muhammad Alamin")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#case-rows .card")
    assert "Mohamed El Amine" in page.inner_text("#case-rows")
    # The name searched for never enters the address bar.
    assert "Muhammad" not in page.url

    page.select_option("#language", "ar")
    page.click("form.lang button")
    page.wait_for_selector("html[dir=rtl]")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def test_bad_input_is_explained_beside_the_field_and_nothing_is_saved(
    live_server: Any, page: Any, caseworker_a: Any
) -> None:
    from kinlink.cases.models import Case

    base = live_server.url
    sign_in(page, base, "caseworker_a", PASSWORD)
    page.goto(f"{base}/cases/new/")
    page.fill("#id_given_name", "<script>alert(1)</script>")
    page.fill("#id_date_of_birth", "2099-01-01")
    page.click("main form button[type=submit]")

    page.wait_for_selector(".error-box")
    assert "letters, spaces, hyphens and apostrophes" in page.inner_text(
        ".field:has(#id_given_name)"
    )
    assert "cannot be in the future" in page.inner_text(".field:has(#id_date_of_birth)")
    assert page.input_value("#id_given_name") == "<script>alert(1)</script>"
    assert Case.objects.count() == 0
