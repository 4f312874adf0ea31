"""`kinlink keys show`: the node id and the signing key's fingerprint, to read to peers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kinlink.exchange import keys


class Command(BaseCommand):
    help = "Print this node's id and fingerprint."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ring = keys.load()
        except keys.KeysMissing as error:
            raise CommandError("No key ring: run `kinlink keys init` first.") from error
        self.stdout.write(f"Node: {settings.KINLINK_NODE_ID}")
        self.stdout.write(f"Fingerprint: {keys.fingerprint(ring.signing_key().public())}")
