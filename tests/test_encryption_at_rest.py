"""Narrative and sensitive fields and stored documents are encrypted at rest: a sentinel planted
in every one of them never appears in the raw database file, a pg_dump, a backup file or the
backup's decrypted content; the audit trail keeps that a field changed, not its value."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, models
from django.utils import timezone

from kinlink.assessments import services as assessments
from kinlink.assessments.models import TraffickingConcern
from kinlink.audit.models import AuditEvent
from kinlink.audit.services import REDACTED
from kinlink.core import crypto
from kinlink.core.backups import backup, open_backup
from kinlink.core.fields import (
    EncryptedBinaryField,
    EncryptedJSONField,
    EncryptedTextField,
    encrypted_fields,
)
from kinlink.core.rotation import rotate_data_keys, values_not_on
from kinlink.plans import services as plans
from kinlink.plans.models import FollowUpVisit
from tests.test_permission_matrix import world  # noqa: F401  (a fixture)

SENTINEL = "SENTINEL-7f3a9c-Kinlink"


def _value_for(field: models.Field[Any, Any], model: type[models.Model]) -> Any:
    """Something valid for a required field of a row made only to carry the sentinel."""
    if isinstance(field, models.ForeignKey):
        _ensure_a_row(field.related_model)
        return field.related_model._default_manager.first()
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return date(2026, 11, 1)
    if isinstance(field, models.IntegerField | models.PositiveIntegerField):
        return 1
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField | EncryptedJSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b"x"
    return "x"


def _ensure_a_row(model: type[models.Model]) -> None:
    if model._default_manager.exists():
        return
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.has_default() or field.null:
            continue
        # A blank narrative is filled too: some rows need one (a separation of siblings has
        # its reasons), and every encrypted field gets the sentinel afterwards anyway.
        if field.blank and not isinstance(field, models.ForeignKey | EncryptedTextField):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        values[field.attname if not isinstance(field, models.ForeignKey) else field.name] = (
            _value_for(field, model)
        )
    model._default_manager.create(**values)


def _plant_everywhere() -> int:
    planted = 0
    for model, names in encrypted_fields():
        _ensure_a_row(model)
        for name in names:
            field = model._meta.get_field(name)
            if isinstance(field, EncryptedBinaryField):
                value: Any = f"%PDF-1.4 {SENTINEL}".encode()
            elif isinstance(field, EncryptedJSONField):
                value = {"note": SENTINEL, "list": [SENTINEL]}
            else:
                value = f"{SENTINEL} {name}"
            planted += model._default_manager.update(**{name: value})
    return planted


def _plant_through_services(people: dict[str, Any], case: Any) -> None:
    amina = people["caseworker_a"]
    assessments.child_views_record(
        actor=amina,
        case=case,
        heard_on=timezone.localdate(),
        method="interview",
        language="ara",
        maturity_note=f"{SENTINEL} maturity",
        wishes_return=f"{SENTINEL} does not want to go back to his uncle",
    )
    assessment = case.assessments.first()
    assessments.assessment_update(
        actor=amina,
        assessment=assessment,
        seen_version=assessment.version,
        kind=assessment.kind,
        completed_on=assessment.completed_on,
        recommendation=f"{SENTINEL} recommendation",
        domains={"journey": f"{SENTINEL} crossed with smugglers"},
    )
    assessments.trafficking_concern_record(
        actor=amina,
        case=case,
        indicators=f"{SENTINEL} debt bondage to a recruiter",
        referred_on=timezone.localdate(),
        referred_to="National referral mechanism",
    )
    visit = FollowUpVisit.objects.filter(plan__case=case).first()
    plans.visit_report_record(
        actor=amina,
        visit=visit,
        seen_version=visit.version,
        visited_on=timezone.localdate(),
        child_seen=True,
        well_being=f"{SENTINEL} well",
        concerns=f"{SENTINEL} the aunt's partner",
    )


def _database_bytes(tmp_path: Path) -> bytes:
    """The database as stored: the SQLite file's bytes (copied with the online backup API), or
    what pg_dump writes."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return copy.read_bytes()
    from kinlink.core.backups import _pg_env, _pg_tool

    return subprocess.run(
        [_pg_tool("pg_dump"), "--format=plain", str(connection.settings_dict["NAME"])],
        check=True,
        capture_output=True,
        env=_pg_env(),
    ).stdout


@pytest.mark.django_db(transaction=True)
def test_a_sentinel_in_every_encrypted_field_never_appears_in_the_database_or_a_backup(
    world: dict[str, Any],  # noqa: F811
    case_a: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.KINLINK_BACKUP_DIR = tmp_path / "backups"
    _plant_through_services(world, case_a)
    planted = _plant_everywhere()
    covered = encrypted_fields()
    named = {f"{m._meta.label_lower}.{n}" for m, names in covered for n in names}
    assert len(named) >= 60
    assert {
        "assessments.childviews.wishes_return",
        "assessments.assessment.journey",
        "plans.visitreport.well_being",
        "cases.caseperson.notes",
        "exchange.attachment.content",
        "exchange.crossborderrequest.payload",
    } <= named
    assert planted >= len(covered)
    # Read through the ORM, every value is there in clear.
    for model, names in covered:
        row = model._default_manager.first()
        for name in names:
            value = getattr(row, name)
            shown = bytes(value).decode() if isinstance(value, bytes | memoryview) else str(value)
            assert SENTINEL in shown, f"{model._meta.label}.{name}"
    raw = _database_bytes(tmp_path)
    assert raw.count(SENTINEL.encode()) == 0
    assert raw.count(SENTINEL.encode("utf-16-le")) == 0
    assert b"enc:v1:" in raw
    # Nor in a backup file, nor inside it once decrypted.
    report = backup()
    assert SENTINEL.encode() not in report.path.read_bytes()
    _, members = open_backup(report.path)
    for name, content in members.items():
        assert SENTINEL.encode() not in content, name
    # The audit trail says the narratives changed, never what they say.
    assert not any(SENTINEL in str(e.changes) + str(e.context) for e in AuditEvent.objects.all())
    assert any(REDACTED in str(e.changes) for e in AuditEvent.objects.all())


def test_a_stored_value_is_ciphertext_that_names_its_key_and_reads_back_in_clear(
    case_a: Any, caseworker_a: Any
) -> None:
    views = assessments.child_views_record(
        actor=caseworker_a,
        case=case_a,
        heard_on=timezone.localdate(),
        method="interview",
        language="ara",
        maturity_note="Mature for his age, thoughtful",
        wishes_school="To learn Spanish",
    )
    with connection.cursor() as cursor:
        key = views.pk.hex if connection.vendor == "sqlite" else views.pk
        cursor.execute("SELECT maturity_note FROM assessments_childviews WHERE id = %s", [key])
        stored = cursor.fetchone()[0]
    assert stored.startswith(f"enc:v1:{crypto.load().active().kid}:")
    views.refresh_from_db()
    assert views.maturity_note == "Mature for his age, thoughtful"


def test_a_ciphertext_copied_into_another_field_does_not_decrypt() -> None:
    sealed = crypto.encrypt_text("the child's location", "assessments.assessment.safety")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(sealed, "assessments.assessment.health")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(tampered, "assessments.assessment.safety")


def test_rotating_the_data_key_re_encrypts_every_value_and_drops_the_old_key(
    case_a: Any, caseworker_a: Any
) -> None:
    assessments.trafficking_concern_record(
        actor=caseworker_a,
        case=case_a,
        indicators="Debt bondage to a recruiter in Agadez",
        referred_on=timezone.localdate(),
        referred_to="National referral mechanism",
    )
    old = crypto.load().active().kid
    report = rotate_data_keys()
    assert report.new_kid != old
    assert report.left_on_old_keys == 0
    assert values_not_on(report.new_kid) == 0
    assert old not in {k.kid for k in crypto.load().keys}
    concern = TraffickingConcern.objects.get(case=case_a)
    assert concern.indicators == "Debt bondage to a recruiter in Agadez"


def test_without_the_key_encryption_key_a_node_refuses_to_make_keys(
    tmp_path: Path, settings: Any
) -> None:
    settings.KINLINK_DATA_KEYS_DIR = tmp_path / "data"
    settings.KINLINK_DATA_KEK_FILE = tmp_path / "data" / "kek.key"
    settings.KINLINK_DATA_KEYS_AUTOCREATE = False
    crypto._cache.clear()
    with pytest.raises(crypto.DataKeysMissing):
        crypto.encrypt_text("x", "a.b.c")
    shutil.rmtree(tmp_path / "data", ignore_errors=True)
    crypto._cache.clear()


def test_the_backup_key_is_not_the_secret_key(settings: Any) -> None:
    from kinlink.core.backups import _backup_key

    assert settings.SECRET_KEY.encode()[:32] != _backup_key()
