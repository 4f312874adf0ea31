"""Loaded by pytest before Django starts (`-p tests.pytest_env`): tests run as a debug node."""

import os

os.environ.setdefault("KINLINK_DEBUG", "1")
