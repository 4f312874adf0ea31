"""Loaded by pytest before Django starts (`-p tests.pytest_env`): tests run as a debug node."""

import os

os.environ.setdefault("KINLINK_DEBUG", "1")

# Each test run has data keys of its own (made on first use, as on a development node).
import tempfile

os.environ.setdefault("KINLINK_DATA_KEYS_DIR", tempfile.mkdtemp(prefix="kinlink-data-keys-"))
