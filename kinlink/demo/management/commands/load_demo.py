"""`kinlink load demo`: a demonstration node (a national agency in Morocco) with about 40
children of every case type and step, and one account per persona.

Runs only in demo mode (KINLINK_DEMO=1) and only on a node with no case yet: demo passwords
must never exist on a real node. Everything is written through the services, so the demo has
an audit trail like any node.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kinlink.accounts.models import Role, User
from kinlink.accounts.services import team_create, user_create
from kinlink.care.services import legal_procedure_add
from kinlink.cases import services
from kinlink.cases.models import Case, CaseType, Stage
from kinlink.cases.policies import can_edit_case
from kinlink.cases.workflow import case_transition
from kinlink.core.models import MFAEnforcement, NodeSettings
from kinlink.demo import history
from kinlink.directory.models import AgencyKind
from kinlink.directory.services import agency_create
from kinlink.tracing import services as tracing
from kinlink.tracing import suggest

DEMO_PASSWORD = "kinlink-demo-password"  # noqa: S105 (demo mode only, printed in the README)
# Children (by their index in CHILDREN) whose solution is a return, who are missing, or whose
# case is suspended; the others past step 6 stay in the host country.
RETURNS = frozenset({16, 27})
MISSING = frozenset({13})
SUSPENDED = frozenset({33})

PERSONAS = [
    # username, full name, role, teams
    ("amina", "Amina Benali", Role.CASEWORKER, ["Tangier reception"]),
    ("youssef", "Youssef Alaoui", Role.SUPERVISOR, ["Tangier reception"]),
    ("karim", "Karim Idrissi", Role.CASEWORKER, ["Oujda reception"]),
    ("fatima", "Fatima Zahra Tazi", Role.SUPERVISOR, ["Oujda reception"]),
    ("salma", "Salma Chraibi", Role.GUARDIAN, []),
    ("nadia", "Nadia El Fassi", Role.ANALYST, []),
    ("omar", "Omar Berrada", Role.NODE_ADMIN, []),
]

# Fictional agencies abroad for the directory's pages (".invalid" addresses reach nobody).
DEMO_AGENCIES: list[dict[str, Any]] = [
    {
        "name": "Partner agency, Spain (demonstration)",
        "code": "demo-es",
        "country": "ES",
        "kind": "network_member",
        "services": ["tracing", "home_study", "reunification", "psychological"],
        "languages": ["spa", "ara", "fra"],
        "email": "casework@es.demo.kinlink.invalid",
        "node_address": "https://es.demo.kinlink.invalid",
        "node_key_fingerprint": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
    },
    {
        "name": "Central authority, France (demonstration)",
        "code": "demo-fr-ca",
        "country": "FR",
        "kind": "central_authority",
        "central_authority_for": ["hc1996"],
        "languages": ["fra"],
        "email": "autorite-centrale@fr.demo.kinlink.invalid",
    },
    {
        "name": "Child-protection service, Guinea (demonstration)",
        "code": "demo-gn",
        "country": "GN",
        "kind": "correspondent",
        "services": ["tracing", "home_study", "repatriation"],
        "languages": ["fra", "fuc", "sus"],
        "email": "protection@gn.demo.kinlink.invalid",
    },
]

# given, family, given (original), family (original), script, sex, nationality, languages,
# place of origin
CHILDREN: list[tuple[str, str, str, str, str, str, str, list[str], str]] = [
    ("Mamadou", "Diallo", "", "", "", "male", "GN", ["fuc", "fra"], "Labé"),
    ("Aissatou", "Bah", "", "", "", "female", "GN", ["fuc"], "Pita"),
    ("Ousmane", "Camara", "", "", "", "male", "GN", ["sus", "fra"], "Conakry"),
    ("Moussa", "Traoré", "", "", "", "male", "ML", ["bam", "fra"], "Kayes"),
    ("Fatoumata", "Keita", "", "", "", "female", "ML", ["bam"], "Ségou"),
    ("Ibrahima", "Sow", "", "", "", "male", "SN", ["wol", "fra"], "Kolda"),
    ("Awa", "Ndiaye", "", "", "", "female", "SN", ["wol"], "Thiès"),
    ("Lamine", "Koné", "", "", "", "male", "CI", ["dyu", "fra"], "Korhogo"),
    ("Sekou", "Sylla", "", "", "", "male", "GN", ["mnk"], "Kankan"),
    ("Adama", "Ouédraogo", "", "", "", "male", "BF", ["mos", "fra"], "Kaya"),
    ("Yonas", "Tesfaye", "ዮናስ", "ተስፋዬ", "Ethi", "male", "ER", ["tir"], "Mendefera"),
    ("Selam", "Gebremedhin", "ሰላም", "ገብረመድህን", "Ethi", "female", "ER", ["tir"], "Asmara"),
    ("Filmon", "Habte", "ፊልሞን", "ሃብተ", "Ethi", "male", "ER", ["tir", "ara"], "Keren"),
    ("Abdirahman", "Hassan", "عبد الرحمن", "حسن", "Arab", "male", "SO", ["som", "ara"], "Kismayo"),
    ("Hodan", "Warsame", "", "", "", "female", "SO", ["som"], "Baidoa"),
    ("Dawit", "Alemu", "ዳዊት", "አለሙ", "Ethi", "male", "ET", ["amh"], "Gondar"),
    ("Hamza", "Ahmed", "حمزة", "أحمد", "Arab", "male", "SD", ["apd", "ara"], "Geneina"),
    ("Mohamed", "El Amine", "محمد", "الأمين", "Arab", "male", "SD", ["apd"], "Nyala"),
    ("Ahmad", "Rahimi", "احمد", "رحیمی", "Aran", "male", "AF", ["prs"], "Herat"),
    ("Mohammad", "Noori", "محمد", "نوری", "Aran", "male", "AF", ["prs", "pus"], "Kabul"),
    ("Zahra", "Hosseini", "زهرا", "حسینی", "Aran", "female", "AF", ["prs"], "Ghazni"),
    ("Bilal", "Safi", "بلال", "صافی", "Aran", "male", "AF", ["pus"], "Jalalabad"),
    ("Khalid", "Al-Hamwi", "خالد", "الحموي", "Arab", "male", "SY", ["ara"], "Hama"),
    ("Rania", "Haddad", "رانيا", "حداد", "Arab", "female", "SY", ["ara"], "Aleppo"),
    ("Omar", "Al-Khatib", "عمر", "الخطيب", "Arab", "male", "SY", ["ara", "kur"], "Idlib"),
    ("Yousef", "Darwish", "يوسف", "درويش", "Arab", "male", "SY", ["ara"], "Deir ez-Zor"),
    ("Nour", "Al-Ali", "نور", "العلي", "Arab", "female", "SY", ["ara"], "Homs"),
    (
        "Abdelkader",
        "Benyoussef",
        "عبد القادر",
        "بن يوسف",
        "Arab",
        "male",
        "DZ",
        ["ara", "fra"],
        "Oran",
    ),
    ("Sofiane", "Merabet", "سفيان", "مرابط", "Arab", "male", "DZ", ["ara"], "Tlemcen"),
    ("Ayoub", "Ait Ali", "أيوب", "آيت علي", "Arab", "male", "MA", ["ary", "tzm"], "Khenifra"),
    ("Ilyas", "Ouahbi", "إلياس", "الوهبي", "Arab", "male", "MA", ["ary"], "Beni Mellal"),
    ("José", "Hernández López", "", "", "", "male", "HN", ["spa"], "San Pedro Sula"),
    ("María", "García Pérez", "", "", "", "female", "GT", ["spa", "cab"], "Huehuetenango"),
    ("Kevin", "Martínez Ramos", "", "", "", "male", "SV", ["spa"], "San Miguel"),
    ("Dayana", "Flores Castillo", "", "", "", "female", "HN", ["spa"], "Tegucigalpa"),
    ("Brayan", "López Mejía", "", "", "", "male", "GT", ["spa"], "Quetzaltenango"),
    ("Fanta", "Cissé", "", "", "", "female", "ML", ["bam"], "Gao"),
    ("Blessing", "Okafor", "", "", "", "female", "NG", ["eng", "ibo"], "Benin City"),
    ("Emmanuel", "Mensah", "", "", "", "male", "GH", ["eng", "aka"], "Kumasi"),
    ("Samuel", "Tadesse", "ሳሙኤል", "ታደሰ", "Ethi", "male", "ET", ["amh", "orm"], "Adama"),
]


class Command(BaseCommand):
    help = "Load demonstration data (demo mode only, empty node only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demonstration data loads only with KINLINK_DEMO=1.")
        if Case.objects.exists() or User.objects.exists():
            self.stdout.write("The node already has data; demonstration data not loaded.")
            return
        with transaction.atomic():
            count = self._load()
        self.stdout.write(f"Demonstration data loaded: {count} cases, {len(PERSONAS)} accounts.")

    def _load(self) -> int:
        rng = random.Random(2026)  # noqa: S311 (the same demo on every machine; not security)
        agency = agency_create(
            actor=None,
            kind=AgencyKind.CHILD_PROTECTION_AUTHORITY,
            name="Agence nationale de protection de l'enfance (démonstration)",
            country="MA",
            code="anpe-demo",
        )
        for values in DEMO_AGENCIES:
            agency_create(actor=None, **values)
        teams = {
            name: team_create(actor=None, agency=agency, name=name)
            for name in ("Tangier reception", "Oujda reception")
        }
        # The demonstration personas sign in with the password alone; an administrator can
        # switch the second factor on in the node settings to try it (README).
        NodeSettings.current()
        NodeSettings.objects.filter(pk=1).update(mfa_enforcement=MFAEnforcement.OFF)
        people: dict[str, User] = {}
        for username, full_name, role, team_names in PERSONAS:
            people[username] = user_create(
                actor=None,
                username=username,
                full_name=full_name,
                email=f"{username}@demo.kinlink.invalid",
                role=role,
                agency=agency,
                password=DEMO_PASSWORD,
                teams=[teams[t] for t in team_names],
                language="fr" if username in {"karim", "fatima"} else "en",
            )
        stages = list(Stage)
        types = list(CaseType)
        now = timezone.now()
        for index, row in enumerate(CHILDREN):
            given, family, given_o, family_o, script, sex, country, langs, place = row
            in_tangier = index % 3 != 2
            lead = people["amina"] if in_tangier else people["karim"]
            team = teams["Tangier reception"] if in_tangier else teams["Oujda reception"]
            registered = now - timedelta(days=rng.randint(0, 200), hours=rng.randint(0, 23))
            age = rng.randint(9, 17)
            exact_dob = index % 4 == 0
            stage = stages[index % len(stages)]
            # Half the children are unaccompanied in the host country; the other half take
            # every case type in turn.
            case_type = types[(index // 2) % len(types)] if index % 2 else CaseType.UASC_HOST
            case = services.case_register(
                actor=lead,
                team=team,
                lead_caseworker=lead,
                stage=history.registered_stage(stage),
                registered_at=registered,
                identity={
                    "given_name": given,
                    "family_name": family,
                    "given_name_original": given_o,
                    "family_name_original": family_o,
                    "original_script": script,
                    "aliases": [f"{given[:-1]}o"] if index % 7 == 0 else [],
                    "sex": sex,
                    "date_of_birth": date(now.year - age, 1 + index % 12, 1 + index % 28)
                    if exact_dob
                    else (date(now.year - age, 1, 1) if index % 5 == 1 else None),
                    "dob_estimated": index % 5 == 1,
                    "dob_basis": "child" if index % 5 == 1 else "",
                    "age_estimate": None if exact_dob or index % 5 == 1 else age,
                    "age_disputed": index % 9 == 4,
                    "nationality_status": "known",
                    "nationalities": [country],
                    "languages": langs,
                    "country_of_origin": country,
                    "place_of_origin": place,
                    "current_location": "Centre d'accueil, Tanger" if in_tangier else "Oujda",
                    "case_type": case_type,
                    "separation_status": "unaccompanied" if index % 4 else "separated",
                    "referral_source": ["border_police", "reception", "ngo", "community"][
                        index % 4
                    ],
                    "referral_date": registered.date(),
                    "risk_level": ["high", "medium", "low"][index % 3],
                },
                consent=(
                    {"given_by": "child", "scopes": ["services", "tracing"], "language": langs[0]}
                    if index % 6
                    else {
                        "legal_basis": "vital_interests",
                        "reason_without_consent": "Child in shock at arrival; assent to be sought.",
                    }
                ),
            )
            if stage != Stage.IDENTIFIED and index % 8 != 3:
                services.first_response_record(actor=lead, case=case, seen_version=case.version)
            if index % 5 == 0:
                services.case_person_add(
                    actor=lead,
                    case=case,
                    full_name=f"{rng.choice(['Aminata', 'Halima', 'Mariam'])} {family}",
                    relationship="mother",
                    country=country,
                    contact="+000 000 000",
                )
            supervisor = people["youssef"] if in_tangier else people["fatima"]
            history.build(
                case=case,
                lead=lead,
                supervisor=supervisor,
                guardian=people["salma"] if in_tangier and index % 4 == 1 else None,
                day=registered.date(),
                target=stage,
                solution="return" if index in RETURNS else "host",
            )
            self._side_records(index, case, lead, registered)
        self._tracing_requests(agency, teams, people)
        return len(CHILDREN)

    def _tracing_requests(
        self, agency: Any, teams: dict[str, Any], people: dict[str, User]
    ) -> None:
        """Four tracing requests, matched as a node would: a mother and an uncle whose spelling
        differs from the registration (suggestions to review; both children consented to
        tracing), a search still in progress with its log, and a child's own request for a
        brother."""
        amina, team = people["amina"], teams["Tangier reception"]
        requests = [
            tracing.tracing_request_file(
                actor=amina,
                team=team,
                filed_by="relative",
                values={
                    "inquirer_name": "Mariama Camara",
                    "inquirer_relationship": "mother",
                    "inquirer_contact": "Through the Red Cross office, Conakry",
                    "sought_given_name": "Usman",
                    "sought_family_name": "Kamara",
                    "sought_sex": "male",
                    "sought_age": 15,
                    "sought_nationality": "GN",
                    "sought_place_of_origin": "Konakry",
                    "last_seen": "Left Conakry by bus towards Bamako, a year ago.",
                },
            ),
            tracing.tracing_request_file(
                actor=amina,
                team=team,
                filed_by="relative",
                values={
                    "inquirer_name": "Tekle Habte",
                    "inquirer_relationship": "uncle",
                    "inquirer_contact": "Asmara, by telephone through the partner agency",
                    "sought_given_name": "Yohannes",
                    "sought_family_name": "Tesfaye Habte",
                    "sought_other_names": ["Yonas"],
                    "sought_sex": "male",
                    "sought_nationality": "ER",
                    "sought_place_of_origin": "Mendefera",
                },
            ),
            tracing.tracing_request_file(
                actor=amina,
                team=team,
                filed_by="relative",
                values={
                    "inquirer_name": "Hawa Barry",
                    "inquirer_relationship": "mother",
                    "sought_given_name": "Kadiatou",
                    "sought_family_name": "Barry",
                    "sought_sex": "female",
                    "sought_age": 14,
                    "sought_nationality": "GN",
                    "last_seen": "Seen in Agadez in March.",
                },
            ),
        ]
        searching = requests[2]
        searching = tracing.tracing_request_move(
            actor=amina,
            request=searching,
            seen_version=searching.version,
            status="in_progress",
            note="Photographs shared with the reception centres of the north.",
        )
        tracing.tracing_action_add(
            actor=amina,
            request=searching,
            kind="contact",
            text="Called the mother back: no news since March; gave her the hotline number.",
        )
        # A child of Amina's caseload, whose case is open, asks for the brother she travelled with.
        own = next(
            (
                case
                for case in Case.objects.filter(lead_caseworker=amina).order_by("reference")
                if can_edit_case(amina, case) and case.given_name not in {"Ousmane", "Yonas"}
            ),
            None,
        )
        if own is not None:
            requests.append(
                tracing.tracing_request_file(
                    actor=amina,
                    team=team,
                    filed_by="child",
                    case=own,
                    values={
                        "sought_given_name": "Alseny",
                        "sought_family_name": own.family_name,
                        "sought_sex": "male",
                        "sought_age": 19,
                        "sought_nationality": own.country_of_origin,
                        "last_seen": "Travelled together as far as Tamanrasset.",
                    },
                )
            )
        suggest.match_requests(agency.pk, [r.pk for r in requests])

    def _side_records(self, index: int, case: Case, lead: User, registered: Any) -> None:
        """A legal procedure under way on the cases at step 4, and a few on hold."""
        case.refresh_from_db()
        if case.stage == Stage.INTERIM_CARE:
            legal_procedure_add(
                actor=lead,
                case=case,
                procedure_type="residence",
                authority="Préfecture de Tanger",
                lodged_on=registered.date(),
                next_deadline=timezone.localdate() + timedelta(days=20 + index),
                deadline_what="Hand in the school certificate",
            )
        case.refresh_from_db()
        if index in MISSING:
            now = timezone.now()
            services.missing_report(
                actor=lead,
                case=case,
                seen_version=case.version,
                last_seen_at=now - timedelta(hours=30),
                circumstances="Did not come back to the centre after school.",
                authority="Commissariat central",
                notified_at=now - timedelta(hours=26),
                authority_reference=f"PV-{index:04d}",
            )
        elif index in SUSPENDED:
            case_transition(
                actor=lead,
                case=case,
                name="suspend",
                seen_version=case.version,
                reason="The child withdrew consent for now; review in a month.",
            )
