"""`kinlink restore FILE`: restore the node's database from a backup, verified first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.core.backups import RestoreRefused, restore


class Command(BaseCommand):
    help = "Restore a backup: decrypt, check schema, counts, record hashes and audit chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before replacing the database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if (
            not options["yes"]
            and input(
                "This replaces the node's database with the backup's. Type yes to go on: "
            ).strip()
            != "yes"
        ):
            raise CommandError("Nothing was restored.")
        try:
            report = restore(path)
        except RestoreRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(
            f"Restored and verified: {report.tables} tables, {report.rows} rows, audit chain "
            f"intact up to #{report.audit_events}"
            + (f"; {len(report.migrated)} migrations applied" if report.migrated else "")
            + f" ({report.seconds:.1f} s)."
        )
