"""`kinlink keys init`: make the node's signing and encryption keys (once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kinlink.exchange import keys


class Command(BaseCommand):
    help = "Create this node's keys in KINLINK_KEYS_DIR and print the fingerprint."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ring = keys.init()
        except FileExistsError as error:
            raise CommandError(
                f"A key ring exists already ({error}); use `kinlink keys rotate` to replace it."
            ) from error
        self.stdout.write(f"Keys created in {keys.keys_dir()}.")
        self.stdout.write(f"Fingerprint: {keys.fingerprint(ring.signing_key().public())}")
