"""`kinlink node setup`: create the node's agency and its first administrator, and load the
directory Kinlink ships (`kinlink directory load`).

The password is asked for twice at the prompt (or read from KINLINK_ADMIN_PASSWORD for
unattended installs) and must pass the same rules as every other password.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kinlink.accounts.models import Role, User
from kinlink.accounts.services import user_create
from kinlink.directory.models import Agency, AgencyKind
from kinlink.directory.reference import is_country
from kinlink.directory.services import agency_create


class Command(BaseCommand):
    help = "Create this node's agency and its first administrator (only on an empty node)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", required=True, help="the agency's full name")
        parser.add_argument("--agency-code", required=True, help="a short slug, e.g. anpe")
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. MA")
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(role=Role.NODE_ADMIN).exists():
            raise CommandError("This node already has an administrator; use the Users page.")
        country = options["country"].upper()
        if not is_country(country):
            raise CommandError(f"Unknown country code: {country}")
        password = os.environ.get("KINLINK_ADMIN_PASSWORD") or self._ask_password()
        probe = User(
            username=options["username"], email=options["email"], full_name=options["full_name"]
        )
        try:
            validate_password(password, probe)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            agency = Agency.objects.filter(code=options["agency_code"]).first()
            if agency is None:
                try:
                    agency = agency_create(
                        actor=None,
                        name=options["agency"],
                        country=country,
                        code=options["agency_code"],
                        kind=AgencyKind.CHILD_PROTECTION_AUTHORITY,
                    )
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from error
            user_create(
                actor=None,
                username=options["username"],
                full_name=options["full_name"],
                email=options["email"],
                role=Role.NODE_ADMIN,
                agency=agency,
                password=password,
            )
        username = options["username"]
        self.stdout.write(f"Agency '{agency.name}' and administrator '{username}' ready.")
        # A new node starts with the directory Kinlink ships (countries, treaty statuses).
        call_command("directory_load", if_empty=True, stdout=self.stdout, stderr=self.stderr)

    def _ask_password(self) -> str:
        first = getpass.getpass("Administrator's password (at least 15 characters): ")
        if first != getpass.getpass("The same password again: "):
            raise CommandError("The two passwords differ.")
        return first
