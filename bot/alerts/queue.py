"""The outbox table: messages waiting for Slack, strictly in order per channel.

A message is queued in the same transaction as the state change that caused it, and marked
delivered in the same transaction that records the `ts` Slack returned. So after a crash nothing
is lost, and nothing is sent twice unless the process died between Slack's answer and that
commit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.alerts.database import Database

POST, REPLY, UPDATE = "post", "reply", "update"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to queue.

    Attributes:
        channel: where it goes.
        kind: `post` (a new parent message), `reply` (in the parent's thread) or `update`
            (`chat.update` of the parent).
        parent_key: the parent message it is, replies under, or updates.
        text: the fallback text.
        blocks: Block Kit blocks.
    """

    channel: str
    kind: str
    parent_key: str
    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A queued message, with the `ts` of its parent message when Slack has given one."""

    id: int
    channel: str
    kind: str
    parent_key: str
    text: str
    blocks: list[dict[str, Any]]
    due_at: float
    attempts: int
    backoffs: int
    parent_ts: str | None


def enqueue_in(db: sqlite3.Connection, messages: Iterable[Outgoing], now: float) -> None:
    """Queue `messages` inside a transaction the caller holds."""
    for m in messages:
        if m.kind == POST:
            db.execute(
                "INSERT OR IGNORE INTO parents (parent_key, channel, ts) VALUES (?, ?, NULL)",
                (m.parent_key, m.channel),
            )
        db.execute(
            "INSERT INTO outbox (channel, kind, parent_key, payload, created_at, due_at) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            (
                m.channel,
                m.kind,
                m.parent_key,
                json.dumps({"text": m.text, "blocks": m.blocks}),
                now,
            ),
        )


class OutboxQueue:
    """Reading and settling the outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, messages: Iterable[Outgoing]) -> None:
        with self.db.transaction() as db:
            enqueue_in(db, messages, self.db.clock())

    def pending_channels(self) -> list[str]:
        rows = self.db.query("SELECT DISTINCT channel FROM outbox WHERE state = 'pending'")
        return [row["channel"] for row in rows]

    def next_pending(self, channel: str) -> OutboxRow | None:
        """The oldest undelivered message for `channel`, due or not: order is kept strictly.

        An update with a newer update of the same parent behind it is marked `superseded` first:
        only the latest state of a parent needs sending.
        """
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
                "o.backoffs, "
                "p.ts AS parent_ts FROM outbox o LEFT JOIN parents p "
                "ON p.parent_key = o.parent_key AND p.channel = o.channel "
                "WHERE o.state = 'pending' AND o.channel = ? ORDER BY o.id LIMIT 1",
                (channel,),
            )
            cursor.row_factory = sqlite3.Row
            row = cursor.fetchone()
        if row is None:
            return None
        payload = json.loads(row["payload"])
        return OutboxRow(
            id=row["id"],
            channel=row["channel"],
            kind=row["kind"],
            parent_key=row["parent_key"],
            text=payload["text"],
            blocks=payload["blocks"],
            due_at=row["due_at"],
            attempts=row["attempts"],
            backoffs=row["backoffs"],
            parent_ts=row["parent_ts"],
        )

    def mark_delivered(self, row: OutboxRow, ts: str | None) -> None:
        """Record that Slack accepted `row` and, for a new parent, the `ts` it was given."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'delivered', ts = ?, attempts = attempts + 1, "
                "done_at = ? WHERE id = ?",
                (ts, self.db.clock(), row.id),
            )
            if row.kind == POST:
                db.execute(
                    "UPDATE parents SET ts = ? WHERE parent_key = ? AND channel = ?",
                    (ts, row.parent_key, row.channel),
                )

    def defer(self, row: OutboxRow, due_at: float, error: str, *, backoff: bool) -> None:
        """Try `row` again at `due_at` (epoch seconds), noting why it failed.

        `backoff` counts the failure towards the row's exponential backoff (server and network
        errors do; rate limits, which say how long to wait, do not).
        """
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET due_at = ?, attempts = attempts + 1, backoffs = backoffs + ?, "
                "last_error = ? WHERE id = ?",
                (due_at, int(backoff), error, row.id),
            )

    def drop(self, row: OutboxRow, error: str) -> None:
        """Give up on `row`: only for an update whose parent message no longer exists."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'dropped', last_error = ?, done_at = ? WHERE id = ?",
                (error, self.db.clock(), row.id),
            )

    def counts(self) -> dict[str, int]:
        """Rows per state: `pending`, `delivered`, `superseded`, `dropped`."""
        rows = self.db.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
        return {row["state"]: row["n"] for row in rows}
