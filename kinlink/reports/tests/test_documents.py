"""Case documents as PDF: the text extracted in English and Arabic, what is left out, the
audit event, who may make them."""

from __future__ import annotations

import io
import logging
import time
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from kinlink.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def produce(client: Any, case: Any, **data: Any) -> Any:
    return client.post(reverse("reports:document", args=[case.pk]), data)


def test_the_case_summary_prints_in_english_with_the_childs_record(
    client: Any, known: dict[str, Any], caseworker_a: Any
) -> None:
    case = known["hosts"][0]
    client.force_login(caseworker_a)
    started = time.monotonic()
    response = produce(client, case, document="case_summary", language="en")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Case summary (social report)" in text
    assert case.reference in text
    assert "Amir El Amine" in text
    assert "Unaccompanied or separated child in host country" in text
    print(f"case summary: {len(response.content)} bytes in {elapsed:.2f} s")


def test_printing_logs_nothing_of_the_document_below_a_warning(
    client: Any, known: dict[str, Any], caseworker_a: Any, caplog: Any
) -> None:
    """The PDF engine's progress lines (fonts subset, glyph names) carry the document's
    letters: the node logs only its warnings, whatever the root level."""
    client.force_login(caseworker_a)
    with caplog.at_level(logging.DEBUG):
        response = produce(client, known["hosts"][0], document="case_summary", language="ar")
    assert response.status_code == 200
    engine = [
        record
        for record in caplog.records
        if record.name.split(".")[0] in {"weasyprint", "fontTools"}
        and record.levelno < logging.WARNING
    ]
    assert engine == []


def test_the_case_summary_prints_in_arabic_shaped_and_right_to_left(
    client: Any, known: dict[str, Any], caseworker_a: Any
) -> None:
    case = known["hosts"][0]
    client.force_login(caseworker_a)
    response = produce(client, case, document="case_summary", language="ar")
    assert response.status_code == 200
    text = pdf_text(response.content)
    # The title and the child's name in Arabic script come out as text (fonts embedded).
    assert "محمد" in text
    assert case.reference in text
    from django.utils import translation

    with translation.override("ar"):
        from kinlink.reports.documents import DOCUMENTS

        title = str(DOCUMENTS["case_summary"].title)
    assert title != "Case summary (social report)"
    assert title.split()[0] in text


def test_leaving_out_the_original_names_and_contacts_removes_them(
    client: Any, known: dict[str, Any], caseworker_a: Any
) -> None:
    from kinlink.cases.services import case_person_add

    case = known["hosts"][0]
    case_person_add(
        actor=caseworker_a,
        case=case,
        full_name="Aicha El Amine",
        relationship="mother",
        country="SD",
        contact="+249912345678",
    )
    client.force_login(caseworker_a)
    full = pdf_text(produce(client, case, document="case_summary", language="en").content)
    assert "محمد" in full and "+249912345678" in full
    redacted = produce(
        client,
        case,
        document="case_summary",
        language="en",
        leave_out=["original_names", "contacts"],
    )
    text = pdf_text(redacted.content)
    assert "محمد" not in text and "+249912345678" not in text
    assert "Left out of this document" in text
    event = AuditEvent.objects.filter(action="export", case_id=case.pk).latest("sequence")
    assert event.context["document"] == "case_summary"
    assert event.context["left_out"] == ["contacts", "original_names"]
    assert event.actor == caseworker_a


@pytest.mark.parametrize("document", ["bid_report", "art33_report", "follow_up_report"])
def test_each_document_prints_in_the_four_languages(
    client: Any, known: dict[str, Any], caseworker_a: Any, document: str
) -> None:
    case = known["hosts"][0]
    client.force_login(caseworker_a)
    for language in ("en", "fr", "es", "ar"):
        response = produce(client, case, document=document, language=language)
        assert response.status_code == 200, (document, language)
        assert case.reference in pdf_text(response.content)


def test_a_document_with_nothing_to_report_is_explained(
    client: Any, known: dict[str, Any], caseworker_a: Any
) -> None:
    case = known["hosts"][1]  # no determination, no follow-up
    client.force_login(caseworker_a)
    response = produce(client, case, document="follow_up_report", language="en")
    assert response.status_code == 400
    assert "nothing yet for this document" in response.content.decode()


@pytest.mark.parametrize("persona", ["caseworker_b", "guardian", "analyst", "node_admin"])
def test_a_document_out_of_scope_is_404(
    client: Any, known: dict[str, Any], persona: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = produce(client, known["hosts"][0], document="case_summary", language="en")
    assert response.status_code == 404
