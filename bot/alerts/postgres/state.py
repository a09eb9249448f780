"""The alert state in PostgreSQL: the watcher's memory, incidents, where they were posted, who
subscribed, snoozes. Statement for statement the SQLite store's (`bot.alerts.sqlite.state`; what
both say alike is `bot.alerts.sql`); `commit_poll` is fenced with the leader's token and sent
as one pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from psycopg.rows import DictRow

from bot.alerts import row_codec, sql
from bot.alerts.model import Known, Outgoing, ParentKey, Posted, Subscription, Thread
from bot.alerts.postgres.database import PgDatabase
from bot.alerts.postgres.lease import check_fence
from bot.alerts.postgres.queue import enqueue_in
from bot.alerts.postgres.upkeep import PgQuarantine
from bot.alerts.sql import pg
from shared.alerts import ApiHealth, Incident, WatchState

_WRITE_INCIDENT = (
    "INSERT INTO incidents (incident_id, cluster_id, in_state, is_open, opened_at, body, key) "
    "VALUES (%s, %s, TRUE, %s, %s, %s, %s) ON CONFLICT (incident_id) DO UPDATE SET "
    "cluster_id = EXCLUDED.cluster_id, in_state = TRUE, is_open = EXCLUDED.is_open, "
    "opened_at = EXCLUDED.opened_at, body = EXCLUDED.body, key = EXCLUDED.key"
)


class PgState:
    """Reads and writes everything but the outbox's delivery bookkeeping."""

    def __init__(self, db: PgDatabase, quarantine: PgQuarantine) -> None:
        self.db = db
        self.quarantine = quarantine
        self._written = row_codec.Written()

    async def load_state(self, last: WatchState | None = None) -> WatchState:
        if last is not None:
            return await self.with_snoozes(last)
        # Another replica may have written since this one last did: read back what is stored.
        clusters, self._written.clusters, bad = row_codec.read_memory(
            await self.db.query(sql.CLUSTERS)
        )
        await self.quarantine.put(bad)
        rows = await self.db.query(sql.INCIDENT_WITH_SNOOZE + "WHERE i.in_state")
        incidents = await self._readable(rows)
        self._written.incidents = row_codec.bodies_of(rows, incidents)
        api, sequence = await self._meta()
        state = WatchState(clusters, {i.cluster_id: i for i in incidents}, api, sequence)
        return await self.with_snoozes(state)

    async def _meta(self) -> tuple[ApiHealth, int]:
        api, bad = row_codec.read_api(await self.db.query(pg(sql.META), ("api",)))
        await self.quarantine.put(bad)
        sequence = row_codec.read_sequence(await self.db.query(pg(sql.META), ("sequence",)))
        if isinstance(sequence, row_codec.Unreadable):
            await self.quarantine.put([sequence])
            sequence = row_codec.sequence_after(await self.db.query(sql.INCIDENT_IDS))
        return api, sequence

    async def _readable(self, rows: Iterable[DictRow]) -> list[Incident]:
        found, bad = row_codec.read_incidents(rows)
        await self.quarantine.put(bad)
        return found

    async def with_snoozes(self, state: WatchState) -> WatchState:
        return row_codec.with_snoozes(state, await self.db.query(sql.SNOOZES))

    async def commit_poll(
        self, state: WatchState, threads: Iterable[Thread], messages: Iterable[Outgoing]
    ) -> None:
        change = self._written.change(state)
        async with self.db.transaction() as cur, cur.connection.pipeline():
            await check_fence(self.db, cur)
            if change.clusters_gone:
                await cur.executemany(
                    "DELETE FROM clusters WHERE cluster_id = %s", change.clusters_gone
                )
            if change.clusters:
                await cur.executemany(
                    "INSERT INTO clusters (cluster_id, body) VALUES (%s, %s) "
                    "ON CONFLICT (cluster_id) DO UPDATE SET body = EXCLUDED.body",
                    change.clusters,
                )
            if change.unfollowed is None:  # what was followed is not known: all but these
                await cur.execute(
                    "UPDATE incidents SET in_state = FALSE WHERE in_state "
                    "AND NOT (incident_id = ANY(%s))",
                    (change.followed,),
                )
            elif change.unfollowed:
                await cur.executemany(
                    "UPDATE incidents SET in_state = FALSE WHERE incident_id = %s",
                    change.unfollowed,
                )
            if change.incidents:
                await cur.executemany(_WRITE_INCIDENT, change.incidents)
            await cur.executemany(
                "INSERT INTO meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                change.meta,
            )
            if rows := row_codec.thread_params(threads):
                # A thread written again moves to the end, as SQLite's INSERT OR REPLACE moves
                # its rowid.
                await cur.executemany(
                    "INSERT INTO threads (subject, channel, parent_key) VALUES (%s, %s, %s) "
                    "ON CONFLICT (subject, channel) DO UPDATE "
                    "SET parent_key = EXCLUDED.parent_key, seq = DEFAULT",
                    rows,
                )
            await enqueue_in(cur, messages, self.db.clock())
        self._written = change.written

    async def incident(self, incident_id: str) -> Incident | None:
        rows = await self.db.query(pg(sql.INCIDENT_BY_ID_OR_KEY), (incident_id,) * 2)
        found = await self._readable(rows)
        return found[0] if found else None

    async def incidents(self, incident_ids: Iterable[str]) -> list[Incident]:
        rows = await self.db.query(
            sql.INCIDENT_WITH_SNOOZE + "WHERE i.incident_id = ANY(%s)", (list(incident_ids),)
        )
        return await self._readable(rows)

    async def open_incidents(self) -> list[Incident]:
        rows = await self.db.query(
            sql.INCIDENT_WITH_SNOOZE + "WHERE i.is_open ORDER BY i.opened_at, i.incident_id"
        )
        return await self._readable(rows)

    async def threads_of(self, subjects: Iterable[str]) -> list[Thread]:
        rows = await self.db.query(
            "SELECT subject, channel, parent_key FROM threads WHERE subject = ANY(%s) ORDER BY seq",
            (list(subjects),),
        )
        return [row_codec.thread_of(r) for r in rows]

    async def subjects_under(self, parent_key: ParentKey, channel: str) -> list[str]:
        rows = await self.db.query(
            pg(sql.SUBJECTS_UNDER) + " ORDER BY seq", (str(parent_key), channel)
        )
        return [row["subject"] for row in rows]

    async def known(self, subjects: Sequence[str]) -> Known:
        known = Known()
        for thread in await self.threads_of(subjects) if subjects else []:
            known.threads.setdefault(thread.subject, []).append(thread)
        for key, channel in row_codec.group_parents(known):
            subjects_there = await self.subjects_under(key, channel)
            known.groups[(key, channel)] = await self.incidents(subjects_there)
        return known

    async def posted(self, subjects: Sequence[str]) -> dict[str, list[Posted]]:
        rows = await self.db.query(
            sql.POSTED + "WHERE t.subject = ANY(%s) ORDER BY t.seq", (list(subjects),)
        )
        return row_codec.posted_of(rows)

    async def set_snooze(
        self, incident_id: str, until: datetime, by_user: str, messages: Iterable[Outgoing] = ()
    ) -> None:
        async with self.db.transaction() as cur:
            await cur.execute(
                "INSERT INTO snoozes (incident_id, until, by_user) VALUES (%s, %s, %s) "
                "ON CONFLICT (incident_id) DO UPDATE "
                "SET until = EXCLUDED.until, by_user = EXCLUDED.by_user",
                (incident_id, until.isoformat(), by_user),
            )
            await enqueue_in(cur, messages, self.db.clock())

    async def subscribe(
        self, channel: str, project: str | None, by_user: str, at: datetime
    ) -> bool:
        async with self.db.transaction() as cur:
            await cur.execute(
                "INSERT INTO subscriptions (channel, project, created_by, created_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (channel, project or "", by_user, at.isoformat()),
            )
            return cur.rowcount == 1

    async def unsubscribe(self, channel: str, project: str | None = None) -> int:
        async with self.db.transaction() as cur:
            if project is None:
                await cur.execute(pg(sql.UNSUBSCRIBE), (channel,))
            else:
                await cur.execute(pg(sql.UNSUBSCRIBE_PROJECT), (channel, project))
            return cur.rowcount

    async def subscriptions(self) -> list[Subscription]:
        rows = await self.db.query(
            sql.SUBSCRIPTIONS + ' ORDER BY channel COLLATE "C", project COLLATE "C"'
        )
        return [row_codec.subscription_of(r) for r in rows]
