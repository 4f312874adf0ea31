"""Encrypted backups and verified restores (`kinlink backup`, `kinlink restore`).

A backup file is `KLBK1` + a JSON header line + AES-256-GCM ciphertext (the header is the
additional data, so it cannot be altered either). The key is derived (HKDF-SHA256) from the
node's key-encryption key, which is never inside a backup. Inside, a tar archive holds:

- `database`: a consistent snapshot — SQLite's online backup API, or `pg_dump --format=custom`
  taken on an exported snapshot;
- `data-keys.json`: the data keys, still wrapped by the KEK, so that an old backup decrypts even
  after the keys were rotated;
- `manifest.json`: the schema (last migration of each app), the row count and a SHA-256 of the
  stored rows of every table, and the audit chain's head — all computed on the snapshot itself.

A restore decrypts (a tampered file does not authenticate), refuses a backup whose schema is
newer than this code, loads the database into a staging copy, checks the counts, the record
hashes and the audit chain there, and only then replaces the node's database. A refused restore
changes nothing and is audited on the node; a completed one is audited on the restored database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend

from kinlink.core import crypto

MAGIC = b"KLBK1\n"
FORMAT = 1


class RestoreRefused(Exception):
    """The backup is not restored; `str()` says why, in words for the operator."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    seconds: float
    tables: int
    rows: int
    audit_events: int


@dataclass(frozen=True)
class RestoreReport:
    seconds: float
    tables: int
    rows: int
    audit_events: int
    migrated: list[str]


def _backup_key() -> bytes:
    if value := os.environ.get("KINLINK_BACKUP_KEY"):
        return base64.b64decode(value)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kinlink-backup-v1").derive(
        crypto._kek()
    )


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


# What the manifest says about a database


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return "b:" + bytes(value).hex()
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)


def _table_digest(rows: Iterator[tuple[Any, ...]]) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        digest.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _tables() -> list[tuple[str, str]]:
    """(table, primary-key column) of every model, ordered; the order of rows is the key's."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy:
            found[meta.db_table] = meta.pk.column
    return sorted(found.items())


def manifest_of(cursor: Any, quote: Any) -> dict[str, Any]:
    """Counts and record hashes of every table, the schema and the audit head, read through
    `cursor` (a DB-API cursor on the database to describe)."""
    tables: dict[str, dict[str, Any]] = {}
    for table, pk in _tables():
        cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608  # nosec B608
        count, digest = _table_digest(iter(cursor.fetchall()))
        tables[table] = {"rows": count, "sha256": digest}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    schema: dict[str, list[str]] = {}
    for app_label, name in cursor.fetchall():
        schema.setdefault(app_label, []).append(name)
    cursor.execute("SELECT sequence, hash FROM audit_auditchainhead WHERE id = 1")
    head = cursor.fetchone()
    return {
        "format": FORMAT,
        "node_id": settings.KINLINK_NODE_ID,
        "engine": connection.vendor,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema": schema,
        "tables": tables,
        "audit_head": {"sequence": head[0], "hash": head[1]} if head else None,
    }


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Making a backup


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not versions:
        raise RuntimeError(f"{name} is not installed")
    return str(versions[-1])


def _snapshot_sqlite(folder: Path) -> dict[str, Any]:
    target = folder / "database"
    connection.ensure_connection()
    raw = connection.connection
    copy = sqlite3.connect(target)
    try:
        raw.backup(copy)  # SQLite's online backup API: a consistent copy while others write
        manifest = manifest_of(copy.cursor(), _sqlite_quote)
    finally:
        copy.close()
    return manifest


def _snapshot_postgresql(folder: Path) -> dict[str, Any]:
    target = folder / "database"
    name = str(connection.settings_dict["NAME"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        subprocess.run(  # noqa: S603  # nosec B603
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
                name,
            ],
            check=True,
            env=_pg_env(),
            capture_output=True,
        )
        manifest = manifest_of(cursor, connection.ops.quote_name)
    return manifest


def _pack(folder: Path, manifest: dict[str, Any]) -> bytes:
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    keys_file = crypto.keys_dir() / crypto.KEYS_FILE
    crypto.load()  # makes the keys on a development node
    shutil.copy(keys_file, folder / "data-keys.json")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name in ("manifest.json", "data-keys.json", "database"):
            archive.add(folder / name, arcname=name)
    return buffer.getvalue()


def _seal(plain: bytes, header: dict[str, Any]) -> bytes:
    head = json.dumps(header, sort_keys=True).encode() + b"\n"
    nonce = secrets.token_bytes(12)
    return MAGIC + head + nonce + AESGCM(_backup_key()).encrypt(nonce, plain, MAGIC + head)


def backup(*, destination: Path | None = None) -> BackupReport:
    """Write an encrypted backup of the node; returns where and what it holds."""
    from kinlink.audit.models import AuditAction
    from kinlink.audit.services import record

    started = time.monotonic()
    folder_out = destination or Path(settings.KINLINK_BACKUP_DIR)
    folder_out.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder_out / f"kinlink-{settings.KINLINK_NODE_ID}-{stamp}.klbk"
    with tempfile.TemporaryDirectory(prefix="kinlink-backup-") as temporary:
        folder = Path(temporary)
        manifest = _snapshot_sqlite(folder) if _is_sqlite() else _snapshot_postgresql(folder)
        plain = _pack(folder, manifest)
    header = {
        "format": FORMAT,
        "node_id": settings.KINLINK_NODE_ID,
        "engine": manifest["engine"],
        "made_at": manifest["made_at"],
    }
    sealed = _seal(plain, header)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as file:
        file.write(sealed)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    events = manifest["audit_head"]["sequence"] if manifest["audit_head"] else 0
    with transaction.atomic():
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.BACKUP,
            file=path.name,
            size=len(sealed),
            rows=rows,
            audit_head=events,
        )
    return BackupReport(
        path, len(sealed), time.monotonic() - started, len(manifest["tables"]), rows, events
    )


# Restoring


def open_backup(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Decrypt and unpack a backup file: (header, {member: bytes}). Raises RestoreRefused."""
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise RestoreRefused("This is not a Kinlink backup file.")
    rest = data[len(MAGIC) :]
    head, _, body = rest.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError as exc:
        raise RestoreRefused("The backup file is damaged (its header cannot be read).") from exc
    try:
        plain = AESGCM(_backup_key()).decrypt(body[:12], body[12:], MAGIC + head + b"\n")
    except Exception as exc:
        raise RestoreRefused(
            "The backup file was altered or damaged, or it was made with another "
            "key-encryption key: it does not authenticate. Nothing was restored."
        ) from exc
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name in {"manifest.json", "data-keys.json", "database"}:
                extracted = archive.extractfile(member)
                if extracted is not None:
                    members[member.name] = extracted.read()
    if set(members) != {"manifest.json", "data-keys.json", "database"}:
        raise RestoreRefused("The backup file is incomplete. Nothing was restored.")
    return header, members


def _check_schema(schema: dict[str, list[str]]) -> None:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(
        f"{app_label}.{name}"
        for app_label, names in schema.items()
        for name in names
        if (app_label, name) not in known
    )
    if unknown:
        raise RestoreRefused(
            "The backup comes from a newer version of Kinlink: its database has changes this "
            f"version does not know ({', '.join(unknown[:3])}{'…' if len(unknown) > 3 else ''}). "
            "Restore it with that version or a later one. Nothing was restored."
        )


def _compare(expected: dict[str, Any], found: dict[str, Any]) -> None:
    for table, info in expected["tables"].items():
        got = found["tables"].get(table)
        if got is None:
            continue  # a table the restored schema no longer has (renamed by a migration)
        if got["rows"] != info["rows"]:
            raise RestoreRefused(
                f"The restored table {table} has {got['rows']} rows, the backup said "
                f"{info['rows']}. Nothing was restored."
            )
        if got["sha256"] != info["sha256"]:
            raise RestoreRefused(
                f"The restored rows of {table} differ from the backup's record hashes. "
                "Nothing was restored."
            )
    if found["audit_head"] != expected["audit_head"]:
        raise RestoreRefused("The restored audit head differs from the backup's. Nothing restored.")


@contextmanager
def _alias(settings_dict: dict[str, Any]) -> Iterator[str]:
    """A temporary connection alias for the staging database."""
    # The connection is made here and not added to settings.DATABASES: it exists only for the
    # verification (and Django's test guard treats such a connection as the test's own).
    alias = "kinlink_restore_staging"
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def _verify_chain_on(alias: str) -> None:
    from kinlink.audit.services import verify_chain

    report = verify_chain(using=alias)
    if not report.intact:
        raise RestoreRefused(
            f"The backup's audit chain is broken at event #{report.first_bad_sequence} "
            f"({report.problem}). Nothing was restored."
        )


def _restore_keys(keys_blob: bytes) -> None:
    """Add the backup's data keys (wrapped by the same KEK) that the node no longer has."""
    current = crypto.load()
    kek = crypto._kek()
    known = {k.kid for k in current.keys}
    added = False
    for item in json.loads(keys_blob)["keys"]:
        if item["kid"] not in known:
            key = crypto._unwrap(kek, item)
            key.retired_at = key.retired_at or datetime.now(UTC).isoformat(timespec="seconds")
            current.keys.insert(0, key)
            added = True
    if added:
        crypto.save(current)


def _audit_refusal(path: Path, reason: str) -> None:
    from kinlink.audit.models import AuditAction
    from kinlink.audit.services import record

    with transaction.atomic():
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.RESTORE_REFUSED,
            file=path.name[:120],
            reason=reason[:300],
        )


def restore(path: Path) -> RestoreReport:
    """Restore the node's database from `path`, verified before anything is replaced."""
    started = time.monotonic()
    try:
        header, members = open_backup(path)
        manifest = json.loads(members["manifest.json"])
        if manifest.get("engine") != connection.vendor:
            raise RestoreRefused(
                f"The backup is of a {manifest.get('engine')} node; this node runs "
                f"{connection.vendor}. Nothing was restored."
            )
        _check_schema(manifest["schema"])
        crypto._unwrap(crypto._kek(), json.loads(members["data-keys.json"])["keys"][0])
        if _is_sqlite():
            migrated = _restore_sqlite(members["database"], manifest)
        else:
            migrated = _restore_postgresql(members["database"], manifest)
    except RestoreRefused as refused:
        _audit_refusal(path, str(refused))
        raise
    except crypto.DataKeysMissing as missing:
        reason = (
            "The backup's data keys are wrapped by another key-encryption key; set the KEK "
            "the backup was made with. Nothing was restored."
        )
        _audit_refusal(path, reason)
        raise RestoreRefused(reason) from missing
    _restore_keys(members["data-keys.json"])
    from kinlink.audit.models import AuditAction
    from kinlink.audit.services import record

    with transaction.atomic():
        record(
            actor=None,
            actor_label="system",
            action=AuditAction.RESTORE,
            file=path.name[:120],
            made_at=header.get("made_at"),
            audit_head=manifest["audit_head"],
            migrated=migrated,
        )
    rows = sum(t["rows"] for t in manifest["tables"].values())
    head = manifest["audit_head"]["sequence"] if manifest["audit_head"] else 0
    return RestoreReport(time.monotonic() - started, len(manifest["tables"]), rows, head, migrated)


def _pending_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def _migrate() -> list[str]:
    from django.core.management import call_command

    pending = _pending_migrations()
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    return pending


def _restore_sqlite(database: bytes, manifest: dict[str, Any]) -> list[str]:
    target = Path(str(connection.settings_dict["NAME"]))
    in_memory = str(target) in {":memory:", ""} or "mode=memory" in str(target)
    with tempfile.TemporaryDirectory(prefix="kinlink-restore-") as temporary:
        staging = Path(temporary) / "staging.sqlite3"
        staging.write_bytes(database)
        check = sqlite3.connect(staging)
        try:
            _compare(manifest, manifest_of(check.cursor(), _sqlite_quote))
        finally:
            check.close()
        with _alias({**connection.settings_dict, "NAME": str(staging)}) as alias:
            _verify_chain_on(alias)
        # Verified: replace the node's database page by page (the online backup API again),
        # so that open connections see the restored content.
        connection.ensure_connection()
        source = sqlite3.connect(staging)
        try:
            if not in_memory and target.exists():
                shutil.copy(target, target.with_suffix(target.suffix + ".before-restore"))
            source.backup(connection.connection)
        finally:
            source.close()
    return _migrate()


def _restore_postgresql(database: bytes, manifest: dict[str, Any]) -> list[str]:
    name = str(connection.settings_dict["NAME"])
    staging = f"{name}_restore_{secrets.token_hex(4)}"
    env = _pg_env()
    with tempfile.TemporaryDirectory(prefix="kinlink-restore-") as temporary:
        dump = Path(temporary) / "database.dump"
        dump.write_bytes(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{staging}"')  # nosec B608
        except DatabaseError as refused:
            if getattr(refused.__cause__, "sqlstate", None) != "42501":  # insufficient privilege
                raise
            raise RestoreRefused(
                "The backup is checked in a staging database first, and this node's database "
                "role may not create one: grant it CREATEDB for the restore "
                "(docs/deployment.md, Backups). Nothing was restored."
            ) from refused
        try:
            subprocess.run(  # noqa: S603  # nosec B603
                [
                    _pg_tool("pg_restore"),
                    "--no-owner",
                    "--exit-on-error",
                    f"--dbname={staging}",
                    str(dump),
                ],
                check=True,
                env=env,
                capture_output=True,
            )
            with _alias({**connection.settings_dict, "NAME": staging}) as alias:
                with connections[alias].cursor() as cursor:
                    _compare(manifest, manifest_of(cursor, connection.ops.quote_name))
                _verify_chain_on(alias)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{staging}" WITH (FORCE)')  # nosec B608
        # Verified: load it into the node's database in one transaction.
        connection.close()
        subprocess.run(  # noqa: S603  # nosec B603
            [
                _pg_tool("pg_restore"),
                "--no-owner",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={name}",
                str(dump),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
    return _migrate()
