"""`kinlink subject bundle CASE_REFERENCE --as USER --to FILE`: the data-subject bundle of one
case, written to a file, with the same policy and audit event as the case page's button.

The account named by `--as` must be allowed to produce it (a supervisor of the case's team);
a case it may not see is answered as if it did not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.accounts.models import User
from kinlink.cases.policies import visible_cases
from kinlink.reports.services import subject_bundle_export

NOT_FOUND = "No such case for this account."


class Command(BaseCommand):
    help = "Write everything held about one child (a data-subject request) to a ZIP file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="the case's reference")
        parser.add_argument("--as", dest="username", required=True, help="who produces it")
        parser.add_argument("--to", dest="path", required=True, help="the ZIP file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError("No active account of that name.")
        case = visible_cases(user).filter(reference=options["reference"]).first()
        if case is None:
            raise CommandError(NOT_FOUND)
        path = Path(options["path"])
        if path.exists():
            raise CommandError(f"{path} exists already: choose a new file.")
        try:
            content = subject_bundle_export(actor=user, case=case)
        except PermissionDenied as error:
            raise CommandError(NOT_FOUND) from error
        # Only its owner may read it: it holds the whole file of a child.
        path.touch(mode=0o600)
        path.write_bytes(content)
        self.stdout.write(f"Wrote {path} ({len(content)} bytes).")
