"""Dashboards over 100,000 cases: render time and query count, on PostgreSQL.

It creates a throw-away database (`bench_<name>`, apart from the test suite's), seeds
`--cases` cases (100,000 by default) spread over three years and two teams, with guardians,
assessments, decisions, follow-up visits, tasks and approvals in proportion, then renders the
supervisor's team dashboard, the node dashboard (supervisor and analyst) and the network
dashboard through the test client, `--runs` times each, and prints the best and median time
and the number of queries. It gates nothing: it fails only if a page does not render.

    make bench-dashboard                      # PostgreSQL cluster started for it
    KINLINK_DB=postgresql .venv/bin/python bench/dashboard.py --cases 20000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("KINLINK_DEBUG", "1")

BATCH = 5000
TYPES = ["uasc_host", "uasc_host", "uasc_host", "return_receiving", "left_behind", "xb_placement"]
STAGES = [
    "identified",
    "immediate_care",
    "assessment",
    "interim_care",
    "family_evaluation",
    "solution_determination",
    "implementation",
    "follow_up",
    "closed",
    "closed",
]
NATIONALITIES = ["GN", "ML", "SN", "CI", "SD", "ER", "AF", "SY", "MA", "DZ"]


def seed(count: int) -> tuple[object, object]:
    from django.utils import timezone

    from kinlink.accounts.models import Team, User
    from kinlink.assessments.models import Assessment, BestInterestsDetermination
    from kinlink.care.models import Guardianship
    from kinlink.cases.models import Approval, Case, Task
    from kinlink.directory.models import Agency
    from kinlink.plans.models import FollowUpPlan, FollowUpVisit

    rng = random.Random(7)
    agency = Agency.objects.create(name="Bench agency", country="MA", code="bench")
    teams = [Team.objects.create(agency=agency, name=f"Team {n}") for n in range(2)]
    supervisor = User.objects.create(
        username="bench_supervisor",
        full_name="Bench Supervisor",
        role="supervisor",
        agency=agency,
    )
    supervisor.teams.set(teams)
    caseworker = User.objects.create(
        username="bench_caseworker",
        full_name="Bench Caseworker",
        role="caseworker",
        agency=agency,
    )
    analyst = User.objects.create(
        username="bench_analyst", full_name="Bench Analyst", role="analyst", agency=agency
    )
    today = timezone.localdate()
    now = timezone.now()
    started = time.monotonic()
    case_ids: list[tuple[uuid.UUID, date]] = []
    for offset in range(0, count, BATCH):
        rows = []
        for n in range(offset, min(count, offset + BATCH)):
            referral = today - timedelta(days=rng.randrange(0, 3 * 365))
            case_id = uuid.uuid4()
            case_ids.append((case_id, referral))
            rows.append(
                Case(
                    id=case_id,
                    reference=f"BN-{referral.year}-{n:06d}",
                    agency=agency,
                    team=teams[n % 2],
                    lead_caseworker=caseworker,
                    registered_by=caseworker,
                    given_name="Bench",
                    family_name=f"Child{n}",
                    sex=rng.choice(["male", "male", "male", "female"]),
                    age_estimate=rng.randrange(8, 18),
                    nationalities=[rng.choice(NATIONALITIES)],
                    case_type=rng.choice(TYPES),
                    separation_status="unaccompanied",
                    referral_source="border_police",
                    referral_date=referral,
                    risk_level=rng.choice(["high", "medium", "low"]),
                    first_response_due_at=now - timedelta(days=rng.randrange(-5, 30)),
                    first_response_at=now if rng.random() < 0.8 else None,
                    stage=rng.choice(STAGES),
                    hold="missing" if rng.random() < 0.01 else "",
                )
            )
        Case.objects.bulk_create(rows)
    guardianships, assessments, bids, tasks, approvals = [], [], [], [], []
    for case_id, referral in case_ids:
        if rng.random() < 0.6:
            appointed = referral + timedelta(days=rng.randrange(0, 40))
            guardianships.append(
                Guardianship(
                    case_id=case_id,
                    status="appointed",
                    requested_on=referral,
                    appointed_on=min(appointed, today),
                    guardian_name="Guardian",
                )
            )
        if rng.random() < 0.7:
            assessments.append(
                Assessment(
                    case_id=case_id,
                    kind="initial",
                    recommendation="Bench",
                    completed_on=min(today, referral + timedelta(days=rng.randrange(0, 30))),
                    author=caseworker,
                )
            )
        if rng.random() < 0.2:
            bids.append(
                BestInterestsDetermination(
                    case_id=case_id,
                    report="Bench",
                    author=caseworker,
                    status="decided",
                    solution=rng.choice(["return", "host", "third_country"]),
                    decided_on=min(today, referral + timedelta(days=rng.randrange(20, 200))),
                )
            )
        if rng.random() < 0.3:
            tasks.append(
                Task(
                    case_id=case_id,
                    kind="other",
                    title="Bench task",
                    owner=caseworker,
                    due_at=now + timedelta(days=rng.randrange(-30, 30)),
                    overdue=rng.random() < 0.3,
                )
            )
        if rng.random() < 0.02:
            approvals.append(
                Approval(
                    case_id=case_id,
                    subject="closure",
                    object_id=uuid.uuid4(),
                    requested_by=caseworker,
                )
            )
    for model, objects in (
        (Guardianship, guardianships),
        (Assessment, assessments),
        (BestInterestsDetermination, bids),
        (Task, tasks),
        (Approval, approvals),
    ):
        model.objects.bulk_create(objects, batch_size=BATCH)  # type: ignore[attr-defined]
    plans, visits = [], []
    for case_id, referral in case_ids[: count // 10]:
        plan = FollowUpPlan(
            case_id=case_id,
            template="custom",
            start_on=referral,
            interval_days=30,
            months=3,
            owner=caseworker,
            created_by=caseworker,
        )
        plans.append(plan)
        for number in range(1, 4):
            due = referral + timedelta(days=30 * number)
            done = due + timedelta(days=rng.randrange(-5, 10)) if due <= today else None
            visits.append(
                FollowUpVisit(plan=plan, case_id=case_id, number=number, due_on=due, done_on=done)
            )
    FollowUpPlan.objects.bulk_create(plans, batch_size=BATCH)
    FollowUpVisit.objects.bulk_create(visits, batch_size=BATCH)
    print(
        f"seeded {count:,} cases, {len(guardianships):,} guardianships, "
        f"{len(assessments):,} assessments, {len(bids):,} decisions, {len(tasks):,} tasks, "
        f"{len(visits):,} visits in {time.monotonic() - started:.1f} s"
    )
    return supervisor, analyst


def measure(client: object, user: object, url: str, runs: int) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kinlink.accounts.mfa import MFA_VERIFIED_AT

    client.force_login(user)  # type: ignore[attr-defined]
    # As after the second factor (every account that sees case data has one on a real node).
    session = client.session  # type: ignore[attr-defined]
    session[MFA_VERIFIED_AT] = timezone.now().isoformat()
    session.save()
    times = []
    queries = 0
    size = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.monotonic()
            response = client.get(url)  # type: ignore[attr-defined]
            times.append(time.monotonic() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
        size = len(response.content)
    return min(times), statistics.median(times), queries, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    print(f"database: {connection.vendor}")
    old_name = connection.settings_dict["NAME"]
    # Its own name, so that the benchmark never drops the test suite's database.
    connection.settings_dict["TEST"]["NAME"] = f"bench_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        supervisor, analyst = seed(args.cases)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        client = Client()
        year = date.today().replace(month=1, day=1).isoformat()
        print(f"{'page':<44} {'best s':>7} {'median s':>9} {'queries':>8} {'bytes':>8}")
        for label, user, url in (
            ("team dashboard (supervisor, this year)", supervisor, f"/reports/team/?start={year}"),
            ("node dashboard (supervisor, this year)", supervisor, f"/reports/node/?start={year}"),
            ("node dashboard (analyst, this year)", analyst, f"/reports/node/?start={year}"),
            ("node dashboard (analyst, three years)", analyst, "/reports/node/?start=2020-01-01"),
            ("network dashboard (analyst, this month)", analyst, "/reports/network/"),
        ):
            best, median, queries, size = measure(client, user, url, args.runs)
            print(f"{label:<44} {best:7.2f} {median:9.2f} {queries:8d} {size:8d}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
