"""Directory test helpers: the shipped directory file, loaded once per test that asks."""

from __future__ import annotations

from typing import Any

import pytest

from kinlink.directory.interchange import latest_shipped_file
from kinlink.directory.services import directory_import


@pytest.fixture
def shipped(db: Any) -> Any:
    """The directory Kinlink ships, as a new node loads it."""
    path = latest_shipped_file()
    return directory_import(actor=None, text=path.read_text(encoding="utf-8"), origin=path.name)
