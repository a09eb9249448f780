"""`SqliteStore`: the alert store in one SQLite file, the embedded default.

Implements `bot.alerts.store.Store`, `OutboxStore` and the lease (`bot.alerts.lease`). Each
method runs its statements in a worker thread (`asyncio.to_thread`), so the event loop never
waits on the disk; the statements themselves are `SqliteState`, `SqliteQueue`,
`SqliteQuarantine` and `SqliteUpkeep`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.alerts import model
from bot.alerts.decisions import Decision, DecisionRecord
from bot.alerts.sqlite import lease
from bot.alerts.sqlite.database import Database
from bot.alerts.sqlite.decisions import SqliteDecisions
from bot.alerts.sqlite.quarantine import SqliteQuarantine
from bot.alerts.sqlite.queue import SqliteQueue
from bot.alerts.sqlite.state import SqliteState
from bot.alerts.sqlite.upkeep import SqliteUpkeep
from bot.alerts.store import StoreUnavailable
from shared.alerts import Incident, WatchState


class SqliteStore:
    """The alert state and outbox in one SQLite file. Open with `SqliteStore.open(path)`.

    Args:
        db: the opened state file; this store closes it in `close()`.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._quarantine = SqliteQuarantine(db)
        self._state = SqliteState(db, self._quarantine)
        self._queue = SqliteQueue(db)
        self._upkeep = SqliteUpkeep(db)
        self._decisions = SqliteDecisions(db)

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> SqliteStore:
        """Open the state file at `path`, creating it (0600) and its directory (0700) on first
        use, and making an existing file private.

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

    # LeaseStore (bot.alerts.lease) ---------------------------------------------------------

    async def take_lease(self, holder: str, ttl_s: float) -> int | None:
        return await asyncio.to_thread(lease.take_lease, self.db, holder, ttl_s)

    async def release_lease(self, holder: str) -> None:
        await asyncio.to_thread(lease.release_lease, self.db, holder)

    # DecisionStore (bot.alerts.decisions) --------------------------------------------------

    async def claim_decision(
        self, remediation_id: str, decision: Decision, user_id: str, at: datetime
    ) -> str | None:
        return await asyncio.to_thread(self._decisions.claim, remediation_id, decision, user_id, at)

    async def release_decision(self, remediation_id: str, decision: Decision) -> None:
        await asyncio.to_thread(self._decisions.release, remediation_id, decision)

    async def log_decision(self, record: DecisionRecord) -> None:
        await asyncio.to_thread(self._decisions.log, record)

    async def decision_log(self, remediation_id: str | None = None) -> list[DecisionRecord]:
        return await asyncio.to_thread(self._decisions.records, remediation_id)

    # Store ---------------------------------------------------------------------------------

    async def subscriptions(self) -> list[model.Subscription]:
        return await asyncio.to_thread(self._state.subscriptions)

    async def subscribe(
        self, channel: str, project: str | None, by_user: str, at: datetime
    ) -> bool:
        return await asyncio.to_thread(self._state.subscribe, channel, project, by_user, at)

    async def unsubscribe(self, channel: str, project: str | None = None) -> int:
        return await asyncio.to_thread(self._state.unsubscribe, channel, project)

    async def drop_queued(self, channel: str) -> int:
        return await asyncio.to_thread(self._upkeep.drop_queued, channel)

    async def load_state(self, last: WatchState | None = None) -> WatchState:
        return await asyncio.to_thread(self._state.load_state, last)

    async def known(self, subjects: Sequence[str]) -> model.Known:
        return await asyncio.to_thread(self._state.known, subjects)

    async def commit_poll(
        self, state: WatchState, threads: Sequence[model.Thread], messages: Sequence[model.Outgoing]
    ) -> None:
        await asyncio.to_thread(self._state.commit_poll, state, threads, messages)

    async def incident(self, incident_id: str) -> Incident | None:
        return await asyncio.to_thread(self._state.incident, incident_id)

    async def open_incidents(self) -> list[Incident]:
        return await asyncio.to_thread(self._state.open_incidents)

    async def threads_of(self, subjects: Sequence[str]) -> list[model.Thread]:
        return await asyncio.to_thread(self._state.threads_of, subjects)

    async def posted(self, subjects: Sequence[str]) -> dict[str, list[model.Posted]]:
        return await asyncio.to_thread(self._state.posted, subjects)

    async def set_snooze(
        self,
        incident_id: str,
        until: datetime,
        by_user: str,
        messages: Sequence[model.Outgoing] = (),
    ) -> None:
        await asyncio.to_thread(self._state.set_snooze, incident_id, until, by_user, messages)

    async def quarantined(self, *, unannounced: bool = False) -> list[model.Quarantined]:
        return await asyncio.to_thread(self._quarantine.rows, unannounced=unannounced)

    async def announce_quarantined(
        self, ids: Sequence[int], messages: Sequence[model.Outgoing]
    ) -> None:
        await asyncio.to_thread(self._quarantine.announce, ids, messages)

    async def prune(self, *, done_before: float, resolved_before: datetime) -> dict[str, int]:
        return await asyncio.to_thread(
            self._upkeep.prune, done_before=done_before, resolved_before=resolved_before
        )

    # OutboxStore ---------------------------------------------------------------------------

    async def enqueue(self, messages: Sequence[model.Outgoing]) -> None:
        await asyncio.to_thread(self._queue.enqueue, messages)

    async def pending_channels(self) -> list[str]:
        return await asyncio.to_thread(self._queue.pending_channels)

    async def next_pending(self, channel: str) -> model.OutboxRow | None:
        return await asyncio.to_thread(self._queue.next_pending, channel)

    async def claim(self, row: model.OutboxRow) -> None:
        await asyncio.to_thread(self._queue.claim, row)

    async def mark_delivered(self, row: model.OutboxRow, ts: str | None) -> None:
        await asyncio.to_thread(self._queue.mark_delivered, row, ts)

    async def defer(self, row: model.OutboxRow, deferral: model.Deferral) -> None:
        await asyncio.to_thread(self._queue.defer, row, deferral)

    async def dead_letter(self, channel: str, error: str) -> int:
        return await asyncio.to_thread(self._queue.dead_letter, channel, error)

    async def drop(self, row: model.OutboxRow, error: str) -> None:
        await asyncio.to_thread(self._queue.drop, row, error)

    async def counts(self) -> dict[str, int]:
        return await asyncio.to_thread(self._queue.counts)

    async def oldest_pending_at(self) -> float | None:  # metrics hook
        return await asyncio.to_thread(self._queue.oldest_pending_at)
