"""`clusters-bot state migrate --to postgresql://...`: copy a SQLite state file into PostgreSQL.

Copies what alerting needs to carry on where the file left off: the watcher's memory of each
cluster, incidents, threads and their parent messages, subscriptions, snoozes, the incident
sequence and API health, and the outbox rows not yet delivered (with their ids, so that a row
left in flight is still found in Slack by its metadata). Settled outbox rows and quarantined
rows stay behind.

Idempotent: every row goes in with `ON CONFLICT DO NOTHING`, so running it again (after a
failure half-way, or by mistake) copies nothing twice, and rows PostgreSQL already has win.
Stop the bot that uses the file first; then start every replica with the URL.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.alerts.postgres.database import Cursor, PgDatabase
from bot.alerts.settings import AlertSettings
from bot.alerts.state_url import is_postgres_url, mask_url
from bot.alerts.store import StoreUnavailable

# table -> (its columns, the SQLite query that reads them in that order)
_TABLES: dict[str, tuple[str, str]] = {
    "meta": ("key, value", "SELECT key, value FROM meta WHERE key != 'schema'"),
    "clusters": ("cluster_id, body", "SELECT cluster_id, body FROM clusters"),
    "incidents": (
        "incident_id, cluster_id, in_state, is_open, opened_at, body, key",
        "SELECT incident_id, cluster_id, in_state, is_open, opened_at, body, key FROM incidents",
    ),
    "snoozes": ("incident_id, until, by_user", "SELECT incident_id, until, by_user FROM snoozes"),
    "subscriptions": (
        "channel, project, created_by, created_at",
        "SELECT channel, project, created_by, created_at FROM subscriptions",
    ),
    "threads": (
        "subject, channel, parent_key",
        "SELECT subject, channel, parent_key FROM threads ORDER BY rowid",
    ),
    "parents": ("parent_key, channel, ts", "SELECT parent_key, channel, ts FROM parents"),
    "outbox": (
        "id, channel, kind, parent_key, payload, created_at, due_at, attempts, backoffs, "
        "last_error, state, ts, done_at, wait_s, failing_since",
        "SELECT id, channel, kind, parent_key, payload, created_at, due_at, attempts, backoffs, "
        "last_error, state, ts, done_at, wait_s, failing_since FROM outbox "
        "WHERE state IN ('pending', 'sending') ORDER BY id",
    ),
}


async def migrate_state(source: Path, url: str) -> dict[str, int]:
    """Copy the state file at `source` into the database at `url`; rows copied per table.

    Raises:
        StoreUnavailable: the database cannot be reached (password masked).
        sqlite3.Error: the file cannot be read as a state file.
    """
    rows = _read(source)
    db = await PgDatabase.open(url)
    copied: dict[str, int] = {}
    try:
        async with db.transaction() as cur:
            for table, (columns, _) in _TABLES.items():
                marks = ", ".join(["%s"] * len(columns.split(",")))
                before = await _count(cur, table)
                await cur.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                    rows[table],
                )
                copied[table] = await _count(cur, table) - before
            await cur.execute(
                "SELECT setval(pg_get_serial_sequence('outbox', 'id'), "
                "GREATEST((SELECT MAX(id) FROM outbox), 1))"
            )
    finally:
        await db.close()
    return copied


async def _count(cur: Cursor, table: str) -> int:
    await cur.execute(f"SELECT COUNT(*) AS n FROM {table}")
    row = await cur.fetchone()
    return 0 if row is None else int(row["n"])


def _read(source: Path) -> dict[str, list[tuple[object, ...]]]:
    if not source.exists():
        raise sqlite3.OperationalError(f"no state file at {source}")
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        rows = {t: list(connection.execute(q).fetchall()) for t, (_, q) in _TABLES.items()}
    finally:
        connection.close()
    # SQLite keeps booleans as integers
    rows["incidents"] = [(i, c, bool(s), bool(o), *rest) for i, c, s, o, *rest in rows["incidents"]]
    return rows


def state_main(argv: Sequence[str], prog: str = "clusters-bot") -> int:
    """`clusters-bot state migrate --to URL [--from FILE]`; the exit status."""
    parser = argparse.ArgumentParser(prog=f"{prog} state", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="copy a SQLite state file into PostgreSQL")
    migrate.add_argument("--to", required=True, help="postgresql://user:password@host/db")
    migrate.add_argument(
        "--from", dest="source", type=Path, help="the state file (default: CLUSTERS_STATE_DB)"
    )
    args = parser.parse_args(argv)
    if not is_postgres_url(args.to):
        print(f"{prog}: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    source = args.source or AlertSettings().state_db
    if not isinstance(source, Path):
        print(f"{prog}: --from: CLUSTERS_STATE_DB is a URL; name the state file", file=sys.stderr)
        return 2
    try:
        copied = asyncio.run(migrate_state(source, args.to))
    except (StoreUnavailable, sqlite3.Error) as exc:
        print(f"{prog}: state migrate failed: {exc}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{n} {table}" for table, n in copied.items())
    print(f"Copied {source} into {mask_url(args.to)}: {summary}.")
    return 0
