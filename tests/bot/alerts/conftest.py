"""Fixtures for the alert tests: a fake Slack, a sender on a fresh state file, the store
contract's `backend` and `store` (each test once on SQLite, once on PostgreSQL), and `alerts`,
the whole service in-process on the requesting module's `simulator`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from bot.alerts.sqlite import SqliteStore
from bot.alerts.store import AlertStore
from clusters_devkit import FakeSlack
from shared.simulator import simulator_state
from tests.bot.alerts.backends import BACKENDS, Backend, backend_for
from tests.bot.alerts.harness import Alerts
from tests.bot.alerts.sending import TOKEN, Sender
from tests.bot.slack_app import BotUnderTest


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


@pytest.fixture
async def alerts(
    make_bot: Callable[..., BotUnderTest],
    fake_slack: FakeSlack,
    simulator: Starlette,
    tmp_path: Path,
) -> AsyncIterator[Alerts]:
    """The alert service beside the bot, on the requesting module's `simulator`; stopped after."""
    a = Alerts(make_bot, fake_slack, simulator_state(simulator), simulator, tmp_path / "state.db")
    yield a
    await a.stop()
