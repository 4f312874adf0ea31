"""`kinlink keys rotate-data`: a new data key, every encrypted value re-encrypted with it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.core.rotation import rotate_data_keys


class Command(BaseCommand):
    help = "Make a new data key and re-encrypt every field and document stored encrypted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep-old", action="store_true", help="keep the retired data keys (do not prune)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_data_keys(prune=not options["keep_old"])
        self.stdout.write(
            f"New data key {report.new_kid}: {report.values} rows re-encrypted, "
            f"{report.pruned} old keys removed."
        )
        if report.left_on_old_keys:
            raise CommandError(
                f"{report.left_on_old_keys} values are still on an old key (written meanwhile?); "
                "the old keys were kept. Run the command again."
            )
