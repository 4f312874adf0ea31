"""`kinlink audit verify`: exit 0 on an intact chain, 1 naming the first bad event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kinlink.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event #{report.first_bad_sequence}: {report.problem} "
                f"({report.checked} events verified before it)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events verified.")
