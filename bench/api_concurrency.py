"""50 writers x 200 edits of one case through the REST API, on PostgreSQL: prints how many
edits were applied and refused (412) and how long it took; the test asserts none is lost.

    make bench-api    (KINLINK_API_WRITERS / KINLINK_API_EDITS change the figures)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

env = {
    **os.environ,
    "KINLINK_API_WRITERS": os.environ.get("KINLINK_API_WRITERS", "50"),
    "KINLINK_API_EDITS": os.environ.get("KINLINK_API_EDITS", "200"),
}
started = time.monotonic()
result = subprocess.run(
    [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "kinlink/api/tests/test_concurrent_writers.py",
    ],
    env=env,
    check=False,
)
elapsed = time.monotonic() - started
total = int(env["KINLINK_API_WRITERS"]) * int(env["KINLINK_API_EDITS"])
print(
    f"{total} edit attempts (GET + PATCH each) in {elapsed:.1f} s "
    f"= {2 * total / elapsed:.0f} requests/s, test "
    f"{'passed' if result.returncode == 0 else 'FAILED'}"
)
sys.exit(result.returncode)
