"""The SQLite file behind alerts: one connection, its schema, and transactions.

    meta            api health, incident sequence, schema version
    clusters        last known state per cluster (the engine's memory)
    incidents       every incident; `in_state` marks those the engine still follows
    snoozes         who silenced an incident, until when
    subscriptions   channel (+ optional project) -> alerts
    threads         subject (incident or outage) -> the parent message it lives under, per channel
    parents         parent message -> its Slack `ts`, once delivered
    outbox          messages to send, in order per channel; delivered rows keep their `ts`

The watcher, the outbox senders and the Slack listeners share the one connection (WAL mode).
Statements run under a lock, from worker threads (`bot.alerts.sqlite.SqliteStore` runs each of
its methods with `asyncio.to_thread`), and every write is one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clusters (cluster_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    in_state INTEGER NOT NULL,
    is_open INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_open ON incidents (is_open, opened_at);
CREATE TABLE IF NOT EXISTS snoozes (
    incident_id TEXT PRIMARY KEY, until TEXT NOT NULL, by_user TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
    channel TEXT NOT NULL,
    project TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (channel, project)
);
CREATE TABLE IF NOT EXISTS threads (
    subject TEXT NOT NULL, channel TEXT NOT NULL, parent_key TEXT NOT NULL,
    PRIMARY KEY (subject, channel)
);
CREATE INDEX IF NOT EXISTS threads_parent ON threads (parent_key, channel);
CREATE TABLE IF NOT EXISTS parents (
    parent_key TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT,
    PRIMARY KEY (parent_key, channel)
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    due_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    backoffs INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    ts TEXT,
    done_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, channel, id);
"""


class Database:
    """The alert state file. Open with `Database.open(path)`; `close()` when done.

    Args:
        connection: an open sqlite3 connection made with `check_same_thread=False`.
        path: where the file is, for messages.
        clock: wall-clock seconds, for outbox times (they must survive a restart).
    """

    def __init__(
        self, connection: sqlite3.Connection, path: Path, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.clock = clock
        self._connection = connection
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Database:
        """Open the state file at `path`, creating it and its directory on first use.

        Raises:
            sqlite3.Error: the file cannot be opened or is not a database.
            OSError: the directory cannot be created.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        # NORMAL loses nothing when the process is killed, only on power loss; it keeps each
        # commit to one write, which keeps the crash window around a delivery small.
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=5000")
        connection.executescript(_SCHEMA)
        connection.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
        )
        return cls(connection, path, clock)

    def close(self) -> None:
        """Close the connection; statements after this raise `sqlite3.ProgrammingError`."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only statement, addressable by column name."""
        with self._lock:
            cursor = self._connection.execute(sql, tuple(args))
            cursor.row_factory = sqlite3.Row
            return list(cursor.fetchall())


def placeholders(values: Iterable[Any]) -> str:
    """`?,?,?` for an `IN (...)` list of `values` (which must be a sized collection)."""
    return ",".join("?" for _ in values)
