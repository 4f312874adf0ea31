"""Kinlink nodes as real processes on loopback, for the exchange's integration tests, the
network demonstration and the soak benchmark.

Each node has its own folder (SQLite database, key ring), its own web server (waitress, as in
production) and its own worker, started and killed like any process. Tests act on a node as
its staff would, through the services, by running Python in the node's own environment
(`Node.py`), and across nodes only through HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
WAITRESS = str(Path(PYTHON).with_name("waitress-serve"))

PRELUDE = """
import json
from kinlink.accounts.models import User
from kinlink.cases.models import Case
from kinlink.cases.workflow import approval_decide, pending_approval
from kinlink.exchange import requests as x, receiving as rx, outbox
from kinlink.exchange.models import *
def person(role):
    return User.objects.filter(role=role).order_by("username").first()
caseworker, supervisor, admin = person("caseworker"), person("supervisor"), person("node_admin")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def migrated_template(folder: Path) -> Path:
    """A migrated, empty database to copy for each node (migrating once is the slow part)."""
    template = folder / "template.sqlite3"
    if not template.exists():
        env = _base_env() | {"KINLINK_SQLITE_PATH": str(template)}
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return template


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KINLINK_", "PG"))}
    env |= {
        "KINLINK_DEBUG": "1",
        "KINLINK_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    return env


@dataclass
class Node:
    """One node: `country` names its agency; `port` its address on loopback."""

    name: str
    country: str
    folder: Path
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    fast_retries: bool = True
    startup_seconds: float = 30  # a loaded machine may need more

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def node_id(self) -> str:
        return f"{self.country.lower()}-{self.name}"

    def env(self, faults: str = "") -> dict[str, str]:
        env = _base_env() | {
            "KINLINK_SQLITE_PATH": str(self.folder / "db.sqlite3"),
            "KINLINK_KEYS_DIR": str(self.folder / "keys"),
            "KINLINK_NODE_ID": self.node_id,
            "KINLINK_NODE_URL": self.url,
            "KINLINK_NODE_PREFIX": self.country,
            "KINLINK_SECRET_KEY": f"test-secret-{self.name}-" + "x" * 40,
        }
        if self.fast_retries:
            env |= {
                "KINLINK_EXCHANGE_RETRY_BASE": "0.5",
                "KINLINK_EXCHANGE_RETRY_CAP": "2",
                "KINLINK_EXCHANGE_TIMEOUT": "5",
            }
        if faults:
            env["KINLINK_FAULTS"] = faults
        return env

    # --- set-up ----------------------------------------------------------------------------

    def create(self, template: Path, *, generic: bool = True, full_demo: bool = False) -> None:
        """A new node from the migrated template: its keys, then its agency and people —
        generic personas (caseworker, supervisor, admin), the country's demo personas, or
        the full demonstration node (`load_demo`)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, self.folder / "db.sqlite3")
        self.manage("keys_init")
        if full_demo:
            self.manage("load_demo")
            return
        args = ["load_network_node", "--country", self.country]
        self.manage(*args, *(["--generic"] if generic else []))

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{self.name}: manage.py {args[0]} failed:\n{result.stderr}")
        return result.stdout

    def fingerprint(self) -> str:
        return self.manage("keys_show").split("Fingerprint:")[1].strip()

    def register(self, other: Node, *, name: str = "", admin: str = "admin") -> None:
        """Register `other` as a peer here, confirming the fingerprint read from it, as the
        administrator `admin` of this node."""
        self.manage(
            "peer_add",
            other.url,
            "--name",
            name or f"Agency {other.country}",
            "--country",
            other.country,
            "--fingerprint",
            other.fingerprint(),
            "--admin",
            admin,
        )

    # --- processes -------------------------------------------------------------------------

    def start_server(self, faults: str = "") -> None:
        self.server = subprocess.Popen(
            [WAITRESS, f"--listen=127.0.0.1:{self.port}", "--threads=4", "config.wsgi:application"],
            cwd=ROOT,
            env=self.env(faults),
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "server.log", "ab"),  # noqa: SIM115 -- lives with the process
        )
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.server.poll() is not None:
                raise RuntimeError(f"{self.name}: the server stopped at start")
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: the server did not start")

    def start_worker(self, faults: str = "") -> None:
        self.worker = subprocess.Popen(
            [PYTHON, "manage.py", "worker", "--interval", "0.3"],
            cwd=ROOT,
            env=self.env(faults),
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "worker.log", "ab"),  # noqa: SIM115
        )

    @staticmethod
    def _kill(process: subprocess.Popen[bytes] | None) -> None:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    def kill_server(self) -> None:
        self._kill(self.server)
        self.server = None

    def kill_worker(self) -> None:
        self._kill(self.worker)
        self.worker = None

    def stop(self) -> None:
        self.kill_worker()
        self.kill_server()

    # --- acting on the node ----------------------------------------------------------------

    @contextlib.contextmanager
    def database(self) -> Iterator[sqlite3.Connection]:
        """The node's database, read-only, for tests to observe what it holds."""
        uri = f"file:{self.folder / 'db.sqlite3'}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=20)
        try:
            yield connection
        finally:
            connection.close()

    def py(self, code: str) -> Any:
        """Run `code` in the node's environment (with PRELUDE's names); it sets `result`,
        which comes back through JSON."""
        program = (
            PRELUDE + textwrap.dedent(code) + "\nprint('@@' + json.dumps(result, default=str))"
        )
        out = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", program],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if out.returncode != 0 or "@@" not in out.stdout:
            raise RuntimeError(f"{self.name}: {out.stderr[-3000:]}")
        return json.loads(out.stdout.rsplit("@@", 1)[1])


def wait_for(predicate: Any, *, timeout: float = 60, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: last value {value!r}")
        time.sleep(every)


class Relay:
    """A TCP relay between two nodes, to cut and restore the link between them."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                PYTHON,
                str(Path(__file__).with_name("relay.py")),
                str(self.port),
                str(self.target_port),
            ]
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("relay did not start")

    def cut(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def json_dumps(value: Any) -> str:
    return json.dumps(value)
