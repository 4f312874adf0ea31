"""`kinlink backup` and `kinlink restore`: a restore brings back exactly what was backed up,
verified (counts, record hashes, audit chain) before anything is replaced; a tampered file, a
file made with another key and a backup of a newer schema are refused, change nothing, and the
refusal is audited."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.audit.services import verify_chain
from kinlink.cases.models import Case
from kinlink.core import backups
from kinlink.core.backups import RestoreRefused, backup, open_backup, restore


def _reseal(path: Path, change: Any) -> Path:
    """The same backup with its manifest changed by `change`, sealed again with the right key
    (what someone holding the key could make: the restore must still catch it)."""
    data = path.read_bytes()
    head = json.loads(data[len(backups.MAGIC) :].partition(b"\n")[0])
    _, members = open_backup(path)
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    out = path.with_name("resealed.klbk")
    out.write_bytes(backups._seal(buffer.getvalue(), head))
    return out


@pytest.fixture
def backup_dir(tmp_path: Path, settings: Any) -> Path:
    settings.KINLINK_BACKUP_DIR = tmp_path / "backups"
    return tmp_path / "backups"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the PostgreSQL restore replaces the test database"
)
def test_a_restore_brings_back_what_was_backed_up_and_verifies_it(
    case_a: Any, backup_dir: Path
) -> None:
    cases_before = Case.objects.count()
    report = backup()
    assert report.path.stat().st_mode & 0o777 == 0o600
    events_in_backup = report.audit_events
    # Later changes, lost with the restore.
    Case.objects.filter(pk=case_a.pk).delete()
    assert Case.objects.count() == cases_before - 1
    restored = restore(report.path)
    assert restored.audit_events == events_in_backup
    assert Case.objects.count() == cases_before
    assert verify_chain().intact
    last = AuditEvent.objects.order_by("-sequence").first()
    assert last is not None and last.action == AuditAction.RESTORE


@pytest.mark.django_db(transaction=True)
def test_a_tampered_backup_is_refused_and_changes_nothing(case_a: Any, backup_dir: Path) -> None:
    report = backup()
    data = bytearray(report.path.read_bytes())
    data[-40] ^= 0x01
    tampered = report.path.with_name("tampered.klbk")
    tampered.write_bytes(bytes(data))
    cases = Case.objects.count()
    with pytest.raises(RestoreRefused, match="altered or damaged"):
        restore(tampered)
    assert Case.objects.count() == cases
    refusal = AuditEvent.objects.order_by("-sequence").first()
    assert refusal is not None and refusal.action == AuditAction.RESTORE_REFUSED
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_a_newer_schema_is_refused(case_a: Any, backup_dir: Path) -> None:
    report = backup()
    newer = _reseal(
        report.path, lambda m: m["schema"].setdefault("cases", []).append("9999_from_the_future")
    )
    with pytest.raises(RestoreRefused, match="newer version"):
        restore(newer)
    refusal = AuditEvent.objects.order_by("-sequence").first()
    assert refusal is not None and refusal.action == AuditAction.RESTORE_REFUSED


@pytest.mark.django_db(transaction=True)
def test_a_backup_whose_record_hashes_do_not_match_is_refused(
    case_a: Any, backup_dir: Path
) -> None:
    report = backup()

    def forge(manifest: dict[str, Any]) -> None:
        manifest["tables"]["cases_case"]["sha256"] = "0" * 64

    cases = Case.objects.count()
    with pytest.raises(RestoreRefused, match="record hashes"):
        restore(_reseal(report.path, forge))
    assert Case.objects.count() == cases


@pytest.mark.django_db(transaction=True)
def test_a_backup_made_with_another_key_is_refused(
    case_a: Any, backup_dir: Path, monkeypatch: Any
) -> None:
    report = backup()
    monkeypatch.setenv("KINLINK_BACKUP_KEY", "A" * 43 + "=")
    with pytest.raises(CommandError, match="does not authenticate"):
        call_command("restore", str(report.path), "--yes")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles")
def test_a_role_that_may_not_create_the_staging_database_is_told_so(
    case_a: Any, backup_dir: Path
) -> None:
    """docs/deployment.md's role has no CREATEDB: the restore says what to grant, changes
    nothing and is audited, instead of ending in a traceback."""
    report = backup()
    cases = Case.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS kinlink_restore_test")
        cursor.execute("CREATE ROLE kinlink_restore_test NOCREATEDB")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO kinlink_restore_test")
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO kinlink_restore_test")
        cursor.execute("SET ROLE kinlink_restore_test")
    try:
        with pytest.raises(RestoreRefused, match="CREATEDB"):
            restore(report.path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute("DROP OWNED BY kinlink_restore_test")
            cursor.execute("DROP ROLE kinlink_restore_test")
    assert Case.objects.count() == cases
    refusal = AuditEvent.objects.order_by("-sequence").first()
    assert refusal is not None and refusal.action == AuditAction.RESTORE_REFUSED
    assert verify_chain().intact


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    stray = tmp_path / "notes.txt"
    stray.write_text("hello")
    with pytest.raises(RestoreRefused, match="not a Kinlink backup"):
        open_backup(stray)
