"""The alert tests' world, for every `tests/e2e/test_alerts_*.py` and
`test_socket_mode_replicas.py`: an empty simulator, a fake Slack and the bot alerting to `ALERTS`
(see `tests/e2e/alert_world.py`). A test file that needs another world defines its own `world`
fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clusters_devkit.world import World
from tests.e2e.alert_world import alert_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with alert_world(tmp_path) as w:
        yield w
