"""Exports: only what the user may see, de-identified for analysts, formula-safe, audited,
refused above the size limit."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from kinlink.audit.models import AuditEvent
from kinlink.core.exports import safe_cell, to_csv, to_xlsx
from kinlink.reports.tests.test_dashboards import PERIOD_PARAMS

pytestmark = pytest.mark.django_db


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_is_neutralised(start: str) -> None:
    assert safe_cell(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'


def test_numbers_dates_and_plain_text_are_kept() -> None:
    from datetime import date

    assert safe_cell(-3) == -3
    assert safe_cell(2.5) == 2.5
    assert safe_cell(date(2026, 1, 2)) == "2026-01-02"
    assert safe_cell("Mohamed") == "Mohamed"
    assert safe_cell(None) == ""


def test_an_xlsx_cell_with_a_formula_is_stored_as_text() -> None:
    import zipfile

    content = to_xlsx(["Name"], [["=1+1"], ["@SUM(A1)"]], sheet="Cases")
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet
    assert "'=1+1" in strings and "'@SUM(A1)" in strings


def test_csv_starts_with_a_byte_order_mark_for_spreadsheets() -> None:
    assert to_csv(["a"], [["محمد"]]).startswith("\ufeff".encode())


def test_the_caseworker_exports_only_her_cases_and_the_export_is_audited(
    client: Any, known: dict[str, Any], caseworker_b: Any
) -> None:
    client.force_login(caseworker_b)
    response = client.get(reverse("reports:export", args=["cases", "csv"]), PERIOD_PARAMS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response.content)
    assert len(rows) == 2  # header + her one child
    assert rows[1][1] == "Other"
    event = AuditEvent.objects.filter(action="export").latest("sequence")
    assert event.actor == caseworker_b
    assert event.context["rows"] == 1 and event.context["export"] == "cases"
    assert len(event.context["sha256"]) == 64


def test_the_analyst_gets_de_identified_rows(
    client: Any, known: dict[str, Any], analyst: Any
) -> None:
    client.force_login(analyst)
    response = client.get(reverse("reports:export", args=["cases", "csv"]), PERIOD_PARAMS)
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = read_csv(response.content)
    assert rows[0] == [
        "Row",
        "Case type",
        "Step",
        "Risk level",
        "Sex",
        "Age band",
        "Nationality",
        "Referral month",
    ]
    assert len(rows) == 8
    for name in ("Amir", "El Amine", "محمد", "MA-"):
        assert name not in text
    assert {r[5] for r in rows[1:]} == {"12-17"}


def test_a_formula_typed_as_a_name_leaves_as_text(
    client: Any, register_case: Any, caseworker_a: Any
) -> None:
    from datetime import date

    from kinlink.cases.models import Case

    case = register_case(referral_date=date(2026, 3, 1))
    Case.objects.filter(pk=case.pk).update(family_name='=HYPERLINK("http://evil")')
    client.force_login(caseworker_a)
    response = client.get(reverse("reports:export", args=["cases", "csv"]), PERIOD_PARAMS)
    rows = read_csv(response.content)
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'


def test_an_export_larger_than_the_limit_is_refused_and_nothing_is_produced(
    client: Any, known: dict[str, Any], supervisor_a: Any, settings: Any
) -> None:
    settings.KINLINK_EXPORT_MAX_ROWS = 3
    client.force_login(supervisor_a)
    before = AuditEvent.objects.filter(action="export").count()
    response = client.get(reverse("reports:export", args=["cases", "xlsx"]), PERIOD_PARAMS)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "would hold 6 rows; the limit is 3" in response.content.decode()
    # The way back is the supervisor's own dashboard with the same filters, not a script.
    assert f'href="{reverse("reports:team")}?' in response.content.decode()
    assert AuditEvent.objects.filter(action="export").count() == before


def test_an_export_with_a_bad_period_is_refused(
    client: Any, known: dict[str, Any], supervisor_a: Any
) -> None:
    client.force_login(supervisor_a)
    response = client.get(
        reverse("reports:export", args=["indicators", "csv"]),
        {"start": "2026-06-01", "end": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "The end of the period comes before its start." in response.content.decode()


def test_the_indicators_export_as_xlsx_for_the_supervisor(
    client: Any, known: dict[str, Any], supervisor_a: Any
) -> None:
    client.force_login(supervisor_a)
    response = client.get(reverse("reports:export", args=["indicators", "xlsx"]), PERIOD_PARAMS)
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


@pytest.mark.parametrize("persona", ["guardian", "node_admin"])
def test_who_may_not_export_gets_404(
    client: Any, known: dict[str, Any], persona: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("reports:export", args=["cases", "csv"]))
    assert response.status_code == 404
