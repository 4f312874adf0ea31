"""`kinlink keys rotate`: a new pair of keys; the old one stays to open envelopes in flight
and to endorse the new key document. `--prune-days N` then forgets keys retired longer ago."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.exchange import keys


class Command(BaseCommand):
    help = "Rotate this node's keys (peers follow through the endorsed node document)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prune-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["prune_days"] is not None:
                dropped = keys.prune(timedelta(days=options["prune_days"]))
                self.stdout.write(f"{dropped} retired key(s) forgotten.")
                return
            ring = keys.rotate()
        except keys.KeysMissing as error:
            raise CommandError("No key ring: run `kinlink keys init` first.") from error
        self.stdout.write(f"New fingerprint: {keys.fingerprint(ring.signing_key().public())}")
