"""`kinlink match`: CSV in, CSV out, and every input problem listed with its line."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kinlink.tracing.matching.files import COLUMNS


def write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(record_id: str, given: str, family: str, **fields: str) -> dict[str, str]:
    base = dict.fromkeys(COLUMNS, "")
    base.update(record_id=record_id, given_name=given, family_name=family, **fields)
    return base


def test_it_writes_ranked_candidates(tmp_path: Path) -> None:
    cases = write(
        tmp_path / "cases.csv",
        [
            row("C1", "Mamadu", "JALLOW", sex="M", age_estimate="17", record_date="2025-06-01"),
            row("C2", "Fatoumata", "Barry", sex="F", birth_year="2012"),
        ],
    )
    requests = write(
        tmp_path / "requests.csv",
        [row("R1", "Mamadou", "Diallo", sex="M", age_estimate="15", record_date="2025-03-01")],
    )
    out = tmp_path / "matches.csv"
    call_command("match", cases=str(cases), requests=str(requests), out=str(out), stdout=StringIO())
    lines = list(csv.DictReader(out.open(encoding="utf-8")))
    assert lines[0]["request_id"] == "R1"
    assert lines[0]["case_id"] == "C1"
    assert lines[0]["suggested"] in {"true", "false"}
    assert 0 <= float(lines[0]["score"]) <= 1


def test_it_lists_every_problem_with_its_line_and_writes_nothing(tmp_path: Path) -> None:
    cases = write(
        tmp_path / "cases.csv",
        [
            row("C1", "Ali", "Haddad", date_of_birth="2012-13-01"),
            row("C2", "Huda", "Haddad", nationality="ZZ"),
            row("C3", "Sami", "Haddad", birth_year="twenty"),
        ],
    )
    missing = tuple(c for c in COLUMNS if c != "mother_name")
    requests = write(tmp_path / "requests.csv", [row("R1", "Ali", "Haddad")], missing)
    out = tmp_path / "matches.csv"
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("match", cases=str(cases), requests=str(requests), out=str(out), stderr=err)
    messages = err.getvalue().splitlines()
    assert any("line 2" in m and "date_of_birth" in m for m in messages)
    assert any("line 3" in m and "nationality" in m for m in messages)
    assert any("line 4" in m and "birth_year" in m for m in messages)
    assert any("line 1" in m and "mother_name" in m for m in messages)
    assert not out.exists()
    assert not list(tmp_path.glob(".matches.csv.*"))


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"language": "fr"}, "ligne 2 : date_of_birth '2012-13-01' n’est pas une date"),
        ({"env": "es_ES.UTF-8"}, "línea 2: date_of_birth '2012-13-01' no es una fecha"),
        ({"env": "ar_MA.UTF-8"}, "السطر 2"),
    ],
)
def test_problems_are_told_in_the_language_asked_or_of_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: dict[str, str], expected: str
) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    if "env" in how:
        monkeypatch.setenv("LANG", how["env"])
    cases = write(tmp_path / "cases.csv", [row("C1", "Ali", "Haddad", date_of_birth="2012-13-01")])
    requests = write(tmp_path / "requests.csv", [row("R1", "Ali", "Haddad")])
    err = StringIO()
    options = {"language": how["language"]} if "language" in how else {}
    with pytest.raises(CommandError) as refused:
        call_command(
            "match",
            cases=str(cases),
            requests=str(requests),
            out=str(tmp_path / "m.csv"),
            stderr=err,
            **options,
        )
    assert expected in err.getvalue()
    assert "problem in the input" not in str(refused.value)


def test_it_handles_empty_and_unknown_script_names(tmp_path: Path) -> None:
    cases = write(
        tmp_path / "cases.csv", [row("C1", "", ""), row("C2", "x", ""), row("C3", "𓀀", "ꙮ")]
    )
    requests = write(tmp_path / "requests.csv", [row("R1", "", ""), row("R2", "𓀀", "")])
    out = tmp_path / "matches.csv"
    call_command("match", cases=str(cases), requests=str(requests), out=str(out), stdout=StringIO())
    assert out.read_text(encoding="utf-8").startswith("request_id,case_id,score,suggested")


def test_it_compares_further_columns_and_takes_a_profile(tmp_path: Path) -> None:
    columns = (*COLUMNS, "postcode")
    cases = write(
        tmp_path / "cases.csv",
        [
            row("C1", "Rachael", "Dent", date_of_birth="1928-07-22", postcode="4129"),
            row("C2", "Olivia", "Dent", date_of_birth="1957-11-26", postcode="3194"),
        ],
        columns,
    )
    requests = write(
        tmp_path / "requests.csv",
        [row("R1", "Rachel", "Dent", date_of_birth="1928-07-22", postcode="4129")],
        columns,
    )
    out = tmp_path / "matches.csv"
    call_command(
        "match",
        cases=str(cases),
        requests=str(requests),
        out=str(out),
        profile="people",
        stdout=StringIO(),
    )
    lines = list(csv.DictReader(out.open(encoding="utf-8")))
    assert lines[0]["case_id"] == "C1"
    assert lines[0]["suggested"] == "true"
