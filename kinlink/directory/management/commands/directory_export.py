"""`kinlink directory export [FILE]`: write this node's directory as a directory file that
another node imports (standard output without FILE)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kinlink.directory.export import export_text


class Command(BaseCommand):
    help = "Export the directory as a directory file (JSON, one row per line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        text = export_text(version=timezone.localdate().isoformat())
        if options["file"] is None:
            self.stdout.write(text, ending="")
            return
        options["file"].write_text(text, encoding="utf-8")
        self.stdout.write(f"Directory written to {options['file']}.")
