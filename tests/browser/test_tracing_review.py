"""A caseworker reviews a suggested match side by side and confirms it: the request is found."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PASSWORD
from kinlink.tracing import services, suggest
from kinlink.tracing.models import TracingRequest
from kinlink.tracing.tests.conftest import consent, relative_values
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_confirms_a_suggested_match_on_the_review_page(
    live_server: Any, page: Any, caseworker_a: Any, register_case: Any
) -> None:
    case = register_case(
        given_name="Mamadu",
        family_name="JALLOW",
        given_name_original="",
        family_name_original="",
        original_script="",
        age_estimate=17,
        nationalities=["GN"],
        place_of_origin="Labe",
    )
    consent(case, caseworker_a, "tracing")
    request = services.tracing_request_file(
        actor=caseworker_a,
        team=caseworker_a.teams.first(),
        filed_by="relative",
        values=relative_values(),
    )
    suggest.match_requests(case.agency_id)

    base = live_server.url
    sign_in(page, base, "caseworker_a", PASSWORD)
    page.goto(f"{base}/tracing/review/")
    page.click("#queue a")
    page.wait_for_selector("#comparison")
    assert page.locator("#comparison tr[data-verdict=agree]").count() >= 2
    assert "Mamadu JALLOW" in page.inner_text("#comparison")
    page.check("input[name=decision][value=confirm]")
    page.fill("#id_reason", "Same father, same village; the mother recognised the photograph.")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/tracing/review/")
    assert "Nothing to review." in page.inner_text("main")
    request = TracingRequest.objects.get(pk=request.pk)
    assert (request.status, request.case_id) == ("found", case.pk)
