"""`SqliteStore`: the alert store in one SQLite file, the embedded default.

Implements `bot.alerts.store.Store` and `OutboxStore`. Each method runs its statements in a
worker thread (`asyncio.to_thread`), so the event loop never waits on the disk; the statements
themselves are `SqliteState` and `SqliteQueue`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.alerts.model import Known, OutboxRow, Outgoing, Posted, Subscription, Thread
from bot.alerts.sqlite.database import Database
from bot.alerts.sqlite.queue import SqliteQueue
from bot.alerts.sqlite.state import SqliteState
from bot.alerts.store import StoreUnavailable
from shared.alerts import Incident, WatchState


class SqliteStore:
    """The alert state and outbox in one SQLite file. Open with `SqliteStore.open(path)`.

    Args:
        db: the opened state file; this store closes it in `close()`.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._state = SqliteState(db)
        self._queue = SqliteQueue(db)

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> SqliteStore:
        """Open the state file at `path`, creating it and its directory on first use.

        Args:
            path: the file.
            clock: wall-clock seconds, for outbox times (they must survive a restart).

        Raises:
            StoreUnavailable: the file cannot be opened or is not a database (the reason in
                the message).
        """
        try:
            return cls(Database.open(path, clock=clock))
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    @property
    def path(self) -> Path:
        return self.db.path

    async def close(self) -> None:
        await asyncio.to_thread(self.db.close)

    # Store ---------------------------------------------------------------------------------

    async def subscriptions(self) -> list[Subscription]:
        return await asyncio.to_thread(self._state.subscriptions)

    async def subscribe(
        self, channel: str, project: str | None, by_user: str, at: datetime
    ) -> bool:
        return await asyncio.to_thread(self._state.subscribe, channel, project, by_user, at)

    async def unsubscribe(self, channel: str, project: str | None = None) -> int:
        return await asyncio.to_thread(self._state.unsubscribe, channel, project)

    async def load_state(self, last: WatchState | None = None) -> WatchState:
        return await asyncio.to_thread(self._state.load_state, last)

    async def known(self, subjects: Sequence[str]) -> Known:
        return await asyncio.to_thread(self._state.known, subjects)

    async def commit_poll(
        self, state: WatchState, threads: Sequence[Thread], messages: Sequence[Outgoing]
    ) -> None:
        await asyncio.to_thread(self._state.commit_poll, state, threads, messages)

    async def incident(self, incident_id: str) -> Incident | None:
        return await asyncio.to_thread(self._state.incident, incident_id)

    async def open_incidents(self) -> list[Incident]:
        return await asyncio.to_thread(self._state.open_incidents)

    async def threads_of(self, subjects: Sequence[str]) -> list[Thread]:
        return await asyncio.to_thread(self._state.threads_of, subjects)

    async def posted(self, subjects: Sequence[str]) -> dict[str, list[Posted]]:
        return await asyncio.to_thread(self._state.posted, subjects)

    async def set_snooze(
        self, incident_id: str, until: datetime, by_user: str, messages: Sequence[Outgoing] = ()
    ) -> None:
        await asyncio.to_thread(self._state.set_snooze, incident_id, until, by_user, messages)

    # OutboxStore ---------------------------------------------------------------------------

    async def enqueue(self, messages: Sequence[Outgoing]) -> None:
        await asyncio.to_thread(self._queue.enqueue, messages)

    async def pending_channels(self) -> list[str]:
        return await asyncio.to_thread(self._queue.pending_channels)

    async def next_pending(self, channel: str) -> OutboxRow | None:
        return await asyncio.to_thread(self._queue.next_pending, channel)

    async def claim(self, row: OutboxRow) -> None:
        await asyncio.to_thread(self._queue.claim, row)

    async def mark_delivered(self, row: OutboxRow, ts: str | None) -> None:
        await asyncio.to_thread(self._queue.mark_delivered, row, ts)

    async def defer(
        self, row: OutboxRow, due_at: float, error: str, *, backoff: bool, in_flight: bool = False
    ) -> None:
        await asyncio.to_thread(
            self._queue.defer, row, due_at, error, backoff=backoff, in_flight=in_flight
        )

    async def drop(self, row: OutboxRow, error: str) -> None:
        await asyncio.to_thread(self._queue.drop, row, error)

    async def counts(self) -> dict[str, int]:
        return await asyncio.to_thread(self._queue.counts)
