"""The PostgreSQL database behind alerts: a connection pool, the schema, and transactions.

The tables are those of the SQLite file (`bot.alerts.sqlite.database`), plus `lease` (who leads,
`bot.alerts.lease`): a state file copied over (`clusters-bot state migrate`) keeps its meaning.

Schema versions: `schema_migrations` lists the versions applied. On open, the migrations not yet
applied run in one transaction under an advisory lock, so replicas starting together apply each
once and none starts on a half-made schema.

The URL's password never appears in a log line, an error or a message: everything said about
the database names it by `mask_url(url)`, and driver errors are scrubbed of the password.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.alerts.sql import DECISION_LOG_COLUMNS, DECISIONS_COLUMNS
from bot.alerts.state_url import mask_url
from bot.alerts.store import StoreUnavailable

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key: "clusters" in ASCII, so no other application's lock collides.
MIGRATION_LOCK = 0x636C7573746572

_MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE clusters (cluster_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE incidents (
    incident_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    in_state BOOLEAN NOT NULL,
    is_open BOOLEAN NOT NULL,
    opened_at TEXT NOT NULL,
    body TEXT NOT NULL,
    key TEXT
);
CREATE INDEX incidents_open ON incidents (is_open, opened_at);
CREATE INDEX incidents_key ON incidents (key);
CREATE TABLE snoozes (incident_id TEXT PRIMARY KEY, until TEXT NOT NULL, by_user TEXT NOT NULL);
CREATE TABLE subscriptions (
    channel TEXT NOT NULL,
    project TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (channel, project)
);
CREATE TABLE threads (
    subject TEXT NOT NULL,
    channel TEXT NOT NULL,
    parent_key TEXT NOT NULL,
    seq BIGSERIAL NOT NULL,
    PRIMARY KEY (subject, channel)
);
CREATE INDEX threads_parent ON threads (parent_key, channel);
CREATE TABLE parents (
    parent_key TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT,
    PRIMARY KEY (parent_key, channel)
);
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    due_at DOUBLE PRECISION NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    backoffs INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    ts TEXT,
    done_at DOUBLE PRECISION,
    wait_s DOUBLE PRECISION NOT NULL DEFAULT 0,
    failing_since DOUBLE PRECISION
);
CREATE INDEX outbox_pending ON outbox (state, channel, id);
CREATE TABLE quarantine (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    error TEXT NOT NULL,
    body TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    announced BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token BIGINT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
INSERT INTO lease (name, holder, token, expires_at) VALUES ('leader', '', 0, 0);
""",
    ),
    (
        2,
        f"""
CREATE TABLE decisions (
{DECISIONS_COLUMNS}
);
CREATE TABLE decision_log (
    id BIGSERIAL PRIMARY KEY,
{DECISION_LOG_COLUMNS}
);
CREATE INDEX decision_log_remediation ON decision_log (remediation_id, id);
""",
    ),  # bot.alerts.postgres.decisions
]
SCHEMA_VERSION = _MIGRATIONS[-1][0]

Cursor = psycopg.AsyncCursor[DictRow]


class PgDatabase:
    """A pool of connections to one database. Open with `await PgDatabase.open(url)`.

    Args:
        pool: an opened pool; this closes it in `close()`.
        url: the URL it was opened with (only its masked form is ever shown).
        clock: wall-clock seconds, for outbox times (they must survive a restart).
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[psycopg.AsyncConnection[DictRow]],
        url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.pool = pool
        self.masked = mask_url(url)
        self.clock = clock
        self.fence: int | None = None  # the lease token writes are fenced with (bot.alerts.lease)
        self._password = unquote(urlsplit(url).password or "")

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Callable[[], float] = time.time,
        timeout_s: float = 10.0,
        max_size: int = 8,
    ) -> PgDatabase:
        """Connect, and bring the schema up to date under the migration lock.

        Raises:
            StoreUnavailable: the server cannot be reached, refuses the login, or the schema
                cannot be made (the reason in the message, the password masked).
        """
        pool: AsyncConnectionPool[psycopg.AsyncConnection[DictRow]] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=False,
            timeout=timeout_s,
            kwargs={"row_factory": dict_row, "connect_timeout": max(1, int(timeout_s))},
            # A connection broken by a server restart is found before it is handed out.
            check=AsyncConnectionPool.check_connection,
            name="clusters-alerts",
        )
        db = cls(pool, url, clock)
        try:
            # One plain connection first: the pool would hide why it cannot connect.
            first = await psycopg.AsyncConnection.connect(url, connect_timeout=int(timeout_s) or 1)
            await first.close()
            await pool.open(wait=True, timeout=timeout_s)
            await db.migrate()
        except BaseException as exc:
            await pool.close()
            if isinstance(exc, psycopg.Error | PoolTimeout):
                raise db.unavailable(exc) from None
            raise
        return db

    async def close(self) -> None:
        await self.pool.close()

    async def migrate(self) -> list[int]:
        """Apply the migrations not yet applied, under the advisory lock; the versions applied."""
        applied: list[int] = []
        async with self.transaction() as cur:
            await cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            await cur.execute("SELECT version FROM schema_migrations")
            done = {row["version"] for row in await cur.fetchall()}
            for version, sql in _MIGRATIONS:
                if version in done:
                    continue
                await cur.execute(sql)
                await cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                applied.append(version)
        if applied:
            logger.info("Alert state %s: schema migrated to version %s", self.masked, applied[-1])
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Cursor]:
        """A cursor in one transaction: committed when the block ends, rolled back if it raises.

        Raises:
            StoreUnavailable: the server cannot be reached (no connection within the pool's
                timeout, or the connection broke); nothing was committed.
        """
        try:
            async with (
                self.pool.connection() as connection,
                connection.transaction(),
                connection.cursor() as cur,
            ):
                yield cur
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise self.unavailable(exc) from None

    async def query(self, sql: str, args: Any = ()) -> list[DictRow]:
        """Rows of a read-only statement, addressable by column name."""
        async with self.transaction() as cur:
            await cur.execute(sql, args or None)
            return await cur.fetchall()

    def unavailable(self, exc: BaseException) -> StoreUnavailable:
        """`exc` as `StoreUnavailable`, naming the database by its masked URL."""
        return StoreUnavailable(f"PostgreSQL at {self.masked}: {self.scrub(str(exc))}")

    def scrub(self, text: str) -> str:
        """`text` without the password in it, should a driver message repeat it."""
        return text.replace(self._password, "***") if self._password else text
