"""Fixtures for the outbox tests: a fake Slack, and a sender on a fresh state file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.alerts.sqlite import SqliteStore
from clusters_devkit import FakeSlack
from tests.bot.alerts.sending import TOKEN, Sender


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def sender(tmp_path: Path, slack: FakeSlack) -> AsyncIterator[Sender]:
    store = SqliteStore.open(tmp_path / "state.db")
    s = Sender(store, slack)
    yield s
    await s.stop()
    await store.close()
