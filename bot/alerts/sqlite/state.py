"""The alert state in SQLite: what the watcher knew, incidents, where they were posted, who
subscribed, snoozes. Blocking calls, run in a worker thread by `bot.alerts.sqlite.SqliteStore`.

The outbox itself is `bot.alerts.sqlite.queue`; a poll's state and the messages it causes are
committed together by `SqliteState.commit_poll`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.alerts import row_codec, sql
from bot.alerts.model import Known, Outgoing, ParentKey, Posted, Subscription, Thread
from bot.alerts.sqlite.database import Database, placeholders
from bot.alerts.sqlite.lease import check_fence_in
from bot.alerts.sqlite.quarantine import SqliteQuarantine
from bot.alerts.sqlite.queue import enqueue_in
from shared.alerts import ApiHealth, Incident, WatchState


class SqliteState:
    """Reads and writes everything but the outbox's delivery bookkeeping."""

    def __init__(self, db: Database, quarantine: SqliteQuarantine) -> None:
        self.db = db
        self.quarantine = quarantine
        self._written = row_codec.Written()

    # The engine's state -------------------------------------------------------------------

    def load_state(self, last: WatchState | None = None) -> WatchState:
        if last is not None:
            return self.with_snoozes(last)
        clusters, self._written.clusters, bad = row_codec.read_memory(self.db.query(sql.CLUSTERS))
        self.quarantine.put(bad)
        rows = self.db.query(sql.INCIDENT_WITH_SNOOZE + "WHERE i.in_state = 1")
        incidents = self._readable(rows)
        self._written.incidents = row_codec.bodies_of(rows, incidents)
        state = WatchState(clusters, {i.cluster_id: i for i in incidents}, *self._meta())
        return self.with_snoozes(state)

    def _meta(self) -> tuple[ApiHealth, int]:
        api, bad = row_codec.read_api(self.db.query(sql.META, ("api",)))
        self.quarantine.put(bad)
        sequence = row_codec.read_sequence(self.db.query(sql.META, ("sequence",)))
        if isinstance(sequence, row_codec.Unreadable):
            self.quarantine.put([sequence])
            sequence = row_codec.sequence_after(self.db.query(sql.INCIDENT_IDS))
        return api, sequence

    def _readable(self, rows: Iterable[sqlite3.Row]) -> list[Incident]:
        found, bad = row_codec.read_incidents(rows)
        self.quarantine.put(bad)
        return found

    def with_snoozes(self, state: WatchState) -> WatchState:
        return row_codec.with_snoozes(state, self.db.query(sql.SNOOZES))

    def commit_poll(
        self, state: WatchState, threads: Iterable[Thread], messages: Iterable[Outgoing]
    ) -> None:
        change = self._written.change(state)
        with self.db.transaction() as db:
            check_fence_in(db, self.db.fence)
            db.executemany("DELETE FROM clusters WHERE cluster_id = ?", change.clusters_gone)
            db.executemany(
                "INSERT OR REPLACE INTO clusters (cluster_id, body) VALUES (?, ?)",
                change.clusters,
            )
            if change.unfollowed is None:  # what was followed is not known: all but these
                followed = list(change.followed)
                db.execute(
                    "UPDATE incidents SET in_state = 0 WHERE in_state = 1 "
                    f"AND incident_id NOT IN ({placeholders(followed)})",
                    followed,
                )
            else:
                db.executemany(
                    "UPDATE incidents SET in_state = 0 WHERE incident_id = ?", change.unfollowed
                )
            db.executemany(
                "INSERT OR REPLACE INTO incidents "
                "(incident_id, cluster_id, in_state, is_open, opened_at, body, key) "
                "VALUES (?, ?, 1, ?, ?, ?, ?)",
                change.incidents,
            )
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", change.meta)
            db.executemany(
                "INSERT OR REPLACE INTO threads (subject, channel, parent_key) VALUES (?, ?, ?)",
                row_codec.thread_params(threads),
            )
            enqueue_in(db, messages, self.db.clock())
        self._written = change.written

    # Incidents and where they were posted -------------------------------------------------

    def incident(self, incident_id: str) -> Incident | None:
        found = self._readable(self.db.query(sql.INCIDENT_BY_ID_OR_KEY, (incident_id,) * 2))
        return found[0] if found else None

    def incidents(self, incident_ids: Iterable[str]) -> list[Incident]:
        """The incidents with these ids that exist, with their snoozes."""
        ids = list(incident_ids)
        rows = self.db.query(
            sql.INCIDENT_WITH_SNOOZE + f"WHERE i.incident_id IN ({placeholders(ids)})", ids
        )
        return self._readable(rows)

    def open_incidents(self) -> list[Incident]:
        rows = self.db.query(sql.INCIDENT_WITH_SNOOZE + "WHERE i.is_open = 1 ORDER BY i.opened_at")
        return self._readable(rows)

    def threads_of(self, subjects: Iterable[str]) -> list[Thread]:
        ids = list(subjects)
        rows = self.db.query(
            "SELECT subject, channel, parent_key FROM threads "
            f"WHERE subject IN ({placeholders(ids)}) ORDER BY rowid",
            ids,
        )
        return [row_codec.thread_of(row) for row in rows]

    def subjects_under(self, parent_key: ParentKey, channel: str) -> list[str]:
        """The subjects shown under one parent message (several for a grouped message)."""
        rows = self.db.query(sql.SUBJECTS_UNDER + " ORDER BY rowid", (str(parent_key), channel))
        return [row["subject"] for row in rows]

    def known(self, subjects: Sequence[str]) -> Known:
        known = Known()
        for thread in self.threads_of(subjects) if subjects else []:
            known.threads.setdefault(thread.subject, []).append(thread)
        for key, channel in row_codec.group_parents(known):
            known.groups[(key, channel)] = self.incidents(self.subjects_under(key, channel))
        return known

    def posted(self, subjects: Sequence[str]) -> dict[str, list[Posted]]:
        ids = list(subjects)
        rows = self.db.query(
            sql.POSTED + f"WHERE t.subject IN ({placeholders(ids)}) ORDER BY t.rowid", ids
        )
        return row_codec.posted_of(rows)

    def set_snooze(
        self, incident_id: str, until: datetime, by_user: str, messages: Iterable[Outgoing] = ()
    ) -> None:
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO snoozes (incident_id, until, by_user) VALUES (?, ?, ?)",
                (incident_id, until.isoformat(), by_user),
            )
            enqueue_in(db, messages, self.db.clock())

    # Subscriptions ------------------------------------------------------------------------

    def subscribe(self, channel: str, project: str | None, by_user: str, at: datetime) -> bool:
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO subscriptions (channel, project, created_by, created_at) "
                "VALUES (?, ?, ?, ?)",
                (channel, project or "", by_user, at.isoformat()),
            )
            return cursor.rowcount == 1

    def unsubscribe(self, channel: str, project: str | None = None) -> int:
        with self.db.transaction() as db:
            if project is None:
                return db.execute(sql.UNSUBSCRIBE, (channel,)).rowcount
            return db.execute(sql.UNSUBSCRIBE_PROJECT, (channel, project)).rowcount

    def subscriptions(self) -> list[Subscription]:
        rows = self.db.query(sql.SUBSCRIPTIONS + " ORDER BY channel, project")
        return [row_codec.subscription_of(r) for r in rows]
