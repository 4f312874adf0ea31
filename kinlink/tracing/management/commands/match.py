"""`kinlink match --cases cases.csv --requests requests.csv --out matches.csv [--top 10]`:
the matcher on two CSV files, in the format of `bench/TRACING_FORMAT.md`.

Messages are in the language of `--language`, else of the environment (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG), else English. Input problems are all listed, one line each with its file
and line, and the command exits 1 without writing the output file.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kinlink.tracing.matching import match_all
from kinlink.tracing.matching.files import read_records, write_matches
from kinlink.tracing.matching.profiles import PROFILES


class Command(BaseCommand):
    help = "Match tracing requests against cases (CSV in, CSV out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", required=True, help="cases.csv: registered children")
        parser.add_argument("--requests", required=True, help="requests.csv: children sought")
        parser.add_argument("--out", required=True, help="matches.csv, written when all is read")
        parser.add_argument("--top", type=int, default=10, help="candidates per request (10)")
        parser.add_argument(
            "--workers", type=int, default=0, help="processes (default: up to 2 cores)"
        )
        parser.add_argument(
            "--profile",
            choices=sorted(PROFILES),
            default="children",
            help="what the data set's people are like (children: siblings may be there, one "
            "true case per request; people: one person per household, any number of copies)",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the messages (default: from the environment, else English)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"] or language_from_environment()):
            self._match(options)

    def _match(self, options: dict[str, Any]) -> None:
        if options["top"] < 1:
            raise CommandError(_("--top must be at least 1."))
        cases, case_problems = read_records(options["cases"])
        requests, request_problems = read_records(options["requests"])
        problems = case_problems + request_problems
        if problems:
            for problem in problems:
                self.stderr.write(problem.render(_))
            raise CommandError(
                ngettext(
                    "%(count)s problem in the input; nothing written.",
                    "%(count)s problems in the input; nothing written.",
                    len(problems),
                )
                % {"count": len(problems)}
            )
        rows = write_matches(
            options["out"],
            match_all(
                cases,
                requests,
                top=options["top"],
                workers=options["workers"],
                profile=PROFILES[options["profile"]],
            ),
        )
        self.stdout.write(
            _(
                "%(requests)s requests matched against %(cases)s cases: %(rows)s candidates "
                "written to %(out)s."
            )
            % {"requests": len(requests), "cases": len(cases), "rows": rows, "out": options["out"]}
        )


def language_from_environment() -> str:
    """The first of the node's languages the environment names (`fr_FR.UTF-8` → fr)."""
    known = {code for code, _name in settings.LANGUAGES}
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for part in os.environ.get(variable, "").split(":"):
            code = part.split(".")[0].split("_")[0].lower()
            if code in known:
                return code
    return "en"
