"""The decision guard and log in PostgreSQL (`bot.alerts.decisions`), as in SQLite
(`bot.alerts.sqlite.decisions`): the guard's primary key makes a claim atomic across replicas.
Its tables are schema version 2 (`bot.alerts.postgres.database`).
"""

from __future__ import annotations

from datetime import datetime

from bot.alerts import row_codec, sql
from bot.alerts.decisions import Decision, DecisionRecord
from bot.alerts.postgres.database import PgDatabase
from bot.alerts.sql import pg


class PgDecisions:
    """Claims, releases and logs repair decisions."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def claim(
        self, remediation_id: str, decision: Decision, user_id: str, at: datetime
    ) -> str | None:
        async with self.db.transaction() as cur:
            await cur.execute(
                "INSERT INTO decisions (remediation_id, decision, user_id, at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (remediation_id, decision.value, user_id, at.isoformat()),
            )
            if cur.rowcount == 1:
                return None
            await cur.execute(pg(sql.DECISION_HOLDER), (remediation_id, decision.value))
            row = await cur.fetchone()
            return str(row["user_id"]) if row is not None else ""

    async def release(self, remediation_id: str, decision: Decision) -> None:
        async with self.db.transaction() as cur:
            await cur.execute(pg(sql.RELEASE_DECISION), (remediation_id, decision.value))

    async def log(self, record: DecisionRecord) -> None:
        async with self.db.transaction() as cur:
            await cur.execute(pg(sql.LOG_DECISION), row_codec.decision_params(record))

    async def records(self, remediation_id: str | None = None) -> list[DecisionRecord]:
        where, args = row_codec.decision_filter(remediation_id)
        rows = await self.db.query(sql.DECISION_LOG + pg(where), args)
        return [row_codec.decision_of(r) for r in rows]
