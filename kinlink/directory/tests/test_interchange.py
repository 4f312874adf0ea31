"""Directory files: the shipped one loads; a bad file is refused whole, every problem named by
its line; export and import round-trip."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from kinlink.directory.export import export_text, render
from kinlink.directory.interchange import (
    DirectoryFileRefused,
    latest_shipped_file,
    parse_and_validate,
)
from kinlink.directory.models import Agency, Country, InstrumentCoverage, TreatyStatus
from kinlink.directory.services import directory_import

pytestmark = pytest.mark.django_db

SOURCE = {
    "source_title": "HCCH status table",
    "source_url": "https://www.hcch.net/en/instruments/conventions/status-table/?cid=70",
    "checked_on": "2026-12-01",
    "verified": True,
}


def good_file(**sections: Any) -> str:
    values: dict[str, Any] = {
        "coverage": [
            {"instrument": "hc1996", "parties_complete": True, **SOURCE},
        ],
        "countries": [{"code": "MA"}, {"code": "FR"}, {"code": "XK"}],
        "statuses": [
            {
                "country": "MA",
                "instrument": "hc1996",
                "kind": "ratification",
                "in_force_on": "2002-12-01",
                **SOURCE,
            },
            {
                "country": "FR",
                "instrument": "hc1996",
                "kind": "ratification",
                "in_force_on": "2011-02-01",
                **SOURCE,
            },
        ],
        "agencies": [
            {
                "code": "ssi-fr",
                "name": "SSI France",
                "country": "FR",
                "kind": "network_member",
                "services": ["home_study"],
                "languages": ["fra"],
            },
        ],
        "notes": [],
    }
    values.update(sections)
    return render(version="2026-12-01", **values)


def refused(text: str) -> list[str]:
    with pytest.raises(DirectoryFileRefused) as error:
        directory_import(actor=None, text=text, origin="test.json")
    return [str(p) for p in error.value.problems]


def test_the_shipped_directory_is_valid_and_loads_every_country_and_kosovo(shipped: Any) -> None:
    assert Country.objects.filter(code="XK").exists()
    assert Country.objects.count() == 250
    assert (
        TreatyStatus.objects.filter(
            instrument="hc1996", kind__in=["ratification", "accession", "party"]
        ).count()
        == 56
    )
    denmark = TreatyStatus.objects.get(country__code="DK", instrument="eu")
    assert "not bound" in denmark.note


def test_every_shipped_status_has_a_source_and_a_date_checked(shipped: Any) -> None:
    assert not TreatyStatus.objects.filter(source_title="").exists()
    assert not TreatyStatus.objects.filter(source_url="").exists()
    assert not TreatyStatus.objects.filter(checked_on__isnull=True).exists()


def test_a_good_file_imports_and_a_second_import_changes_nothing() -> None:
    report = directory_import(actor=None, text=good_file(), origin="good.json")
    assert report.total("created") == 7
    again = directory_import(actor=None, text=good_file(), origin="good.json")
    assert again.total("created") == again.total("updated") == 0


def test_a_bad_file_is_refused_whole_with_each_problem_named_by_its_line() -> None:
    text = good_file(
        countries=[{"code": "MA"}, {"code": "QQ"}],
        statuses=[
            {
                "country": "MA",
                "instrument": "hc1996",
                "kind": "ratification",
                "in_force_on": "01/12/2002",
                **SOURCE,
            },
            {
                "country": "FR",
                "instrument": "hc1980",
                "kind": "ratification",
                "checked_on": "2026-12-01",
                "verified": True,
            },
        ],
        agencies=[
            {"code": "ssi-fr", "name": "SSI France", "country": "FR", "kind": "network_member"},
            {"code": "ssi-fr", "name": "SSI France bis", "country": "FR", "kind": "partner"},
        ],
    )
    lines = {i + 1: line for i, line in enumerate(text.splitlines())}
    problems = refused(text)
    assert len(problems) == 5, problems
    joined = "\n".join(problems)
    assert "unknown country code “QQ”" in joined
    assert "is not a date written YYYY-MM-DD" in joined
    assert "the source is missing (source_title)" in joined
    assert "the source is missing (source_url)" in joined
    assert "duplicate agency: code “ssi-fr”" in joined
    for problem in problems:
        number = int(problem.split(" ")[1])
        assert lines[number].strip().startswith("{"), (problem, lines[number])
    qq_line = next(n for n, line in lines.items() if '"QQ"' in line)
    assert any(p.startswith(f"Line {qq_line} ") for p in problems)
    assert Country.objects.count() == 0
    assert Agency.objects.count() == 0


def test_nothing_of_a_file_is_imported_when_its_last_row_is_bad() -> None:
    rows = [{"country": "MA", "instrument": "hc1996", "kind": "ratification", **SOURCE}]
    rows.append({"country": "FR", "instrument": "eu", "kind": "ratification", **SOURCE})
    problems = refused(good_file(statuses=rows))
    assert problems == [p for p in problems if "EU membership is recorded as a membership" in p]
    assert not TreatyStatus.objects.exists()


def test_a_date_that_is_not_in_the_calendar_is_named() -> None:
    rows = [
        {
            "country": "MA",
            "instrument": "hc1996",
            "kind": "ratification",
            "in_force_on": "2023-02-30",
            **SOURCE,
        }
    ]
    assert any("not a date of the calendar" in p for p in refused(good_file(statuses=rows)))


def test_a_file_that_is_not_json_is_refused_with_its_line() -> None:
    problems = refused('{\n  "format": "kinlink-directory",\n  oops\n}')
    assert problems[0].startswith("Line 3:")


def test_an_agency_named_like_one_of_this_node_under_another_code_is_a_duplicate(
    agency: Any,
) -> None:
    agencies = [{"code": "other", "name": agency.name, "country": "MA", "kind": "partner"}]
    assert any("exists on this node" in p for p in refused(good_file(agencies=agencies)))


def test_problems_are_told_in_the_readers_language() -> None:
    from django.utils import translation

    with translation.override("fr"):
        problems = refused(good_file(countries=[{"code": "QQ"}]))
    assert problems[0].startswith("Ligne")


def test_export_then_import_on_another_node_gives_the_same_directory(shipped: Any) -> None:
    text = export_text(version="2026-12-01")
    document = parse_and_validate(text)
    assert len(document.statuses) == TreatyStatus.objects.count()
    report = directory_import(actor=None, text=text, origin="export.json")
    assert report.total("created") == report.total("updated") == 0


def test_the_shipped_file_keeps_one_row_per_line() -> None:
    text = latest_shipped_file().read_text(encoding="utf-8")
    data = json.loads(text)
    rows = sum(
        len(data[s]) for s in ("instruments", "countries", "statuses", "agencies", "legal_notes")
    )
    assert len(text.splitlines()) >= rows


def test_the_shipped_directory_says_what_it_records_for_1980_1993_and_each_country(
    shipped: Any,
) -> None:
    assert TreatyStatus.objects.filter(instrument="hc1980").count() == 90
    assert TreatyStatus.objects.filter(instrument="hc1993").count() == 70
    assert not InstrumentCoverage.objects.get(instrument="hc1980").parties_complete
    assert not InstrumentCoverage.objects.get(instrument="hc1993").parties_complete
    # Every fact not read in the primary source says why.
    assert not TreatyStatus.objects.filter(verified=False, note="").exists()
    usa = TreatyStatus.objects.get(country__code="US", instrument="hc1980")
    assert (usa.kind, usa.in_force_on, usa.verified) == ("ratification", date(1988, 7, 1), True)
    # Ages of majority only where a source gives them; none assumed.
    with_age = Country.objects.exclude(age_of_majority=None)
    assert with_age.count() == 24
    assert not with_age.filter(age_of_majority_source="").exists()
    assert Country.objects.get(code="DZ").age_of_majority == 19
    assert Country.objects.get(code="US").age_of_majority is None
    with_authority = Country.objects.exclude(central_authority_name="")
    assert with_authority.count() == 10
    assert not with_authority.filter(central_authority_source="").exists()
