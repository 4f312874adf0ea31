"""`kinlink directory load [FILE]`: load the directory Kinlink ships (or FILE).

Run by `kinlink node setup` and by `make run` on a new node; `--if-empty` skips a node whose
directory already has countries, so that a restart never overwrites an administrator's edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kinlink.directory.interchange import latest_shipped_file
from kinlink.directory.management.commands.directory_import import import_file
from kinlink.directory.models import Country


class Command(BaseCommand):
    help = "Load the shipped directory file (the latest in kinlink/directory/data/) or FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument(
            "--if-empty", action="store_true", help="only if the directory has no country yet"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Country.objects.exists():
            self.stdout.write("The directory already has data; not loaded.")
            return
        import_file(self, options["file"] or latest_shipped_file())
