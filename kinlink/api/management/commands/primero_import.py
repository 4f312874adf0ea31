"""`kinlink primero import FILE --as USER --team TEAM --lead USER [--import | --good-rows]`:
check a Primero v2 case export (JSON or CSV) and print what maps, what does not and every bad
row (the default: a dry run, nothing written); `--import` registers the cases only if every
row is good; `--good-rows` registers the good ones and leaves out the bad (audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.accounts.models import Team, User
from kinlink.api import primero
from kinlink.cases.models import CaseType, ReferralSource


class Command(BaseCommand):
    help = "Check (dry run) or import a Primero v2 case export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="actor", required=True, help="username of a supervisor")
        parser.add_argument("--team", required=True, help="team name")
        parser.add_argument("--lead", required=True, help="username of the lead caseworker")
        parser.add_argument("--case-type", default=CaseType.UASC_HOST, choices=CaseType.values)
        parser.add_argument(
            "--referral-source", default=ReferralSource.OTHER, choices=ReferralSource.values
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--import", dest="do_import", action="store_true")
        mode.add_argument("--good-rows", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"]).first()
        lead = User.objects.filter(username=options["lead"]).first()
        team = Team.objects.filter(name=options["team"], agency__staff=actor).first()
        if actor is None or lead is None or team is None:
            raise CommandError("Unknown --as, --lead or --team.")
        try:
            records = primero.read(Path(options["file"]).read_bytes(), options["file"])
        except (OSError, primero.UnreadableFile) as error:
            raise CommandError(str(error)) from error
        report = primero.check(
            records,
            {"case_type": options["case_type"], "referral_source": options["referral_source"]},
        )
        out = self.stdout.write
        out(f"rows: {len(report.rows)}, good: {len(report.good)}, bad: {len(report.bad)}")
        out("maps: " + ", ".join(f"{k} ({n})" for k, n in sorted(report.mapped.items())))
        out("does not map: " + (", ".join(f"{k} ({n})" for k, n in report.unmapped.items()) or "-"))
        for row in report.bad:
            for field, message in row.errors:
                out(f"row {row.number} [{row.primero_id}] {field}: {message}")
        if not (options["do_import"] or options["good_rows"]):
            out("dry run: nothing imported")
            return
        try:
            created = primero.import_rows(
                actor=actor,
                team=team,
                lead_caseworker=lead,
                report=report,
                good_rows_only=options["good_rows"],
            )
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(
                "; ".join(getattr(error, "messages", [])) or "refused: nothing imported"
            ) from error
        out(f"imported: {created}")
