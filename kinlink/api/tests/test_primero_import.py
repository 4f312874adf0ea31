"""Import of a Primero v2 export: a dry run reports what maps and every bad row; nothing is
imported until the file is clean, unless the user chooses to import the good rows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kinlink.api import primero
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases.models import Case

pytestmark = pytest.mark.django_db

GOOD = {
    "case_id_display": "a1b2c3d",
    "name_first": "Awet",
    "name_last": "Tesfay",
    "sex": "male",
    "age": "15",
    "nationality": ["ER"],
    "language": ["tir"],
    "registration_date": "2026-10-02",
    "risk_level": "high",
    "unaccompanied_separated_status": "unaccompanied_minor",
    "consent_for_services": True,
    "disclosure_other_orgs": True,
    "protection_concerns": ["unaccompanied"],
}
BAD = {**GOOD, "case_id_display": "zz99", "name_first": "", "sex": "dragon", "risk_level": ""}
DEFAULTS = {"case_type": "uasc_host", "referral_source": "other"}


def test_the_dry_run_names_what_maps_what_does_not_and_every_bad_row() -> None:
    report = primero.check(primero.read(json.dumps([GOOD, BAD]).encode(), "cases.json"), DEFAULTS)
    assert [r.number for r in report.good] == [1]
    bad = report.bad[0]
    assert (bad.number, bad.primero_id) == (2, "zz99")
    assert {field for field, _m in bad.errors} >= {"name_first", "sex", "risk_level"}
    assert report.unmapped == {"protection_concerns": 2}
    assert report.mapped["name_first"] == 1
    good = report.good[0].identity
    assert (good["nationalities"], good["languages"], good["separation_status"]) == (
        ["ER"],
        ["tir"],
        "unaccompanied",
    )


def test_a_csv_export_reads_like_the_json_one() -> None:
    csv_text = (
        "case_id_display,name_first,name_last,sex,age,nationality,registration_date,"
        "risk_level,unaccompanied_separated_status,consent_for_services\n"
        "x1,Awet,Tesfay,male,15,Eritrea,02-Oct-2026,low,separated_child,true\n"
    )
    report = primero.check(primero.read(csv_text.encode(), "cases.csv"), DEFAULTS)
    assert not report.bad
    assert report.good[0].identity["nationalities"] == ["ER"]


def test_nothing_is_imported_from_a_file_with_a_bad_row(
    supervisor_a: Any, team_a: Any, caseworker_a: Any
) -> None:
    report = primero.check([GOOD, BAD], DEFAULTS)
    with pytest.raises(Exception, match="nothing was imported"):
        primero.import_rows(
            actor=supervisor_a,
            team=team_a,
            lead_caseworker=caseworker_a,
            report=report,
            good_rows_only=False,
        )
    assert Case.objects.count() == 0


def test_the_good_rows_are_imported_when_the_user_chooses_so_and_it_is_audited(
    supervisor_a: Any, team_a: Any, caseworker_a: Any
) -> None:
    report = primero.check([GOOD, BAD], DEFAULTS)
    created = primero.import_rows(
        actor=supervisor_a,
        team=team_a,
        lead_caseworker=caseworker_a,
        report=report,
        good_rows_only=True,
    )
    assert created == 1
    case = Case.objects.get()
    assert (case.given_name, case.lead_caseworker, case.consents.get().scopes) == (
        "Awet",
        caseworker_a,
        ["services", "sharing"],
    )
    summary = AuditEvent.objects.filter(action=AuditAction.IMPORT, case_id=None).get()
    assert summary.context["left_out"] == [2] and summary.context["imported"] == 1


def test_the_import_page_reports_a_dry_run_and_imports_nothing(
    client: Any, supervisor_a: Any, team_a: Any, caseworker_a: Any
) -> None:
    client.force_login(supervisor_a)
    upload = SimpleUploadedFile("cases.json", json.dumps([GOOD, BAD]).encode())
    response = client.post(
        "/integration/primero-import/",
        {
            "file": upload,
            "team": team_a.pk,
            "lead_caseworker": caseworker_a.pk,
            "case_type": "uasc_host",
            "referral_source": "other",
            "mode": "check",
        },
    )
    assert response.status_code == 200
    assert b"zz99" in response.content and b"protection_concerns" in response.content
    assert Case.objects.count() == 0


def test_an_unreadable_file_is_explained(client: Any, supervisor_a: Any, team_a: Any) -> None:
    with pytest.raises(primero.UnreadableFile):
        primero.read(b'{"data": 3}', "cases.json")
    with pytest.raises(primero.UnreadableFile):
        primero.read(b"\xff\xfe", "cases.csv")


def test_the_command_checks_by_default_and_imports_when_asked(
    tmp_path: Any, supervisor_a: Any, team_a: Any, caseworker_a: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "cases.json"
    path.write_text(json.dumps([GOOD, BAD]))
    args = [str(path), "--as", "supervisor_a", "--team", "Team A", "--lead", "caseworker_a"]
    out = StringIO()
    call_command("primero_import", *args, stdout=out)
    assert "row 2 [zz99]" in out.getvalue() and "dry run" in out.getvalue()
    assert Case.objects.count() == 0
    call_command("primero_import", *args, "--good-rows", stdout=out)
    assert Case.objects.count() == 1
