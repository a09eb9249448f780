"""The leader lease in PostgreSQL, and the fencing check every outbox and poll write makes.

Times are the server's (`clock_timestamp()`), so replicas whose clocks disagree still agree on
when a lease expires. The fencing check takes the lease row `FOR SHARE`: a replica taking the
lease over (`FOR UPDATE`) waits for a claim in progress to commit, and every later claim sees
the new token.
"""

from __future__ import annotations

from bot.alerts.lease import LEASE_NAME, LeaseRow, decide, fenced
from bot.alerts.postgres.database import Cursor, PgDatabase


async def check_fence(db: PgDatabase, cur: Cursor) -> None:
    """Raise `NotLeader` inside the caller's transaction if `db` was fenced by another leader."""
    if db.fence is None:
        return
    await cur.execute("SELECT token FROM lease WHERE name = %s FOR SHARE", (LEASE_NAME,))
    row = await cur.fetchone()
    fenced(db.fence, None if row is None else int(row["token"]))


async def take_lease(db: PgDatabase, holder: str, ttl_s: float) -> int | None:
    """Take or renew the lease (see `bot.alerts.lease.LeaseStore.take_lease`)."""
    async with db.transaction() as cur:
        await cur.execute(
            "SELECT holder, token, expires_at, "
            "extract(epoch from clock_timestamp())::float8 AS now "
            "FROM lease WHERE name = %s FOR UPDATE",
            (LEASE_NAME,),
        )
        row = await cur.fetchone()
        if row is None:  # the migration seeds it; a hand-emptied table gets it back
            await cur.execute(
                "INSERT INTO lease (name, holder, token, expires_at) VALUES (%s, '', 0, 0) "
                "ON CONFLICT (name) DO NOTHING",
                (LEASE_NAME,),
            )
            return None
        current = LeaseRow(row["holder"], int(row["token"]), float(row["expires_at"]))
        taken = decide(current, holder, float(row["now"]), ttl_s)
        if taken is not None:
            await cur.execute(
                "UPDATE lease SET holder = %s, token = %s, expires_at = %s WHERE name = %s",
                (taken.holder, taken.token, taken.expires_at, LEASE_NAME),
            )
    db.fence = 0 if taken is None else taken.token
    return None if taken is None else taken.token


async def release_lease(db: PgDatabase, holder: str) -> None:
    """Expire `holder`'s lease now, if it still holds it."""
    async with db.transaction() as cur:
        await cur.execute(
            "UPDATE lease SET expires_at = 0 WHERE name = %s AND holder = %s",
            (LEASE_NAME, holder),
        )
