"""`kinlink retention [--dry-run]`: apply the node's retention rule to closed cases now.

The worker runs it once a day; an operator runs it by hand to see what is due (`--dry-run`
counts and changes nothing). It prints counts only, never a reference or a name.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kinlink.cases.retention import holds, retention_run

PAST = {"anonymise": "anonymised", "delete": "deleted"}


class Command(BaseCommand):
    help = "Anonymise or delete the closed cases kept longer than the node's retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what is due and change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = retention_run(dry_run=options["dry_run"])
        labels = {hold.code: str(hold.label) for hold in holds()}
        done = PAST.get(report.action, report.action)
        self.stdout.write(
            f"Retention: cases closed before {report.cutoff:%Y-%m-%d} are to be {done}."
        )
        self.stdout.write(f"  due: {report.due}")
        for code, count in report.held.items():
            self.stdout.write(f"  held by {labels.get(code, code)}: {count}")
        if report.dry_run:
            self.stdout.write(f"  would be {done}: {report.to_do} (dry run: nothing changed)")
            return
        self.stdout.write(f"  {done}: {report.done} ({report.rows} rows)")
        if report.failed:
            self.stderr.write(f"  failed (left as they were, see the log): {report.failed}")
