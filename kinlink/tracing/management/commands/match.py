"""`kinlink match --cases cases.csv --requests requests.csv --out matches.csv [--top 10]`:
the matcher on two CSV files, in the format of `bench/TRACING_FORMAT.md`.

Input problems are all listed, one line each with its file and line, and the command exits
1 without writing the output file.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError("--top must be at least 1.")
        cases, case_problems = read_records(options["cases"])
        requests, request_problems = read_records(options["requests"])
        problems = case_problems + request_problems
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in the input; nothing written.")
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
            f"{len(requests)} requests matched against {len(cases)} cases: "
            f"{rows} candidates written to {options['out']}."
        )
