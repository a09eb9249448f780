"""The outbox table: messages waiting for Slack, strictly in order per channel.

A message is queued in the same transaction as the state change that caused it, and marked
delivered in the same transaction that records the `ts` Slack returned. So after a crash nothing
is lost, and nothing is sent twice unless the process died between Slack's answer and that
commit; the row is then still `sending`, and is offered again marked `in_flight`, for the sender
to look for it in Slack first (`bot.alerts.reconcile`).

Blocking calls, run in a worker thread by `bot.alerts.sqlite.SqliteStore`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from bot.alerts.model import MessageKind, OutboxRow, Outgoing, ParentKey
from bot.alerts.sqlite.database import Database
from bot.message import SlackMessage

_UNDELIVERED = "('pending', 'sending')"


def enqueue_in(db: sqlite3.Connection, messages: Iterable[Outgoing], now: float) -> None:
    """Queue `messages` inside a transaction the caller holds."""
    for m in messages:
        if m.kind is MessageKind.POST:
            db.execute(
                "INSERT OR IGNORE INTO parents (parent_key, channel, ts) VALUES (?, ?, NULL)",
                (str(m.parent_key), m.channel),
            )
        db.execute(
            "INSERT INTO outbox (channel, kind, parent_key, payload, created_at, due_at) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            (
                m.channel,
                m.kind.value,
                str(m.parent_key),
                json.dumps({"text": m.message.text, "blocks": m.message.blocks}),
                now,
            ),
        )


class SqliteQueue:
    """Reading, claiming and settling the outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, messages: Iterable[Outgoing]) -> None:
        with self.db.transaction() as db:
            enqueue_in(db, messages, self.db.clock())

    def pending_channels(self) -> list[str]:
        rows = self.db.query(f"SELECT DISTINCT channel FROM outbox WHERE state IN {_UNDELIVERED}")
        return [row["channel"] for row in rows]

    def next_pending(self, channel: str) -> OutboxRow | None:
        """The oldest undelivered message for `channel` (see `OutboxStore.next_pending`)."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'superseded', done_at = ? "
                "WHERE state = 'pending' AND channel = ? AND kind = 'update' AND EXISTS ("
                "SELECT 1 FROM outbox later WHERE later.state = 'pending' "
                "AND later.channel = outbox.channel AND later.kind = 'update' "
                "AND later.parent_key = outbox.parent_key AND later.id > outbox.id)",
                (self.db.clock(), channel),
            )
            cursor = db.execute(
                "SELECT o.id, o.channel, o.kind, o.parent_key, o.payload, o.due_at, o.attempts, "
                "o.backoffs, o.state, p.ts AS parent_ts FROM outbox o LEFT JOIN parents p "
                "ON p.parent_key = o.parent_key AND p.channel = o.channel "
                f"WHERE o.state IN {_UNDELIVERED} AND o.channel = ? ORDER BY o.id LIMIT 1",
                (channel,),
            )
            cursor.row_factory = sqlite3.Row
            row = cursor.fetchone()
        if row is None:
            return None
        payload = json.loads(row["payload"])
        outgoing = Outgoing(
            channel=row["channel"],
            kind=MessageKind(row["kind"]),
            parent_key=ParentKey.parse(row["parent_key"]),
            message=SlackMessage(payload["text"], payload["blocks"]),
        )
        return OutboxRow(
            id=row["id"],
            outgoing=outgoing,
            due_at=row["due_at"],
            attempts=row["attempts"],
            backoffs=row["backoffs"],
            parent_ts=row["parent_ts"],
            in_flight=row["state"] == "sending",
        )

    def claim(self, row: OutboxRow) -> None:
        """Mark `row` in flight: its sender is about to hand it to Slack."""
        with self.db.transaction() as db:
            db.execute("UPDATE outbox SET state = 'sending' WHERE id = ?", (row.id,))

    def mark_delivered(self, row: OutboxRow, ts: str | None) -> None:
        """Record that Slack accepted `row` and, for a new parent, the `ts` it was given."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'delivered', ts = ?, attempts = attempts + 1, "
                "done_at = ? WHERE id = ?",
                (ts, self.db.clock(), row.id),
            )
            if row.kind is MessageKind.POST:
                db.execute(
                    "UPDATE parents SET ts = ? WHERE parent_key = ? AND channel = ?",
                    (ts, str(row.outgoing.parent_key), row.channel),
                )

    def defer(
        self, row: OutboxRow, due_at: float, error: str, *, backoff: bool, in_flight: bool = False
    ) -> None:
        """Try `row` again at `due_at` (epoch seconds), noting why it failed; `in_flight` keeps
        it claimed (`sending`), so that it is looked for in Slack before it is sent again."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, due_at = ?, attempts = attempts + 1, "
                "backoffs = backoffs + ?, last_error = ? WHERE id = ?",
                ("sending" if in_flight else "pending", due_at, int(backoff), error, row.id),
            )

    def drop(self, row: OutboxRow, error: str) -> None:
        """Give up on `row`: only for an update whose parent message no longer exists."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'dropped', last_error = ?, done_at = ? WHERE id = ?",
                (error, self.db.clock(), row.id),
            )

    def counts(self) -> dict[str, int]:
        """Rows per state: `pending`, `sending`, `delivered`, `superseded`, `dropped`."""
        rows = self.db.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
        return {row["state"]: row["n"] for row in rows}
