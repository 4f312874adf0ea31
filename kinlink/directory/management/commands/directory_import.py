"""`kinlink directory import FILE`: import a directory file, all of it or nothing.

Every problem of a refused file is printed with its line; `--check` validates only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kinlink.directory.interchange import DirectoryFileRefused, parse_and_validate
from kinlink.directory.services import ImportReport, directory_import


def import_file(command: BaseCommand, path: Path, *, check: bool = False) -> ImportReport | None:
    """Import (or only check) one file as the operator; a refused file raises CommandError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    try:
        if check:
            parse_and_validate(text)
            command.stdout.write(f"{path.name}: valid.")
            return None
        with transaction.atomic():
            report = directory_import(actor=None, text=text, origin=path.name)
    except DirectoryFileRefused as refused:
        for problem in refused.problems:
            command.stderr.write(f"{path.name}: {problem}")
        raise CommandError(
            f"{path.name} refused: {len(refused.problems)} problem(s); nothing was imported."
        ) from refused
    command.stdout.write(
        f"{path.name}: {report.total('created')} created, {report.total('updated')} updated, "
        f"{report.total('unchanged')} unchanged."
    )
    return report


class Command(BaseCommand):
    help = "Import a directory file (JSON): every row or, if any row is bad, none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--check", action="store_true", help="validate only, import nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        import_file(self, options["file"], check=options["check"])
