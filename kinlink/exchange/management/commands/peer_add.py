"""`kinlink peer add URL --name … --country … --fingerprint "…" --admin USERNAME`: register a
peer node and confirm its fingerprint in one step, as the administrator `--admin` (for
unattended set-ups where the fingerprint was exchanged beforehand)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.accounts.models import User
from kinlink.exchange import peers


class Command(BaseCommand):
    help = "Register and confirm a peer node."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--name", required=True)
        parser.add_argument("--country", required=True)
        parser.add_argument("--fingerprint", required=True)
        parser.add_argument("--admin", required=True, help="username of a node administrator")
        parser.add_argument("--state-authority", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=options["admin"]).first()
        if admin is None or not peers.can_manage_peers(admin):
            raise CommandError("--admin must name an active node administrator.")
        try:
            peer = peers.peer_register(
                actor=admin,
                base_url=options["url"],
                name=options["name"],
                country=options["country"].upper(),
                is_state_authority=options["state_authority"],
            )
            peers.peer_confirm(
                actor=admin,
                peer=peer,
                fingerprint_read=options["fingerprint"],
                seen_version=peer.version,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Peer {peer.node_id} registered and active.")
