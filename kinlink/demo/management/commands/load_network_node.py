"""`kinlink load network-node --country GN`: a demonstration node of the network on one
machine (`make network`): an agency of that country, its team and three people — caseworker,
supervisor, administrator — and, for Guinea and Italy, a few children of their own. Morocco's
node loads the full demonstration (`load_demo`) instead.

Demo mode only, empty node only; every account's password is the demo password.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from kinlink.accounts.models import Role, User
from kinlink.accounts.services import team_create, user_create
from kinlink.cases.models import Case
from kinlink.cases.services import case_register
from kinlink.core.models import MFAEnforcement, NodeSettings
from kinlink.demo.management.commands.load_demo import DEMO_PASSWORD
from kinlink.directory.models import AgencyKind
from kinlink.directory.services import agency_create

# country: agency name, code, team, [(username, full name, role)], interface language
NODES: dict[str, dict[str, Any]] = {
    "GN": {
        "agency": "Direction nationale de l'enfance, Guinée (démonstration)",
        "code": "dne-gn",
        "team": "Conakry",
        "people": [
            ("mariama", "Mariama Barry", Role.CASEWORKER),
            ("alpha", "Alpha Condé Sow", Role.SUPERVISOR),
            ("ibrahima", "Ibrahima Camara", Role.NODE_ADMIN),
        ],
        "language": "fr",
        "children": [
            ("Fatoumata", "Bah", "female", 12, "Labé"),
            ("Sekou", "Keita", "male", 9, "Kankan"),
        ],
    },
    "IT": {
        "agency": "Servizio Sociale Internazionale, Italia (dimostrazione)",
        "code": "ssi-it",
        "team": "Roma",
        "people": [
            ("giulia", "Giulia Rossi", Role.CASEWORKER),
            ("marco", "Marco Bianchi", Role.SUPERVISOR),
            ("paola", "Paola Ferri", Role.NODE_ADMIN),
        ],
        "language": "en",
        "children": [("Luca", "Moretti", "male", 14, "Torino")],
    },
}
GENERIC: dict[str, Any] = {
    "agency": "Demonstration agency",
    "code": "demo",
    "team": "Team",
    "people": [
        ("caseworker", "Caseworker", Role.CASEWORKER),
        ("supervisor", "Supervisor", Role.SUPERVISOR),
        ("admin", "Administrator", Role.NODE_ADMIN),
    ],
    "language": "en",
    "children": [],
}


class Command(BaseCommand):
    help = "Load one demonstration node of the network (demo mode only, empty node only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, help="ISO code; GN and IT have personas")
        parser.add_argument(
            "--generic", action="store_true", help="generic personas: caseworker, supervisor, admin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demonstration data loads only with KINLINK_DEMO=1.")
        if Case.objects.exists() or User.objects.exists():
            self.stdout.write("The node already has data; nothing loaded.")
            return
        country = options["country"].upper()
        spec = GENERIC if options["generic"] else NODES.get(country, GENERIC)
        with transaction.atomic():
            code = f"demo-{country.lower()}" if spec is GENERIC else spec["code"]
            # Through the services, so a network node's set-up is in its audit trail too.
            agency = agency_create(
                actor=None,
                kind=AgencyKind.CHILD_PROTECTION_AUTHORITY,
                name=spec["agency"],
                country=country,
                code=code,
            )
            team = team_create(actor=None, agency=agency, name=spec["team"])
            NodeSettings.current()
            NodeSettings.objects.filter(pk=1).update(mfa_enforcement=MFAEnforcement.OFF)
            people = {
                username: user_create(
                    actor=None,
                    username=username,
                    full_name=full_name,
                    email=f"{username}@{country.lower()}.demo.kinlink.invalid",
                    role=role,
                    agency=agency,
                    password=DEMO_PASSWORD,
                    teams=[team] if role != Role.NODE_ADMIN else [],
                    language=spec["language"],
                )
                for username, full_name, role in spec["people"]
            }
            caseworker = next(u for u in people.values() if u.role == Role.CASEWORKER)
            for given, family, sex, age, place in spec["children"]:
                case_register(
                    actor=caseworker,
                    team=team,
                    lead_caseworker=caseworker,
                    identity={
                        "given_name": given,
                        "family_name": family,
                        "sex": sex,
                        "age_estimate": age,
                        "nationality_status": "known",
                        "nationalities": [country],
                        "languages": [],
                        "country_of_origin": country,
                        "place_of_origin": place,
                        "current_location": place,
                        "case_type": "left_behind",
                        "separation_status": "separated",
                        "referral_source": "community",
                        "referral_date": timezone.localdate() - timedelta(days=20),
                        "risk_level": "medium",
                        "aliases": [],
                    },
                    consent={"given_by": "parent", "scopes": ["services", "sharing"]},
                )
        self.stdout.write(f"Network node {country} loaded: {', '.join(people)}.")
