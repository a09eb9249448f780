"""The alert state in SQLite: what the watcher knew, incidents, where they were posted, who
subscribed, snoozes. Blocking calls, run in a worker thread by `bot.alerts.sqlite.SqliteStore`.

The outbox itself is `bot.alerts.sqlite.queue`; a poll's state and the messages it causes are
committed together by `SqliteState.commit_poll`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.alerts.model import Known, Outgoing, ParentKey, Posted, Subscription, Thread
from bot.alerts.sqlite.database import Database, placeholders
from bot.alerts.sqlite.queue import enqueue_in
from shared.alerts import ApiHealth, Incident, WatchState
from shared.alerts.codec import (
    dump_api,
    dump_incident,
    dump_memory,
    load_api,
    load_incident,
    load_memory,
)

_INCIDENT_WITH_SNOOZE = (
    "SELECT i.body, s.until, s.by_user FROM incidents i "
    "LEFT JOIN snoozes s ON s.incident_id = i.incident_id "
)


class SqliteState:
    """Reads and writes everything but the outbox's delivery bookkeeping."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._written: dict[str, str] = {}  # cluster_id -> body last written, to skip rewrites

    # The engine's state -------------------------------------------------------------------

    def load_state(self, last: WatchState | None = None) -> WatchState:
        """`last`, or the state the watcher left, with current snoozes applied.

        Raises:
            ValueError: a row is not in the shape this version writes.
        """
        if last is not None:
            return self.with_snoozes(last)
        clusters = {}
        for row in self.db.query("SELECT cluster_id, body FROM clusters"):
            clusters[row["cluster_id"]] = load_memory(json.loads(row["body"]))
            self._written[row["cluster_id"]] = row["body"]
        incidents = {}
        for row in self.db.query("SELECT body FROM incidents WHERE in_state = 1"):
            incident = load_incident(json.loads(row["body"]))
            incidents[incident.cluster_id] = incident
        meta = {row["key"]: row["value"] for row in self.db.query("SELECT key, value FROM meta")}
        api = load_api(json.loads(meta["api"])) if "api" in meta else ApiHealth()
        state = WatchState(clusters, incidents, api, int(meta.get("sequence", "0")))
        return self.with_snoozes(state)

    def with_snoozes(self, state: WatchState) -> WatchState:
        """`state` with the snoozes the Slack listeners recorded applied to its incidents."""
        snoozes = {
            row["incident_id"]: (datetime.fromisoformat(row["until"]), row["by_user"])
            for row in self.db.query("SELECT incident_id, until, by_user FROM snoozes")
        }
        incidents = {
            cluster_id: incident.with_snooze(*snoozes.get(incident.incident_id, (None, None)))
            for cluster_id, incident in state.incidents.items()
        }
        return WatchState(state.clusters, incidents, state.api, state.sequence)

    def commit_poll(
        self, state: WatchState, threads: Iterable[Thread], messages: Iterable[Outgoing]
    ) -> None:
        """Record the state after a poll, the new threads and the messages, in one transaction."""
        followed = {i.incident_id: i for i in state.incidents.values()}
        bodies = {cid: json.dumps(dump_memory(m)) for cid, m in state.clusters.items()}
        with self.db.transaction() as db:
            for cluster_id in set(self._written) - set(bodies):
                db.execute("DELETE FROM clusters WHERE cluster_id = ?", (cluster_id,))
            for cluster_id, body in bodies.items():
                if self._written.get(cluster_id) != body:
                    db.execute(
                        "INSERT OR REPLACE INTO clusters (cluster_id, body) VALUES (?, ?)",
                        (cluster_id, body),
                    )
            db.execute(
                "UPDATE incidents SET in_state = 0 WHERE in_state = 1 "
                f"AND incident_id NOT IN ({placeholders(followed)})",
                tuple(followed),
            )
            for incident in followed.values():
                _write_incident(db, incident)
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('api', ?), ('sequence', ?)",
                (json.dumps(dump_api(state.api)), str(state.sequence)),
            )
            db.executemany(
                "INSERT OR REPLACE INTO threads (subject, channel, parent_key) VALUES (?, ?, ?)",
                [(t.subject, t.channel, str(t.parent_key)) for t in threads],
            )
            enqueue_in(db, messages, self.db.clock())
        self._written = bodies

    # Incidents and where they were posted -------------------------------------------------

    def incident(self, incident_id: str) -> Incident | None:
        """One incident (open or not) with its snooze, or None."""
        found = self.incidents([incident_id])
        return found[0] if found else None

    def incidents(self, incident_ids: Iterable[str]) -> list[Incident]:
        """The incidents with these ids that exist, with their snoozes."""
        ids = list(incident_ids)
        rows = self.db.query(
            _INCIDENT_WITH_SNOOZE + f"WHERE i.incident_id IN ({placeholders(ids)})", ids
        )
        return [_incident_of(row) for row in rows]

    def open_incidents(self) -> list[Incident]:
        """Every open incident, oldest first, with snoozes."""
        rows = self.db.query(_INCIDENT_WITH_SNOOZE + "WHERE i.is_open = 1 ORDER BY i.opened_at")
        return [_incident_of(row) for row in rows]

    def threads_of(self, subjects: Iterable[str]) -> list[Thread]:
        """Where each of `subjects` is shown, in the order they were first posted."""
        ids = list(subjects)
        rows = self.db.query(
            "SELECT subject, channel, parent_key FROM threads "
            f"WHERE subject IN ({placeholders(ids)}) ORDER BY rowid",
            ids,
        )
        return [
            Thread(row["subject"], row["channel"], ParentKey.parse(row["parent_key"]))
            for row in rows
        ]

    def subjects_under(self, parent_key: ParentKey, channel: str) -> list[str]:
        """The subjects shown under one parent message (several for a grouped message)."""
        rows = self.db.query(
            "SELECT subject FROM threads WHERE parent_key = ? AND channel = ? ORDER BY rowid",
            (str(parent_key), channel),
        )
        return [row["subject"] for row in rows]

    def known(self, subjects: Sequence[str]) -> Known:
        """Threads of `subjects` and the incidents of the grouped parents among them."""
        known = Known()
        for thread in self.threads_of(subjects) if subjects else []:
            known.threads.setdefault(thread.subject, []).append(thread)
        groups = {
            (t.parent_key, t.channel)
            for found in known.threads.values()
            for t in found
            if t.parent_key.is_group
        }
        for key, channel in groups:
            known.groups[(key, channel)] = self.incidents(self.subjects_under(key, channel))
        return known

    def posted(self, subjects: Sequence[str]) -> dict[str, list[Posted]]:
        """Subject -> the parent messages it has, with their `ts` once delivered."""
        ids = list(subjects)
        rows = self.db.query(
            "SELECT t.subject, t.channel, p.ts FROM threads t LEFT JOIN parents p "
            "ON p.parent_key = t.parent_key AND p.channel = t.channel "
            f"WHERE t.subject IN ({placeholders(ids)}) ORDER BY t.rowid",
            ids,
        )
        found: dict[str, list[Posted]] = {}
        for row in rows:
            found.setdefault(row["subject"], []).append(Posted(row["channel"], row["ts"]))
        return found

    def set_snooze(
        self, incident_id: str, until: datetime, by_user: str, messages: Iterable[Outgoing] = ()
    ) -> None:
        """Record a snooze, and queue `messages` (the parents showing it) in the same commit."""
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO snoozes (incident_id, until, by_user) VALUES (?, ?, ?)",
                (incident_id, until.isoformat(), by_user),
            )
            enqueue_in(db, messages, self.db.clock())

    # Subscriptions ------------------------------------------------------------------------

    def subscribe(self, channel: str, project: str | None, by_user: str, at: datetime) -> bool:
        """Subscribe `channel` (to one project, or all); False when it already was."""
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO subscriptions (channel, project, created_by, created_at) "
                "VALUES (?, ?, ?, ?)",
                (channel, project or "", by_user, at.isoformat()),
            )
            return cursor.rowcount == 1

    def unsubscribe(self, channel: str, project: str | None = None) -> int:
        """Remove `channel`'s subscription to `project`, or all of them; returns how many."""
        with self.db.transaction() as db:
            if project is None:
                cursor = db.execute("DELETE FROM subscriptions WHERE channel = ?", (channel,))
            else:
                cursor = db.execute(
                    "DELETE FROM subscriptions WHERE channel = ? AND project = ?",
                    (channel, project),
                )
            return cursor.rowcount

    def subscriptions(self) -> list[Subscription]:
        rows = self.db.query(
            "SELECT channel, project, created_by, created_at FROM subscriptions "
            "ORDER BY channel, project"
        )
        return [
            Subscription(r["channel"], r["project"] or None, r["created_by"], r["created_at"])
            for r in rows
        ]


def _write_incident(db: sqlite3.Connection, incident: Incident) -> None:
    db.execute(
        "INSERT OR REPLACE INTO incidents "
        "(incident_id, cluster_id, in_state, is_open, opened_at, body) VALUES (?, ?, 1, ?, ?, ?)",
        (
            incident.incident_id,
            incident.cluster_id,
            int(incident.is_open),
            incident.opened_at.isoformat(),
            json.dumps(dump_incident(incident)),
        ),
    )


def _incident_of(row: sqlite3.Row) -> Incident:
    incident = load_incident(json.loads(row["body"]))
    if row["until"] is None:
        return incident
    return incident.with_snooze(datetime.fromisoformat(row["until"]), row["by_user"])
