"""`kinlink worker`: runs queued background tasks and schedules the periodic jobs.

Periodic jobs (settings.KINLINK_PERIODIC_JOBS) are enqueued when their interval has passed;
then every queued task is run by django-tasks-db's worker, in batch mode, and the loop sleeps.
Run one worker per node: the queue hands each task out once, but each worker schedules the
periodic jobs on its own clock, so a second worker would run them twice as often.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between two looks at the queue"
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="schedule what is due, run the queue empty, and stop",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.running = True
        self._listen()
        last_run: dict[str, float] = {}
        while self.running:
            now = time.monotonic()
            for path, every in settings.KINLINK_PERIODIC_JOBS.items():
                if now - last_run.get(path, -every) >= every:
                    import_string(path).enqueue()
                    last_run[path] = now
            call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
            # db_worker installs its own signal handlers: take ours back so a stop is heard.
            self._listen()
            if options["once"]:
                break
            time.sleep(options["interval"])

    def _listen(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False
