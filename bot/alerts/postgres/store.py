"""`PostgresStore`: the alert store in PostgreSQL, shared by any number of bot replicas.

Implements `bot.alerts.store.Store` and `OutboxStore` (the same contract suite runs against it
and `SqliteStore`), `bot.alerts.lease.LeaseStore` and `bot.alerts.decisions.DecisionStore`.
Each method is one transaction on a connection from psycopg's async pool; the statements are
`PgState`, `PgQueue`, `PgQuarantine`, `PgUpkeep`, `PgDecisions` and `bot.alerts.postgres.lease`.

When the server is down or restarting, a method raises `StoreUnavailable` (naming the database
by its masked URL) after the pool's timeout, and leaves the store as it was; the pool
reconnects by itself once the server is back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.alerts import model
from bot.alerts.decisions import Decision, DecisionRecord
from bot.alerts.postgres import lease
from bot.alerts.postgres.database import PgDatabase
from bot.alerts.postgres.decisions import PgDecisions
from bot.alerts.postgres.queue import PgQueue
from bot.alerts.postgres.state import PgState
from bot.alerts.postgres.upkeep import PgQuarantine, PgUpkeep
from shared.alerts import Incident, WatchState


class PostgresStore:
    """The alert state and outbox in one PostgreSQL database. Open with
    `await PostgresStore.open(url)`.

    Args:
        db: the opened database; this store closes it in `close()`.
    """

    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self._quarantine = PgQuarantine(db)
        self._state = PgState(db, self._quarantine)
        self._queue = PgQueue(db)
        self._upkeep = PgUpkeep(db)
        self._decisions = PgDecisions(db)

    @classmethod
    async def open(
        cls, url: str, *, clock: Callable[[], float] = time.time, timeout_s: float = 10.0
    ) -> PostgresStore:
        """Connect to `url` and bring its schema up to date (under the migration lock).

        Args:
            url: a `postgresql://user:password@host:port/database` URL.
            clock: wall-clock seconds, for outbox times.
            timeout_s: how long to wait for a connection, at open and in every method.

        Raises:
            StoreUnavailable: the server cannot be reached or refuses (password masked).
        """
        return cls(await PgDatabase.open(url, clock=clock, timeout_s=timeout_s))

    @property
    def where(self) -> str:
        """The database, its URL's password masked (for logs)."""
        return self.db.masked

    async def close(self) -> None:
        await self.db.close()

    # LeaseStore ----------------------------------------------------------------------------

    async def take_lease(self, holder: str, ttl_s: float) -> int | None:
        return await lease.take_lease(self.db, holder, ttl_s)

    async def release_lease(self, holder: str) -> None:
        await lease.release_lease(self.db, holder)

    # DecisionStore (bot.alerts.decisions) --------------------------------------------------

    async def claim_decision(
        self, remediation_id: str, decision: Decision, user_id: str, at: datetime
    ) -> str | None:
        return await self._decisions.claim(remediation_id, decision, user_id, at)

    async def release_decision(self, remediation_id: str, decision: Decision) -> None:
        await self._decisions.release(remediation_id, decision)

    async def log_decision(self, record: DecisionRecord) -> None:
        await self._decisions.log(record)

    async def decision_log(self, remediation_id: str | None = None) -> list[DecisionRecord]:
        return await self._decisions.records(remediation_id)

    # Store ---------------------------------------------------------------------------------

    async def subscriptions(self) -> list[model.Subscription]:
        return await self._state.subscriptions()

    async def subscribe(
        self, channel: str, project: str | None, by_user: str, at: datetime
    ) -> bool:
        return await self._state.subscribe(channel, project, by_user, at)

    async def unsubscribe(self, channel: str, project: str | None = None) -> int:
        return await self._state.unsubscribe(channel, project)

    async def drop_queued(self, channel: str) -> int:
        return await self._upkeep.drop_queued(channel)

    async def load_state(self, last: WatchState | None = None) -> WatchState:
        return await self._state.load_state(last)

    async def known(self, subjects: Sequence[str]) -> model.Known:
        return await self._state.known(subjects)

    async def commit_poll(
        self, state: WatchState, threads: Sequence[model.Thread], messages: Sequence[model.Outgoing]
    ) -> None:
        await self._state.commit_poll(state, threads, messages)

    async def incident(self, incident_id: str) -> Incident | None:
        return await self._state.incident(incident_id)

    async def open_incidents(self) -> list[Incident]:
        return await self._state.open_incidents()

    async def threads_of(self, subjects: Sequence[str]) -> list[model.Thread]:
        return await self._state.threads_of(subjects)

    async def posted(self, subjects: Sequence[str]) -> dict[str, list[model.Posted]]:
        return await self._state.posted(subjects)

    async def set_snooze(
        self,
        incident_id: str,
        until: datetime,
        by_user: str,
        messages: Sequence[model.Outgoing] = (),
    ) -> None:
        await self._state.set_snooze(incident_id, until, by_user, messages)

    async def quarantined(self, *, unannounced: bool = False) -> list[model.Quarantined]:
        return await self._quarantine.rows(unannounced=unannounced)

    async def announce_quarantined(
        self, ids: Sequence[int], messages: Sequence[model.Outgoing]
    ) -> None:
        await self._quarantine.announce(ids, messages)

    async def prune(self, *, done_before: float, resolved_before: datetime) -> dict[str, int]:
        return await self._upkeep.prune(done_before=done_before, resolved_before=resolved_before)

    # OutboxStore ---------------------------------------------------------------------------

    async def enqueue(self, messages: Sequence[model.Outgoing]) -> None:
        await self._queue.enqueue(messages)

    async def pending_channels(self) -> list[str]:
        return await self._queue.pending_channels()

    async def next_pending(self, channel: str) -> model.OutboxRow | None:
        return await self._queue.next_pending(channel)

    async def claim(self, row: model.OutboxRow) -> None:
        await self._queue.claim(row)

    async def mark_delivered(self, row: model.OutboxRow, ts: str | None) -> None:
        await self._queue.mark_delivered(row, ts)

    async def defer(self, row: model.OutboxRow, deferral: model.Deferral) -> None:
        await self._queue.defer(row, deferral)

    async def dead_letter(self, channel: str, error: str) -> int:
        return await self._queue.dead_letter(channel, error)

    async def drop(self, row: model.OutboxRow, error: str) -> None:
        await self._queue.drop(row, error)

    async def counts(self) -> dict[str, int]:
        return await self._queue.counts()

    async def oldest_pending_at(self) -> float | None:
        return await self._queue.oldest_pending_at()
