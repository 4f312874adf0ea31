from __future__ import annotations

from typing import Any

import pytest

from kinlink.exchange import keys
from kinlink.exchange.tests.support import SimulatedPeer, register_simulated_peer


@pytest.fixture
def node_keys(settings: Any, tmp_path: Any) -> keys.KeyRing:
    """This node's key ring, in a folder of the test's own."""
    settings.KINLINK_KEYS_DIR = tmp_path / "keys"
    settings.KINLINK_NODE_ID = "ma-test"
    return keys.init()


@pytest.fixture
def guinea(node_keys: keys.KeyRing, db: Any) -> SimulatedPeer:
    return register_simulated_peer()
