"""Crash points for the fault-injection tests of the exchange between nodes.

`crash_point("name")` ends the process at once (as a power cut or `kill -9` would: no clean-up,
no response) when a debug node was started with `KINLINK_FAULTS` naming that point. On a
production node (debug off) it does nothing, whatever the environment says.
"""

from __future__ import annotations

import os

from django.conf import settings


def crash_point(name: str) -> None:
    if not settings.DEBUG:
        return
    wanted = os.environ.get("KINLINK_FAULTS", "")
    if name in {part.strip() for part in wanted.split(",")}:
        os._exit(137)
