"""The two alert stores the contract suites run against: SQLite (a file) and PostgreSQL (a
database on the session's real server, `tests.postgres`).

    async def test_...(backend: Backend) -> None:
        store = await backend.open()      # again after close(): "the process restarted"
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.alerts.postgres import PostgresStore
from bot.alerts.sqlite import SqliteStore
from bot.alerts.store import AlertStore

BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Backend:
    """How to open one store, as often as a test restarts it."""

    name: str
    opener: Callable[[], Awaitable[AlertStore]]

    async def open(self) -> AlertStore:
        return await self.opener()


def backend_for(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """The backend named by `request.param`; PostgreSQL gets a fresh database."""
    if request.param == "sqlite":
        path = tmp_path / "state.db"

        async def open_sqlite() -> AlertStore:
            return SqliteStore.open(path)

        return Backend("sqlite", open_sqlite)
    url: str = request.getfixturevalue("postgres_url")

    async def open_postgres() -> AlertStore:
        return await PostgresStore.open(url, timeout_s=5.0)

    return Backend("postgresql", open_postgres)
