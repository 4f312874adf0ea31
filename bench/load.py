"""Load: 200 caseworkers at once on a node on PostgreSQL with 100,000 cases.

    make bench-load          # or: .venv/bin/python bench/load.py [--users 200 --minutes 5]

Run as a script, it: makes the database PGDATABASE (default kinlink_bench) on the PostgreSQL
that the libpq variables point at (the Makefile target starts the project's throw-away
cluster on KINLINK_TEST_PGPORT); seeds it with bench/seed_scale.py when it has no case; collects
the static files; starts the node as in production (DEBUG off, `--processes` waitress
processes and one `kinlink worker`); runs locust headless against it; stops everything and
prints p50/p95/p99 per kind of request, the error rate, and each aim with PASS or FAIL. It
exits 0 whatever the figures: a benchmark reports, it does not gate.

Loaded by locust (`locust -f bench/load.py`), it is the locustfile: each simulated
caseworker signs in as one of cw001-cw200 and then, with a few seconds' thought between
actions, opens My day, browses her cases and her team's (page after page), opens cases,
searches by name, and reports on her follow-up visits (form, then save).

Each user is bound to one of the node's processes in turn, as a reverse proxy would spread
them. Statistics are reset once every user has signed in: the figures are for the working
period, the sign-ins (a million PBKDF2 rounds each) are reported apart.
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import itertools
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "bench"))
FIRST_PORT = 18_100
CASE_LINK = re.compile(r'href="(/cases/[0-9a-f-]{36}/)"')
VISIT_LINK = re.compile(
    r'href="(/cases/[0-9a-f-]{36}/plans/follow-up/visits/[0-9a-f-]{36}/report/)"'
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
SEARCHES = ["Diallo", "Mamadou Bah", "Tesfaye", "Yonas", "Haddad", "Rahimi", "Garcia",
            "Khalid Darwish", "Traore", "Mohammad Noori", "Sylla", "Kidane"]  # fmt: skip
READS = ["my day", "case list (mine)", "case list (team, page n)", "open case", "visit form"]
WRITES = ["save visit"]
SEARCH = ["search"]
AIMS = {"reads": 500, "writes": 1000, "searches": 1000}  # p95, ms
AIM_P99 = 2000
AIM_ERRORS = 0.001

from seed_scale import BENCH_PASSWORD, bench_totp_key  # noqa: E402 (bench/ is on the path)

try:
    from locust import HttpUser, between, task  # first: it patches threading

    from django_otp.oath import TOTP  # isort: skip
except ImportError:  # the runner tells how to install it
    HttpUser = None  # type: ignore[assignment,misc]


if HttpUser is not None:
    USERS = itertools.count(1)
    PROCESSES = int(os.environ.get("KINLINK_BENCH_PROCESSES", "1"))

    def _send_secure_cookies(policy: object, cookie: object, request: object) -> bool:
        return True

    # The node sets Secure cookies (TLS ends at its proxy); the bench speaks plain HTTP on
    # loopback, with X-Forwarded-Proto: https as the proxy would send. requests copies the
    # session's cookies into a jar of the default policy for every request, so the policy
    # is relaxed for every jar of this process (the locust process only).
    http.cookiejar.DefaultCookiePolicy.return_ok_secure = _send_secure_cookies  # type: ignore[method-assign,assignment]

    class Caseworker(HttpUser):
        # A caseworker reads what she opened before the next click: 5 to 20 seconds.
        wait_time = between(
            float(os.environ.get("KINLINK_BENCH_THINK_MIN", "5")),
            float(os.environ.get("KINLINK_BENCH_THINK_MAX", "20")),
        )

        def on_start(self) -> None:
            number = next(USERS)
            self.username = f"cw{(number - 1) % 200 + 1:03d}"
            port = FIRST_PORT + (number - 1) % PROCESSES
            self.client.base_url = f"http://127.0.0.1:{port}"
            self.client.headers["X-Forwarded-Proto"] = "https"
            self.cases: list[str] = []
            self.visits: list[str] = []
            page = self.client.get("/accounts/login/", name="sign-in")
            self.client.post(
                "/accounts/login/",
                {"username": self.username, "password": BENCH_PASSWORD, **self.token(page.text)},
                name="sign-in",
                headers=self.referer("/accounts/login/"),
            )
            # Every account has an authenticator (seed_scale.bench_totp_key): the code, as
            # the caseworker's phone would show it.
            second = self.client.get("/accounts/second-factor/", name="sign-in")
            self.client.post(
                "/accounts/second-factor/",
                {"code": TOTP(bench_totp_key(self.username)).token(), **self.token(second.text)},
                name="sign-in",
                headers=self.referer("/accounts/second-factor/"),
            )
            follow_ups = self.client.get("/cases/?stage=follow_up&scope=mine", name="sign-in")
            for case in CASE_LINK.findall(follow_ups.text)[:1]:
                self.visits = VISIT_LINK.findall(self.client.get(case, name="sign-in").text)
            _signed_in(self)

        def token(self, html: str) -> dict[str, str]:
            found = CSRF.search(html)
            return {"csrfmiddlewaretoken": found.group(1)} if found else {}

        def referer(self, path: str) -> dict[str, str]:
            # What the browser sends through the proxy: an https address (Django refuses an
            # insecure Referer on a secure request).
            return {"Referer": f"{self.client.base_url.replace('http:', 'https:', 1)}{path}"}

        @task(3)
        def my_day(self) -> None:
            self.client.get("/cases/my-day/", name="my day")

        @task(4)
        def my_cases(self) -> None:
            page = self.client.get("/cases/", name="case list (mine)")
            self.cases = CASE_LINK.findall(page.text) or self.cases

        @task(2)
        def team_cases(self) -> None:
            number = random.randint(1, 40)
            page = self.client.get(
                f"/cases/?scope=team&page={number}", name="case list (team, page n)"
            )
            self.cases = CASE_LINK.findall(page.text) or self.cases

        @task(6)
        def open_case(self) -> None:
            if self.cases:
                self.client.get(random.choice(self.cases), name="open case")

        @task(2)
        def search(self) -> None:
            page = self.client.get("/cases/", name="case list (mine)")
            self.client.post(
                "/cases/",
                {"q": random.choice(SEARCHES), "scope": "team", **self.token(page.text)},
                name="search",
                headers=self.referer("/cases/"),
            )

        @task(1)
        def save_visit(self) -> None:
            if not self.visits:
                return
            path = self.visits.pop(0)
            form = self.client.get(path, name="visit form")
            version = VERSION.search(form.text)
            with self.client.post(
                path,
                {
                    **self.token(form.text),
                    "version": version.group(1) if version else "1",
                    "visited_on": time.strftime("%Y-%m-%d"),
                    "child_seen": "on",
                    "well_being": "Settled, eating and sleeping well.",
                    "school": "Attends the vocational centre.",
                    "further_visits_needed": "on",
                },
                name="save visit",
                headers=self.referer(path),
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"answered {response.status_code}, not a redirect")

    SIGNED_IN = itertools.count(1)

    def _signed_in(user: HttpUser) -> None:
        """Statistics start once the last caseworker has signed in (and read her first
        follow-up case): the sign-ins, a million PBKDF2 rounds each, are reported apart."""
        expected = int(os.environ.get("KINLINK_BENCH_USERS", "200"))
        if next(SIGNED_IN) == expected:
            user.environment.stats.reset_all()
            print(f"{expected} caseworkers signed in; measuring from now", flush=True)


# --- the runner ------------------------------------------------------------------------------


def run(command: list[str], env: dict[str, str], check: bool = True, **kwargs: object) -> None:
    subprocess.run(command, env=env, check=check, cwd=PROJECT, **kwargs)  # type: ignore[call-overload]


def ensure_database(env: dict[str, str]) -> None:
    import psycopg

    name = env["PGDATABASE"]
    with psycopg.connect(dbname="postgres", autocommit=True) as connection:
        if not Path(env["KINLINK_KEYS_DIR"]).exists():
            # Seeded under keys that are gone: its encrypted fields cannot be read.
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def has_cases(env: dict[str, str]) -> bool:
    import psycopg

    with psycopg.connect(dbname=env["PGDATABASE"]) as connection:
        exists = connection.execute("SELECT to_regclass('cases_case')").fetchone()
        if not exists or exists[0] is None:
            return False
        row = connection.execute("SELECT count(*) FROM cases_case").fetchone()
        return bool(row and row[0])


def keys_dir(database: str) -> Path:
    """Where the key-encryption keys of the benchmark's database are kept between runs."""
    port = os.environ.get("PGPORT", "5432")
    return PROJECT / "var" / "bench-load" / f"{database}-{port}" / "keys"


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            # As the proxy would say: TLS ended there (the node redirects plain HTTP).
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the node on port {port} did not answer")


def percentile_rows(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def report(
    rows: list[dict[str, str]], minutes: float, users: int, processes: int, think: str
) -> None:
    print(
        f"\nLoad: {users} caseworkers, {think} s between actions, {minutes:g} min after the "
        f"last sign-in, {processes} waitress process(es) + 1 worker, PostgreSQL, "
        f"{os.cpu_count()} cores shared with locust"
    )
    header = f"{'request':<28} {'count':>7} {'fail':>5} {'req/s':>6}"
    header += f" {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"
    print(header + "   (ms)")
    print("-" * len(header))
    by_name = {row["Name"]: row for row in rows}
    for row in rows:
        if row["Name"] == "Aggregated" or not int(row["Request Count"]):
            continue  # the sign-ins are over before the measured period
        print(
            f"{row['Name']:<28} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{float(row['Requests/s']):>6.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
            f"{float(row['Max Response Time']):>6.0f}"
        )
    total = by_name.get("Aggregated")
    if not total:
        print("no request was made")
        return
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    rate = failures / requests if requests else 0.0
    print("-" * len(header))
    print(f"{'all':<28} {requests:>7} {failures:>5} {float(total['Requests/s']):>6.1f}")
    print("\nAims")
    for kind, names in (("reads", READS), ("writes", WRITES), ("searches", SEARCH)):
        for name in names:
            row = by_name.get(name)
            if not row or not int(row["Request Count"]):
                print(f"  ----  {name}: no request")
                continue
            p95, p99 = float(row["95%"]), float(row["99%"])
            verdict = "PASS" if p95 <= AIMS[kind] and p99 <= AIM_P99 else "FAIL"
            print(
                f"  {verdict}  {name:<26} p95 {p95:>5.0f} ms (aim {AIMS[kind]}), "
                f"p99 {p99:>5.0f} ms (aim {AIM_P99})"
            )
    verdict = "PASS" if rate < AIM_ERRORS else "FAIL"
    print(f"  {verdict}  errors {rate:.3%} (aim < {AIM_ERRORS:.1%})")


def main() -> int:
    parser = argparse.ArgumentParser(description="200 caseworkers on a node with 100,000 cases")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=1.0, help="sign-ins per second")
    parser.add_argument("--think", default="5-20", help="seconds between two actions: MIN-MAX")
    parser.add_argument("--minutes", type=float, default=5.0, help="measured period")
    parser.add_argument("--processes", type=int, default=2, help="waitress processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per process")
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed")
    parser.add_argument("--followed-up", type=int, default=200, help="see seed_scale.py")
    args = parser.parse_args()
    if HttpUser is None:
        print("locust is missing: `make bench-load` installs requirements-bench.txt")
        return 0
    bin_dir = Path(sys.executable).parent
    workdir = Path(tempfile.mkdtemp(prefix="kinlink-load-"))
    database = os.environ.get("PGDATABASE_BENCH", "kinlink_bench")
    env = {
        **os.environ,
        "KINLINK_DB": "postgresql",
        "PGDATABASE": database,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "KINLINK_SECRET_KEY": secrets.token_urlsafe(50),
        "KINLINK_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KINLINK_STATIC_ROOT": str(workdir / "static"),
        # The keys live as long as the database they encrypt: a second run reads the cases
        # the first one seeded.
        "KINLINK_KEYS_DIR": str(keys_dir(database)),
        "KINLINK_LOG_LEVEL": "WARNING",
        "KINLINK_BENCH_PROCESSES": str(args.processes),
        "KINLINK_BENCH_USERS": str(args.users),
        "KINLINK_BENCH_THINK_MIN": args.think.partition("-")[0],
        "KINLINK_BENCH_THINK_MAX": args.think.partition("-")[2] or args.think,
    }
    env.pop("KINLINK_DEBUG", None)
    env.pop("KINLINK_DEMO", None)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        ensure_database(env)
        if not has_cases(env):
            print(f"Seeding {args.cases} cases (once per database)…", flush=True)
            seed = ["bench/seed_scale.py", f"--cases={args.cases}"]
            run([sys.executable, *seed, f"--followed-up={args.followed_up}"], env)
        run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env)
        run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], env)
        log = (workdir / "node.log").open("wb")
        for n in range(args.processes):
            port = FIRST_PORT + n
            processes.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "waitress-serve"),
                        f"--listen=127.0.0.1:{port}",
                        f"--threads={args.threads}",
                        "--connection-limit=400",
                        # As docs/deployment.md: the proxy's X-Forwarded-Proto is believed.
                        "--trusted-proxy=127.0.0.1",
                        "--trusted-proxy-headers=x-forwarded-proto",
                        "config.wsgi:application",
                    ],
                    env=env,
                    cwd=PROJECT,
                    stdout=log,
                    stderr=log,
                )
            )
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "worker"],
                env=env,
                cwd=PROJECT,
                stdout=log,
                stderr=log,
            )
        )
        try:
            for n in range(args.processes):
                wait_until_up(FIRST_PORT + n)
        except RuntimeError:
            log.flush()
            print((workdir / "node.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        ramp = args.users / args.spawn_rate
        # The last sign-ins finish a little after the ramp (their PBKDF2 queues): a minute's
        # margin, so that about `--minutes` are measured after the last one.
        run_time = int(ramp + 60 + args.minutes * 60)
        prefix = workdir / "locust"
        run(
            [
                str(bin_dir / "locust"),
                "-f",
                str(Path(__file__).resolve()),
                "--headless",
                "--host",
                f"http://127.0.0.1:{FIRST_PORT}",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                f"{run_time}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "10",
            ],
            env,
            stdout=subprocess.DEVNULL,
            check=False,  # locust exits 1 when any request failed: the report says which
        )
        report(
            percentile_rows(Path(f"{prefix}_stats.csv")),
            args.minutes,
            args.users,
            args.processes,
            args.think,
        )
        errors = (workdir / "node.log").read_text(errors="replace").count("Traceback")
        print(f"server tracebacks in the node's log: {errors}")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
