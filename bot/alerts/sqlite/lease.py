"""The leader lease in the SQLite file, and the fencing check its outbox and poll writes make.

Two processes on one state file are safe: the lease (`bot.alerts.lease`) lets one of them lead,
and `BEGIN IMMEDIATE` serializes a takeover with any claim in progress. Times are the store's
clock: the processes share the machine, so they share the clock.

Blocking calls, run in a worker thread by `bot.alerts.sqlite.SqliteStore`.
"""

from __future__ import annotations

import sqlite3

from bot.alerts.lease import LEASE_NAME, LeaseRow, decide, fenced
from bot.alerts.sqlite.database import Database


def check_fence_in(db: sqlite3.Connection, fence: int | None) -> None:
    """Raise `NotLeader` inside the caller's transaction if another process took the lease."""
    if fence is None:
        return
    row = db.execute("SELECT token FROM lease WHERE name = ?", (LEASE_NAME,)).fetchone()
    fenced(fence, None if row is None else int(row[0]))


def take_lease(database: Database, holder: str, ttl_s: float) -> int | None:
    """Take or renew the lease (see `bot.alerts.lease.LeaseStore.take_lease`)."""
    with database.transaction() as db:
        db.execute(
            "INSERT OR IGNORE INTO lease (name, holder, token, expires_at) VALUES (?, '', 0, 0)",
            (LEASE_NAME,),
        )
        holder_now, token, expires_at = db.execute(
            "SELECT holder, token, expires_at FROM lease WHERE name = ?", (LEASE_NAME,)
        ).fetchone()
        current = LeaseRow(holder_now, int(token), float(expires_at))
        taken = decide(current, holder, database.clock(), ttl_s)
        if taken is not None:
            db.execute(
                "UPDATE lease SET holder = ?, token = ?, expires_at = ? WHERE name = ?",
                (taken.holder, taken.token, taken.expires_at, LEASE_NAME),
            )
    database.fence = 0 if taken is None else taken.token
    return None if taken is None else taken.token


def release_lease(database: Database, holder: str) -> None:
    """Expire `holder`'s lease now, if it still holds it."""
    with database.transaction() as db:
        db.execute(
            "UPDATE lease SET expires_at = 0 WHERE name = ? AND holder = ?", (LEASE_NAME, holder)
        )
