"""Fixtures for the alert tests: a fake Slack, a sender on a fresh state file, and the store
contract's `backend` and `store` (each test once on SQLite, once on PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.alerts.sqlite import SqliteStore
from bot.alerts.store import AlertStore
from clusters_devkit import FakeSlack
from tests.bot.alerts.backends import BACKENDS, Backend, backend_for
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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return backend_for(request, tmp_path)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[AlertStore]:
    opened = await backend.open()
    yield opened
    await opened.close()
