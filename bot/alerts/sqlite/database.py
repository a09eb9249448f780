"""The SQLite file behind alerts: one connection, its schema, and transactions.

    meta            api health, incident sequence, schema version
    clusters        last known state per cluster (the engine's memory)
    incidents       every incident; `in_state` marks those the engine still follows
    snoozes         who silenced an incident, until when
    subscriptions   channel (+ optional project) -> alerts
    threads         subject (incident or outage) -> the parent message it lives under, per channel
    parents         parent message -> its Slack `ts`, once delivered
    outbox          messages to send, in order per channel; delivered rows keep their `ts`
    quarantine      rows that could not be read, with their raw text, kept aside
    lease           which process leads (`bot.alerts.sqlite.lease`)
    decisions       (remediation, decision) claimed before calling Together (`bot.alerts.decisions`)
    decision_log    every repair decision attempted: who, what, when, the ids, the result

The file holds incidents and channel ids, so it is created 0600 in a directory created 0700,
and an existing file is tightened to 0600 when it is opened (a warning if that fails).

The watcher, the outbox senders and the Slack listeners share the one connection (WAL mode).
Statements run under a lock, from worker threads (`bot.alerts.sqlite.SqliteStore` runs each of
its methods with `asyncio.to_thread`), and every write is one transaction.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.alerts.model import incident_key
from bot.alerts.sql import DECISION_LOG_COLUMNS, DECISIONS_COLUMNS

SCHEMA_VERSION = "1"
logger = logging.getLogger(__name__)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clusters (cluster_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    in_state INTEGER NOT NULL,
    is_open INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    body TEXT NOT NULL,
    key TEXT
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
    done_at REAL,
    wait_s REAL NOT NULL DEFAULT 0,
    failing_since REAL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, channel, id);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    error TEXT NOT NULL,
    body TEXT NOT NULL,
    at REAL NOT NULL,
    announced INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS lease (
    name TEXT PRIMARY KEY, holder TEXT NOT NULL, token INTEGER NOT NULL, expires_at REAL NOT NULL
);
INSERT OR IGNORE INTO lease (name, holder, token, expires_at) VALUES ('leader', '', 0, 0);
CREATE TABLE IF NOT EXISTS decisions (
{DECISIONS_COLUMNS}
);
CREATE TABLE IF NOT EXISTS decision_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
{DECISION_LOG_COLUMNS}
);
CREATE INDEX IF NOT EXISTS decision_log_remediation ON decision_log (remediation_id, id);
"""

# Columns added since the first state files; `_migrate` adds them to an older file.
_ADDED_COLUMNS = {
    "incidents": {"key": "TEXT"},
    "outbox": {"wait_s": "REAL NOT NULL DEFAULT 0", "failing_since": "REAL"},
}


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
        self.fence: int | None = None  # the lease token writes are fenced with (bot.alerts.lease)

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Database:
        """Open the state file at `path`, creating it and its directory on first use.

        Raises:
            sqlite3.Error: the file cannot be opened or is not a database.
            OSError: the directory cannot be created.
        """
        _create_private(path)
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        # NORMAL loses nothing when the process is killed, only on power loss; it keeps each
        # commit to one write, which keeps the crash window around a delivery small.
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=5000")
        connection.executescript(_SCHEMA)
        _migrate(connection)
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


def _create_private(path: Path) -> None:
    """Create the directory (0700) and the file (0600) if missing; tighten an existing file.

    SQLite gives its `-wal` and `-shm` files the database file's mode, so they follow.

    Raises:
        OSError: the directory or the file cannot be created.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = stat.S_IMODE(part.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            try:
                part.chmod(0o600)
            except OSError as exc:
                logger.warning(
                    "The alert state file %s is readable by others (mode %o) and could not be "
                    "made private (%s): chmod 600 it, it holds incidents and channel ids.",
                    part,
                    mode,
                    exc,
                )


def _migrate(connection: sqlite3.Connection) -> None:
    """Add the columns newer versions use to a file an older version created."""
    for table, columns in _ADDED_COLUMNS.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        for column, kind in columns.items():
            if column not in present:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    missing = connection.execute("SELECT incident_id FROM incidents WHERE key IS NULL").fetchall()
    if missing:
        connection.executemany(
            "UPDATE incidents SET key = ? WHERE incident_id = ?",
            [(incident_key(row[0]), row[0]) for row in missing],
        )
    connection.execute("CREATE INDEX IF NOT EXISTS incidents_key ON incidents (key)")
