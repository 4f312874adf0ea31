"""`kinlink role approve`: the node's operator approves or refuses a pending role change.

For a node with a single administrator, who cannot be their own second administrator: the
operator at the server's shell (who holds the deployment, not a web account) decides, and the
decision is audited as the system's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kinlink.accounts.models import RoleChange, RoleChangeStatus
from kinlink.accounts.services import role_change_decide


class Command(BaseCommand):
    help = "List pending role changes, or approve (or --refuse) one by its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("change", nargs="?", help="the role change's id")
        parser.add_argument("--refuse", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        pending = RoleChange.objects.filter(status=RoleChangeStatus.PENDING).select_related("user")
        if not options["change"]:
            for pending_change in pending:
                self.stdout.write(
                    f"{pending_change.pk}  {pending_change.user.username}  "
                    f"{pending_change.from_role or '-'} -> {pending_change.to_role}"
                )
            return
        change: RoleChange | None
        try:
            change = pending.filter(pk=options["change"]).first()
        except ValidationError:
            change = None
        if change is None:
            raise CommandError("No pending role change with that id.")
        role_change_decide(actor=None, change=change, approve=not options["refuse"])
        self.stdout.write("refused" if options["refuse"] else "approved")
