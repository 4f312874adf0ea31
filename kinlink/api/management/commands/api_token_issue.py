"""`kinlink api_token_issue USERNAME --name NAME [--days N]`: issue an API token from the
command line (set-up of a node, CI). Prints the token once; only its digest is kept."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.accounts.models import User
from kinlink.api.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for an account and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="the system or person using it")
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No account has this username.")
        issued = api_token_issue(actor=None, user=user, name=options["name"], days=options["days"])
        self.stdout.write(issued.secret)
