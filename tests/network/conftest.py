"""Two Kinlink nodes on loopback, each its own processes and database, peers of each other:
`morocco` (MA) and `guinea` (GN). Built once per test session; a test that kills or restarts
a process leaves the network running cleanly again (`network` re-checks before each test)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.network.harness import Node, migrated_template


@pytest.fixture(scope="session")
def nodes(tmp_path_factory: Any) -> Iterator[dict[str, Node]]:
    folder = tmp_path_factory.mktemp("network")
    template = migrated_template(folder)
    morocco = Node("morocco", "MA", folder / "morocco")
    guinea = Node("guinea", "GN", folder / "guinea")
    for node in (morocco, guinea):
        node.create(template)
        node.start_server()
    morocco.register(guinea)
    guinea.register(morocco)
    for node in (morocco, guinea):
        node.start_worker()
    yield {"morocco": morocco, "guinea": guinea}
    for node in (morocco, guinea):
        node.stop()


@pytest.fixture
def network(nodes: dict[str, Node]) -> dict[str, Node]:
    """The network with every process running, without faults."""
    for node in nodes.values():
        if node.server is None or node.server.poll() is not None:
            node.start_server()
        if node.worker is None or node.worker.poll() is not None:
            node.start_worker()
    return nodes


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """The nodes run on their own SQLite files whatever database the suite uses: the
    PostgreSQL half of `make test` would only run them a second time."""
    import os

    if os.environ.get("KINLINK_DB") == "postgresql":
        skip = pytest.mark.skip(reason="network tests run once, in the SQLite half")
        for item in items:
            if "tests/network/" in str(item.fspath):
                item.add_marker(skip)
