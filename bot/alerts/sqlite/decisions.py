"""The decision guard and log in SQLite (`bot.alerts.decisions`); blocking calls, run in a worker
thread by `bot.alerts.sqlite.SqliteStore`.

The tables (`decisions`, the guard, and `decision_log`) are created with the others by
`bot.alerts.sqlite.database`.
"""

from __future__ import annotations

from datetime import datetime

from bot.alerts import row_codec, sql
from bot.alerts.decisions import Decision, DecisionRecord
from bot.alerts.sqlite.database import Database


class SqliteDecisions:
    """Claims, releases and logs repair decisions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(
        self, remediation_id: str, decision: Decision, user_id: str, at: datetime
    ) -> str | None:
        with self.db.transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO decisions (remediation_id, decision, user_id, at) "
                "VALUES (?, ?, ?, ?)",
                (remediation_id, decision.value, user_id, at.isoformat()),
            ).rowcount
            if inserted == 1:
                return None
            row = db.execute(sql.DECISION_HOLDER, (remediation_id, decision.value)).fetchone()
            return str(row[0]) if row is not None else ""

    def release(self, remediation_id: str, decision: Decision) -> None:
        with self.db.transaction() as db:
            db.execute(sql.RELEASE_DECISION, (remediation_id, decision.value))

    def log(self, record: DecisionRecord) -> None:
        with self.db.transaction() as db:
            db.execute(sql.LOG_DECISION, row_codec.decision_params(record))

    def records(self, remediation_id: str | None = None) -> list[DecisionRecord]:
        where, args = row_codec.decision_filter(remediation_id)
        return [row_codec.decision_of(r) for r in self.db.query(sql.DECISION_LOG + where, args)]
