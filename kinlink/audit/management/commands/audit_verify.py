"""`kinlink audit verify`: exit 0 on an intact chain, 1 naming the first bad event.

With `--checkpoints FILE` (the file a witness node exports of what it holds for this node),
also check that every witnessed sequence still carries its witnessed hash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.audit.checkpoints import verify_against
from kinlink.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain, and against a witness's checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="the checkpoints a witness node holds for this node (JSON file it exported)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event #{report.first_bad_sequence}: {report.problem} "
                f"({report.checked} events verified before it)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events verified.")
        path = options["checkpoints"]
        if path is None:
            return
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path.name}: {error}") from None
        witnessed = verify_against(document)
        if not witnessed.intact:
            raise CommandError(
                "The audit trail does not match what the witness holds:\n- "
                + "\n- ".join(witnessed.problems)
            )
        note = (
            f" ({witnessed.unverified} signed by keys no longer kept)"
            if witnessed.unverified
            else ""
        )
        self.stdout.write(f"Witnessed checkpoints match: {witnessed.checked} checked{note}.")
