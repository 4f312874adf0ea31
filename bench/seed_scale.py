"""Seed a node at national scale: 100,000 cases and the records around them, for bench/load.py.

    KINLINK_DB=postgresql PGHOST=... PGPORT=... PGDATABASE=... .venv/bin/python bench/seed_scale.py

One agency with 20 teams, each of a supervisor and 10 caseworkers (200 caseworkers,
`cw001`-`cw200`, `sup01`-`sup20`, password BENCH_PASSWORD, each with an authenticator whose
secret is `bench_totp_key(username)`). It refuses a database that already
has cases: it is meant for a database made for the benchmark.

Two kinds of cases, so that the data is both large and what the services would have written:
- Through the services, as the demonstration does (kinlink.demo.history): per caseworker
  (or the first --followed-up of them), one
  case taken through the eight steps to follow-up, with its care arrangement, guardian,
  assessment, BID, action plan and a follow-up plan of six visits (the visits load.py
  reports on). About 0.5 s each.
- In bulk (bulk_create in batches), the rest: children at steps 1-3 (identified, immediate
  care, assessment) of varied names, origins, ages and risk levels, each with its consent,
  first response (past step 1), a relative for one in three, and for an unaccompanied child
  the guardianship request and its task that registration opens. Every row a service would
  audit gets its audit event, appended to the hash chain exactly as `audit.services.record`
  does, so `kinlink audit verify` still passes.

Only the password hash is shared: computed once for every account (a million PBKDF2 rounds
per account would take minutes, and proves nothing about the load).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "kinlink-bench-password"  # noqa: S105 (a benchmark node's published password)


def bench_totp_key(username: str) -> bytes:
    """The authenticator secret of a benchmark account, published like its password: every
    account has a second factor, as on a real node, and bench/load.py computes its codes."""
    import hashlib

    return hashlib.sha256(f"kinlink-bench-totp|{username}".encode()).digest()[:20]


TEAMS = 20
CASEWORKERS_PER_TEAM = 10
BATCH = 2_000

# (given names, family names, original-script pairs or None, nationality, languages, places)
ORIGINS: list[tuple[list[str], list[str], str, str, list[str], list[str]]] = [
    (
        ["Mamadou", "Ousmane", "Ibrahima", "Sekou", "Alpha", "Aissatou", "Mariama", "Kadiatou"],
        ["Diallo", "Bah", "Camara", "Sylla", "Barry", "Soumah", "Keita", "Conde"],
        "",
        "GN",
        ["fuc", "fra"],
        ["Labé", "Pita", "Conakry", "Kankan", "Mamou"],
    ),
    (
        ["Moussa", "Adama", "Bakary", "Fatoumata", "Fanta", "Oumar", "Drissa", "Awa"],
        ["Traoré", "Coulibaly", "Keita", "Cissé", "Diarra", "Sangaré", "Touré", "Dembélé"],
        "",
        "ML",
        ["bam", "fra"],
        ["Kayes", "Ségou", "Gao", "Mopti", "Sikasso"],
    ),
    (
        ["Yonas", "Filmon", "Dawit", "Selam", "Senait", "Robel", "Merhawi", "Helen"],
        ["Tesfaye", "Habte", "Gebremedhin", "Tekle", "Kidane", "Berhane", "Asfaha", "Woldu"],
        "Ethi",
        "ER",
        ["tir"],
        ["Asmara", "Keren", "Mendefera", "Massawa", "Barentu"],
    ),
    (
        ["Khalid", "Omar", "Yousef", "Rania", "Nour", "Hamza", "Ahmad", "Layla"],
        ["Al-Hamwi", "Haddad", "Al-Khatib", "Darwish", "Al-Ali", "Mansour", "Khalil", "Saleh"],
        "Arab",
        "SY",
        ["ara"],
        ["Hama", "Aleppo", "Idlib", "Homs", "Deir ez-Zor"],
    ),
    (
        ["Ahmad", "Mohammad", "Bilal", "Zahra", "Farid", "Jawad", "Sahar", "Naveed"],
        ["Rahimi", "Noori", "Safi", "Hosseini", "Ahmadi", "Karimi", "Sultani", "Wardak"],
        "Aran",
        "AF",
        ["prs", "pus"],
        ["Herat", "Kabul", "Ghazni", "Jalalabad", "Kunduz"],
    ),
    (
        ["José", "Kevin", "Brayan", "María", "Dayana", "Luis", "Carlos", "Yessenia"],
        ["Hernández", "Martínez", "López", "García", "Flores", "Ramos", "Mejía", "Castillo"],
        "",
        "HN",
        ["spa"],
        ["San Pedro Sula", "Tegucigalpa", "La Ceiba", "Choluteca", "Comayagua"],
    ),
]
# Arabic and Persian spellings for the Arabic-script origins, by Latin name.
ORIGINAL = {
    "Khalid": "خالد", "Omar": "عمر", "Yousef": "يوسف", "Rania": "رانيا", "Nour": "نور",
    "Hamza": "حمزة", "Ahmad": "احمد", "Layla": "ليلى", "Al-Hamwi": "الحموي", "Haddad": "حداد",
    "Al-Khatib": "الخطيب", "Darwish": "درويش", "Al-Ali": "العلي", "Mansour": "منصور",
    "Khalil": "خليل", "Saleh": "صالح", "Mohammad": "محمد", "Bilal": "بلال", "Zahra": "زهرا",
    "Farid": "فرید", "Jawad": "جواد", "Sahar": "سحر", "Naveed": "نوید", "Rahimi": "رحیمی",
    "Noori": "نوری", "Safi": "صافی", "Hosseini": "حسینی", "Ahmadi": "احمدی",
    "Karimi": "کریمی", "Sultani": "سلطانی", "Wardak": "وردک",
}  # fmt: skip
FEMALE = {
    "Aissatou", "Mariama", "Kadiatou", "Fatoumata", "Fanta", "Awa", "Selam", "Senait", "Helen",
    "Rania", "Nour", "Layla", "Zahra", "Sahar", "María", "Dayana", "Yessenia",
}  # fmt: skip


def setup_django() -> None:
    sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("KINLINK_DEBUG", "1")
    import django

    django.setup()


class AuditChain:
    """Appends events to the hash chain in memory, the way audit.services.record does, and
    writes them in batches; the chain head is updated at the end."""

    def __init__(self) -> None:
        from kinlink.audit.models import AuditChainHead

        head, _ = AuditChainHead.objects.get_or_create(pk=1)
        self.sequence = head.sequence
        self.hash = head.hash
        self.pending: list[Any] = []

    def add(self, *, actor: Any, obj: Any, case_id: Any, at: datetime, changes: dict) -> None:
        from kinlink.audit.models import AuditEvent
        from kinlink.audit.services import _plain, event_digest

        self.sequence += 1
        event = AuditEvent(
            sequence=self.sequence,
            at=at,
            actor=actor,
            actor_label=actor.get_username() if actor else "system",
            action="create",
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            case_id=case_id,
            changes=_plain(changes),
            context={},
            prev_hash=self.hash,
        )
        event.hash = event_digest(event)
        self.hash = event.hash
        self.pending.append(event)

    def flush(self) -> None:
        from kinlink.audit.models import AuditChainHead, AuditEvent

        AuditEvent.objects.bulk_create(self.pending, batch_size=BATCH)
        self.pending.clear()
        AuditChainHead.objects.filter(pk=1).update(sequence=self.sequence, hash=self.hash)


def make_people(agency: Any) -> tuple[list[Any], dict[Any, Any], list[Any]]:
    """Teams, supervisors and caseworkers through the account service (one shared hash)."""
    from django.contrib.auth.hashers import make_password

    from kinlink.accounts.models import Role, Team, User
    from kinlink.accounts.services import user_create

    hashed = make_password(BENCH_PASSWORD)
    original = User.set_password
    User.set_password = lambda self, raw: setattr(self, "password", hashed)  # type: ignore[method-assign,assignment]
    try:
        teams, supervisors, caseworkers = [], {}, []
        for t in range(1, TEAMS + 1):
            team = Team.objects.create(agency=agency, name=f"Team {t:02d}")
            teams.append(team)
            supervisors[team.pk] = user_create(
                actor=None,
                username=f"sup{t:02d}",
                full_name=f"Supervisor {t:02d}",
                email=f"sup{t:02d}@bench.kinlink.invalid",
                role=Role.SUPERVISOR,
                agency=agency,
                password=BENCH_PASSWORD,
                teams=[team],
            )
            for c in range(CASEWORKERS_PER_TEAM):
                n = (t - 1) * CASEWORKERS_PER_TEAM + c + 1
                caseworkers.append(
                    user_create(
                        actor=None,
                        username=f"cw{n:03d}",
                        full_name=f"Caseworker {n:03d}",
                        email=f"cw{n:03d}@bench.kinlink.invalid",
                        role=Role.CASEWORKER,
                        agency=agency,
                        password=BENCH_PASSWORD,
                        teams=[team],
                        language=["en", "fr", "ar", "es"][n % 4],
                    )
                )
    finally:
        User.set_password = original  # type: ignore[method-assign]
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kinlink.accounts.mfa import TOTP_NAME

    TOTPDevice.objects.bulk_create(
        TOTPDevice(
            user=user,
            name=TOTP_NAME,
            key=bench_totp_key(user.username).hex(),
            confirmed=True,
        )
        for user in [*supervisors.values(), *caseworkers]
    )
    return teams, supervisors, caseworkers


def identity(rng: random.Random, today: date, registered: datetime) -> dict[str, Any]:
    givens, families, script, country, langs, places = rng.choice(ORIGINS)
    given, family = rng.choice(givens), rng.choice(families)
    age = rng.randint(8, 17)
    exact = rng.random() < 0.25
    return {
        "given_name": given,
        "family_name": family,
        "given_name_original": ORIGINAL.get(given, "") if script else "",
        "family_name_original": ORIGINAL.get(family, "") if script else "",
        "original_script": script if script and given in ORIGINAL else "",
        "aliases": [],
        "sex": "female" if given in FEMALE else "male",
        "date_of_birth": date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        if exact
        else None,
        "dob_estimated": False,
        "dob_basis": "",
        "age_estimate": None if exact else age,
        "age_disputed": rng.random() < 0.1,
        "nationality_status": "known",
        "nationalities": [country],
        "languages": langs,
        "country_of_origin": country,
        "place_of_origin": rng.choice(places),
        "current_location": rng.choice(["Tanger", "Oujda", "Nador", "Rabat", "Casablanca"]),
        "case_type": rng.choice(["uasc_host"] * 6 + ["tracing_only", "service_request"]),
        "separation_status": rng.choice(["unaccompanied", "unaccompanied", "separated"]),
        "referral_source": rng.choice(["border_police", "reception", "ngo", "community"]),
        "referral_date": registered.date(),
        "risk_level": rng.choice(["high", "medium", "medium", "low", "low"]),
    }


def seed_through_services(caseworkers: list[Any], supervisors: dict, rng: random.Random) -> int:
    """For each of these caseworkers, one case through the eight steps to follow-up."""
    from django.db import transaction
    from django.utils import timezone

    from kinlink.cases import services
    from kinlink.cases.models import Stage
    from kinlink.demo import history

    now = timezone.now()
    for n, lead in enumerate(caseworkers):
        team = lead.teams.get()
        registered = now - timedelta(days=rng.randint(200, 300))
        with transaction.atomic():
            case = services.case_register(
                actor=lead,
                team=team,
                lead_caseworker=lead,
                stage=history.registered_stage(Stage.FOLLOW_UP),
                registered_at=registered,
                identity=identity(rng, now.date(), registered),
                consent={"given_by": "child", "scopes": ["services", "tracing"]},
            )
            services.first_response_record(actor=lead, case=case, seen_version=case.version)
            history.build(
                case=case,
                lead=lead,
                supervisor=supervisors[team.pk],
                guardian=None,
                day=registered.date(),
                target=Stage.FOLLOW_UP,
            )
        if (n + 1) % 50 == 0:
            print(f"  {n + 1} cases through the services", flush=True)
    return len(caseworkers)


def seed_in_bulk(
    count: int, agency: Any, teams: list[Any], caseworkers: list[Any], rng: random.Random
) -> None:
    from django.utils import timezone

    from kinlink.care.models import Guardianship
    from kinlink.cases.models import Case, CasePerson, CaseSequence, Consent, Person, Task
    from kinlink.cases.services import case_name_index
    from kinlink.core.models import NodeSettings

    node = NodeSettings.current()
    now = timezone.now()
    chain = AuditChain()
    by_team: dict[Any, list[Any]] = {}
    for user in caseworkers:
        by_team.setdefault(user.teams.get().pk, []).append(user)
    sequences: dict[int, CaseSequence] = {}
    stages = ["identified"] * 3 + ["immediate_care"] * 3 + ["assessment"] * 4
    made = 0
    while made < count:
        cases, consents, people, links, terms, tasks = [], [], [], [], [], []
        for _ in range(min(BATCH, count - made)):
            team = rng.choice(teams)
            lead = rng.choice(by_team[team.pk])
            registered = now - timedelta(days=rng.randint(0, 5 * 365), minutes=rng.randint(0, 1439))
            values = identity(rng, now.date(), registered)
            year = registered.year
            if year not in sequences:
                sequences[year], _created = CaseSequence.objects.get_or_create(
                    prefix="MA", year=year
                )
            sequence = sequences[year]
            sequence.last += 1
            stage = rng.choice(stages)
            case = Case(
                id=uuid.uuid4(),
                reference=f"MA-{year}-{sequence.last:05d}",
                agency=agency,
                team=team,
                lead_caseworker=lead,
                registered_by=lead,
                first_response_due_at=registered + node.response_time(values["risk_level"]),
                first_response_at=None
                if stage == "identified"
                else registered + timedelta(hours=rng.randint(1, 20)),
                stage=stage,
                name_index=case_name_index(values),
                created_at=registered,
                updated_at=registered,
                **{k: v for k, v in values.items() if v is not None},
            )
            cases.append(case)
            created = {k: [None, v] for k, v in values.items() if v not in (None, "", [])}
            chain.add(actor=lead, obj=case, case_id=case.pk, at=registered, changes=created)
            consent = Consent(
                id=uuid.uuid4(),
                case=case,
                given_by="child",
                scopes=["services", "tracing"],
                given_on=registered.date(),
                language=values["languages"][0],
                recorded_by=lead,
            )
            consents.append(consent)
            chain.add(
                actor=lead,
                obj=consent,
                case_id=case.pk,
                at=registered,
                changes={"given_by": [None, "child"], "scopes": [None, consent.scopes]},
            )
            if values["separation_status"] == "unaccompanied":
                case.guardianship_status = "requested"
                term = Guardianship(
                    id=uuid.uuid4(), case=case, status="requested", requested_on=registered.date()
                )
                terms.append(term)
                chain.add(
                    actor=lead,
                    obj=term,
                    case_id=case.pk,
                    at=registered,
                    changes={"status": [None, "requested"]},
                )
                task = Task(
                    id=uuid.uuid4(),
                    case=case,
                    kind="guardian",
                    title="Have a guardian appointed",
                    due_at=registered + timedelta(days=node.guardian_appointment_days),
                    owner=lead,
                    source_id=term.pk,
                    overdue=registered + timedelta(days=node.guardian_appointment_days) < now,
                )
                tasks.append(task)
                chain.add(
                    actor=None,
                    obj=task,
                    case_id=case.pk,
                    at=registered,
                    changes={"kind": [None, "guardian"]},
                )
            if rng.random() < 0.33:
                person = Person(
                    id=uuid.uuid4(),
                    agency=agency,
                    full_name=f"{rng.choice(['Aminata', 'Halima', 'Mariam', 'Fatima'])} "
                    f"{values['family_name']}",
                    country=values["country_of_origin"],
                    contact="+000 000 000",
                )
                people.append(person)
                link = CasePerson(id=uuid.uuid4(), case=case, person=person, relationship="mother")
                links.append(link)
                chain.add(
                    actor=lead,
                    obj=link,
                    case_id=case.pk,
                    at=registered,
                    changes={"relationship": [None, "mother"]},
                )
        Case.objects.bulk_create(cases, batch_size=BATCH)
        # created_at is auto_now_add: put back the registration times.
        Case.objects.bulk_update(cases, ["created_at", "updated_at"], batch_size=BATCH)
        Consent.objects.bulk_create(consents, batch_size=BATCH)
        Person.objects.bulk_create(people, batch_size=BATCH)
        CasePerson.objects.bulk_create(links, batch_size=BATCH)
        Guardianship.objects.bulk_create(terms, batch_size=BATCH)
        Task.objects.bulk_create(tasks, batch_size=BATCH)
        chain.flush()
        made += len(cases)
        if made % 10_000 < BATCH:
            print(f"  {made} cases in bulk", flush=True)
    for sequence in sequences.values():
        CaseSequence.objects.filter(pk=sequence.pk).update(last=sequence.last)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--followed-up",
        type=int,
        default=200,
        help="caseworkers given a case through the services to follow-up (at most 200)",
    )
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    from kinlink.cases.models import Case
    from kinlink.directory.models import Agency

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if Case.objects.exists():
        print("error: this database already has cases; seed an empty one", file=sys.stderr)
        return 1
    rng = random.Random(9)
    agency = Agency.objects.create(name="Agence nationale (bench)", country="MA", code="bench")
    teams, supervisors, caseworkers = make_people(agency)
    print(f"{len(caseworkers)} caseworkers, {len(supervisors)} supervisors in {len(teams)} teams")
    through_services = seed_through_services(caseworkers[: args.followed_up], supervisors, rng)
    seed_in_bulk(args.cases - through_services, agency, teams, caseworkers, rng)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    elapsed = time.monotonic() - started
    print(f"{Case.objects.count()} cases seeded in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
