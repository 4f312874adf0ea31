"""A caseworker reads the country directory on a 360 px phone: finds a country by its Arabic
name as she types (htmx), opens its sheet right to left, and asks what a placement from
Morocco to France requires."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from kinlink.directory.interchange import latest_shipped_file
from kinlink.directory.services import directory_import
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_finds_a_country_in_arabic_and_reads_what_a_placement_requires(
    live_server: Any, page: Any, caseworker_a: Any, tmp_path: Any
) -> None:
    screenshots = tmp_path
    path = latest_shipped_file()
    directory_import(actor=None, text=path.read_text(encoding="utf-8"), origin=path.name)
    caseworker_a.language = "ar"
    caseworker_a.save()
    base = live_server.url
    sign_in(page, base, "caseworker_a", PASSWORD)

    page.goto(f"{base}/directory/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("#q", "فرنسا")
    # htmx swaps the rows in as she types: France and its territories are left. (A waiting
    # locator, not a string predicate: the page's CSP forbids evaluating strings.)
    expect(page.locator("#country-rows a[href='/directory/countries/MA/']")).to_have_count(0)
    expect(page.locator("#country-rows a[href='/directory/countries/FR/']")).to_have_count(1)
    assert page.locator("#country-rows tbody tr").count() < 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.click("#country-rows a[href='/directory/countries/FR/']")
    page.wait_for_selector("h1:has-text('فرنسا')")
    assert page.locator("#treaties").is_visible()
    page.screenshot(path=str(screenshots / "sheet-ar-360.png"), full_page=True)

    page.goto(f"{base}/directory/between/?a=MA&b=FR&on=2026-12-01")
    page.wait_for_selector("#answer .warning-box")
    assert "33" in page.inner_text("#answer .warning-box")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshots / "between-ar-360.png"), full_page=True)
