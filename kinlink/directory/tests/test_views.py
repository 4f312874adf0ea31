"""Browsing and searching the directory in four languages; the country sheet; the page
between two countries; the administrator's import page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from kinlink.directory.models import Country

pytestmark = pytest.mark.django_db


def _as(client: Any, user: Any, language: str = "en") -> Any:
    user.language = language
    user.save()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("en", "moroc", "Morocco"),
        ("fr", "maroc", "Maroc"),
        ("es", "marruec", "Marruecos"),
        ("ar", "المغرب", "المغرب"),
    ],
)
def test_a_caseworker_finds_a_country_by_its_name_in_her_language(
    shipped: Any, caseworker_a: Any, client: Any, language: str, query: str, expected: str
) -> None:
    page = _as(client, caseworker_a, language).get(reverse("directory:countries"), {"q": query})
    body = page.content.decode()
    assert page.status_code == 200
    assert expected in body
    assert reverse("directory:country", args=["MA"]) in body
    assert reverse("directory:country", args=["FR"]) not in body


def test_the_arabic_directory_lays_out_right_to_left(
    shipped: Any, caseworker_a: Any, client: Any
) -> None:
    body = (
        _as(client, caseworker_a, "ar")
        .get(reverse("directory:country", args=["MA"]))
        .content.decode()
    )
    assert 'dir="rtl"' in body


def test_an_htmx_search_answers_the_rows_only(shipped: Any, caseworker_a: Any, client: Any) -> None:
    page = _as(client, caseworker_a).get(
        reverse("directory:countries"), {"q": "kosovo"}, HTTP_HX_REQUEST="true"
    )
    body = page.content.decode()
    assert "<html" not in body
    assert reverse("directory:country", args=["XK"]) in body


def test_the_country_sheet_shows_each_status_with_its_source_and_flag(
    shipped: Any, caseworker_a: Any, client: Any
) -> None:
    body = _as(client, caseworker_a).get(reverse("directory:country", args=["DK"])).content.decode()
    assert "1996 Hague Child Protection Convention" in body
    assert "https://www.hcch.net/en/instruments/conventions/status-table/?cid=70" in body
    assert "verified" in body
    assert "not bound by Regulation (EU) 2019/1111" in body
    assert reverse("directory:status_add", args=["DK"]) not in body  # read only


def test_the_between_page_answers_for_two_countries(
    shipped: Any, caseworker_a: Any, client: Any
) -> None:
    page = _as(client, caseworker_a).get(
        reverse("directory:between"), {"a": "MA", "b": "FR", "on": "2026-12-01"}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "Art. 33" in body


def test_an_analyst_reads_the_directory(shipped: Any, analyst: Any, client: Any) -> None:
    assert _as(client, analyst).get(reverse("directory:country", args=["MA"])).status_code == 200


def test_the_administrator_imports_a_file_and_sees_every_problem_of_a_bad_one(
    node_admin: Any, client: Any
) -> None:
    from kinlink.directory.tests.test_interchange import good_file

    _as(client, node_admin)
    bad = good_file(countries=[{"code": "QQ"}, {"code": "ZZ"}])
    response = client.post(
        reverse("directory:import"), {"file": SimpleUploadedFile("bad.json", bad.encode())}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "“QQ”" in body and "“ZZ”" in body
    assert not Country.objects.exists()
    response = client.post(
        reverse("directory:import"), {"file": SimpleUploadedFile("good.json", good_file().encode())}
    )
    assert response.status_code == 302
    assert Country.objects.filter(code="FR").exists()


def test_the_administrator_exports_the_directory_as_a_file(
    shipped: Any, node_admin: Any, client: Any
) -> None:
    response = _as(client, node_admin).get(reverse("directory:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b'"format": "kinlink-directory"' in response.content


def test_country_names_come_from_pycountrys_catalogues(shipped: Any) -> None:
    from kinlink.directory.reference import country_name

    with translation.override("ar"):
        assert country_name("MA") == "المغرب"
    with translation.override("fr"):
        assert country_name("DE") == "Allemagne"
