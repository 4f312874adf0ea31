"""Reports in the browser: a supervisor reads her team dashboard (an SVG chart with its table,
a bad period explained, Arabic right to left); a caseworker prints the case summary in Arabic
and in English, and page 1 of each PDF, rendered to an image, shows its text laid out right
to left and left to right."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from conftest import PASSWORD
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The colour of the "Confidential" line that opens every document (documents/base.html).
CONFIDENTIAL_RED = (0x8A, 0x1C, 0x1C)


def test_the_supervisor_reads_her_team_dashboard_in_english_and_arabic(
    live_server: Any, page: Any, register_case: Any, supervisor_a: Any
) -> None:
    register_case(given_name="Amir")
    register_case(given_name="Bilal", risk_level="medium")
    base = live_server.url
    sign_in(page, base, "supervisor_a", PASSWORD)

    page.goto(f"{base}/reports/team/")
    chart = page.locator("#caseload_by_risk figure.chart")
    assert chart.locator("svg[role=img] rect.bar").count() >= 2
    assert chart.locator("svg title").text_content() == "Open cases by risk level"
    table = chart.locator("table.chart-table")
    assert table.locator("caption").inner_text() == "Open cases by risk level"
    assert table.locator("tr:has(th:text-is('High')) td").inner_text() == "1"

    page.fill("#id_start", "2026-06-01")
    page.fill("#id_end", "2026-05-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("text=The end of the period comes before its start.")
    assert page.locator("section.indicator").count() == 0

    page.select_option("#language", "ar")
    page.click("form.lang button")
    page.wait_for_selector("html[dir=rtl]")
    page.goto(f"{base}/reports/team/")
    figure = page.locator("#caseload_by_risk figure.chart")
    assert figure.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert figure.locator("table.chart-table caption").inner_text() != "Open cases by risk level"


def is_red(pixel: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, CONFIDENTIAL_RED, strict=True))


def red_centre(png: Path) -> float:
    """Where the red "Confidential" line sits across the page: 0 at the left edge, 1 at the
    right."""
    image = Image.open(png).convert("RGB")
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    xs = [
        x
        for y in range(height // 4)
        for x in range(0, width, 2)
        if is_red(pixels[x, y])  # type: ignore[arg-type]
    ]
    assert xs, "no red line on page 1"
    return sum(xs) / len(xs) / width


def produce(page: Any, base: str, case: Any, language: str, tmp_path: Path) -> Path:
    page.goto(f"{base}/reports/cases/{case.pk}/documents/")
    page.check("input[name=document][value=case_summary]")
    page.select_option("#id_language", language)
    # WeasyPrint may take a few seconds on a busy machine; the download is what is awaited.
    with page.expect_download(timeout=60_000) as download:
        page.click("main form button[type=submit]", no_wait_after=True)
    pdf = tmp_path / f"summary-{language}.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    page_one = ["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(["pdftoppm", *page_one, pdf, pdf.with_suffix("")], check=True)
    return pdf.with_suffix(".png")


def test_the_case_summary_renders_right_to_left_in_arabic_and_left_to_right_in_english(
    live_server: Any, page: Any, case_a: Any, caseworker_a: Any, tmp_path: Path
) -> None:
    base = live_server.url
    sign_in(page, base, "caseworker_a", PASSWORD)
    arabic = red_centre(produce(page, base, case_a, "ar", tmp_path))
    english = red_centre(produce(page, base, case_a, "en", tmp_path))
    assert arabic > 0.55 > 0.45 > english, (arabic, english)
