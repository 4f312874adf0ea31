"""`kinlink backup`: an encrypted, verifiable backup of the node's database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kinlink.core.backups import backup


class Command(BaseCommand):
    help = "Write an encrypted backup (database, manifest, wrapped data keys)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, help="folder (default KINLINK_BACKUP_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = backup(destination=options["to"])
        self.stdout.write(
            f"Backup written: {report.path} ({report.size} bytes, {report.tables} tables, "
            f"{report.rows} rows, audit chain at #{report.audit_events}, {report.seconds:.1f} s)."
        )
