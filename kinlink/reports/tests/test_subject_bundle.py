"""The data-subject bundle: everything held about one child in one ZIP, for a supervisor of the
case's team only, after a fresh sign-in, audited as one export."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kinlink.accounts.mfa import REAUTH_AT
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases.holdings import holdings
from kinlink.cases.models import Case
from kinlink.cases.tests.test_retention import SENTINEL, plant


@pytest.fixture
def planted(case_a: Case, caseworker_a: Any) -> dict[Any, Any]:
    return plant(case_a, caseworker_a)


def url(case: Case) -> str:
    return reverse("reports:subject_bundle", args=[case.pk])


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_bundle_holds_a_planted_value_of_every_table_of_the_case(
    client: Client, supervisor_a: Any, case_a: Case, planted: dict[Any, Any]
) -> None:
    response = signed_in(client, supervisor_a).post(url(case_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = unzip(response.content)
    records = json.loads(files["records.json"])
    assert records["case"]["reference"] == case_a.reference
    assert records["people"][0]["full_name"] == f"{SENTINEL} Aunt"
    for holding in holdings():
        row = planted[holding.model]
        texts = [
            getattr(row, f.attname)
            for f in holding.model._meta.concrete_fields
            if isinstance(getattr(row, f.attname), str) and SENTINEL in getattr(row, f.attname)
        ]
        stored = {r["id"]: r for r in records["tables"][holding.label]}
        assert str(row.pk) in stored, holding.label
        for text in texts:
            assert text in json.dumps(stored[str(row.pk)], ensure_ascii=False), holding.label
    # The file of the planted attachment, and the case's history.
    [attachment] = [name for name in files if name.startswith("files/")]
    assert files[attachment] == SENTINEL.encode()
    assert any(e["action"] == "create" for e in records["audit_events"])


def test_the_readme_lists_every_file_with_its_sha256(
    client: Client, supervisor_a: Any, case_a: Case, planted: dict[Any, Any]
) -> None:
    files = unzip(signed_in(client, supervisor_a).post(url(case_a)).content)
    readme = files.pop("README.txt").decode()
    for name, content in files.items():
        assert f"{hashlib.sha256(content).hexdigest()}  {len(content)}  {name}" in readme


def test_producing_it_is_one_export_event_naming_no_one(
    client: Client, supervisor_a: Any, case_a: Case, planted: dict[Any, Any]
) -> None:
    content = signed_in(client, supervisor_a).post(url(case_a)).content
    [event] = AuditEvent.objects.filter(case_id=case_a.pk, action=AuditAction.EXPORT)
    assert event.actor == supervisor_a
    assert event.context["export"] == "subject_bundle"
    assert event.context["sha256"] == hashlib.sha256(content).hexdigest()
    assert SENTINEL not in json.dumps(event.context) + json.dumps(event.changes)
    assert case_a.given_name not in json.dumps(event.context)


def test_the_case_page_offers_it_to_the_teams_supervisor_behind_a_confirmation(
    client: Client, supervisor_a: Any, case_a: Case
) -> None:
    page = signed_in(client, supervisor_a).get(reverse("cases:detail", args=[case_a.pk]))
    assert url(case_a) in page.content.decode()
    confirm = client.get(url(case_a))
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.content.decode()
    assert not AuditEvent.objects.filter(case_id=case_a.pk, action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("persona", ["caseworker_a", "caseworker_b", "outsider", "node_admin"])
def test_it_is_404_to_anyone_else_and_changes_nothing(
    request: Any, client: Client, case_a: Case, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    signed_in(client, user)
    assert client.get(url(case_a)).status_code == 404
    assert client.post(url(case_a)).status_code == 404
    assert not AuditEvent.objects.filter(case_id=case_a.pk, action=AuditAction.EXPORT).exists()
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert url(case_a) not in page


def test_it_asks_for_the_password_and_second_factor_again(
    client: Client, supervisor_a: Any, case_a: Case
) -> None:
    signed_in(client, supervisor_a)
    session = client.session
    session[REAUTH_AT] = (timezone.now() - timedelta(hours=2)).isoformat()
    session.save()
    response = client.post(url(case_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauthenticate"))
    assert not AuditEvent.objects.filter(case_id=case_a.pk, action=AuditAction.EXPORT).exists()


def test_the_command_writes_the_same_bundle_for_an_allowed_account(
    tmp_path: Path, supervisor_a: Any, caseworker_a: Any, case_a: Case, planted: dict[Any, Any]
) -> None:
    target = tmp_path / "bundle.zip"
    call_command("subject_bundle", case_a.reference, "--as", "supervisor_a", "--to", str(target))
    assert "records.json" in unzip(target.read_bytes())
    assert target.stat().st_mode & 0o077 == 0
    with pytest.raises(CommandError, match="No such case"):
        call_command(
            "subject_bundle", case_a.reference, "--as", "caseworker_a", "--to", str(tmp_path / "x")
        )
    assert not (tmp_path / "x").exists()
    assert AuditEvent.objects.filter(case_id=case_a.pk, action=AuditAction.EXPORT).count() == 1
