"""What alerts need of their storage: `Store` (the state) and `OutboxStore` (delivery).

One class implements both over one database; `bot.alerts.sqlite.SqliteStore` is the embedded
default. Every method is a coroutine and every write is one transaction inside the
implementation, so callers never hold a connection or a cursor:

    watcher      subscriptions() -> load_state() -> known(subjects) -> commit_poll(...)
    commands     subscribe, unsubscribe, subscriptions, open_incidents, posted
    snoozes      incident, threads_of, set_snooze (the parent updates queued in the same commit)
    sender       pending_channels -> next_pending -> claim -> mark_delivered | defer | drop

An outbox row is `pending` until claimed, `sending` while its sender talks to Slack, then
`delivered`, `superseded` (a newer update of the same parent made it moot) or `dropped` (an
update of a parent Slack no longer has). A row found `sending` by `next_pending` was left in
flight by a sender that stopped; it is offered again with `OutboxRow.in_flight` set.

Errors: `StoreUnavailable` when the store cannot be opened; any other failure of a method is
raised as the implementation's own error and leaves the store as it was before the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.alerts.model import Known, OutboxRow, Outgoing, Posted, Subscription, Thread
from shared.alerts import Incident, WatchState


class StoreUnavailable(Exception):
    """The alert store cannot be opened (a file that is not a database, no permission, ...)."""


class Store(Protocol):
    """The alert state: the watcher's memory, incidents, threads, subscriptions, snoozes."""

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription, by channel then project."""
        ...

    async def subscribe(
        self, channel: str, project: str | None, by_user: str, at: datetime
    ) -> bool:
        """Subscribe `channel` (to one project, or all); False when it already was."""
        ...

    async def unsubscribe(self, channel: str, project: str | None = None) -> int:
        """Remove `channel`'s subscription to `project`, or all of them; returns how many."""
        ...

    async def load_state(self, last: WatchState | None = None) -> WatchState:
        """The watcher's state with the current snoozes applied to its incidents.

        Args:
            last: the state this process last committed; None reads the stored one.

        Raises:
            ValueError: a stored row is not in the shape this version writes.
        """
        ...

    async def known(self, subjects: Sequence[str]) -> Known:
        """Where each of `subjects` is shown, and the members of the grouped parents among them:
        everything the planner needs from storage, in one read."""
        ...

    async def commit_poll(
        self, state: WatchState, threads: Sequence[Thread], messages: Sequence[Outgoing]
    ) -> None:
        """Record a poll's state, its new threads and its messages, in one transaction."""
        ...

    async def incident(self, incident_id: str) -> Incident | None:
        """One incident (open or not) with its snooze, or None."""
        ...

    async def open_incidents(self) -> list[Incident]:
        """Every open incident, oldest first, with snoozes."""
        ...

    async def threads_of(self, subjects: Sequence[str]) -> list[Thread]:
        """Where each of `subjects` is shown, in the order they were first posted."""
        ...

    async def posted(self, subjects: Sequence[str]) -> dict[str, list[Posted]]:
        """Subject -> its parent messages with their `ts` once delivered (absent if none)."""
        ...

    async def set_snooze(
        self, incident_id: str, until: datetime, by_user: str, messages: Sequence[Outgoing] = ()
    ) -> None:
        """Record a snooze, and queue `messages` (the parents showing it) in the same commit."""
        ...

    async def close(self) -> None:
        """Release the connection; called once, by whoever opened the store."""
        ...


class OutboxStore(Protocol):
    """The outbox: messages waiting for Slack, strictly in order per channel."""

    async def enqueue(self, messages: Sequence[Outgoing]) -> None:
        """Queue `messages` on their own (a poll or a snooze queues inside its own commit)."""
        ...

    async def pending_channels(self) -> list[str]:
        """Channels with messages not yet delivered."""
        ...

    async def next_pending(self, channel: str) -> OutboxRow | None:
        """The oldest undelivered message for `channel`, due or not: order is kept strictly.

        An update with a newer update of the same parent behind it is marked `superseded`
        first: only the latest state of a parent needs sending.
        """
        ...

    async def claim(self, row: OutboxRow) -> None:
        """Mark `row` in flight (`sending`): its sender is about to hand it to Slack."""
        ...

    async def mark_delivered(self, row: OutboxRow, ts: str | None) -> None:
        """Record that Slack accepted `row` and, for a new parent, the `ts` it was given."""
        ...

    async def defer(
        self, row: OutboxRow, due_at: float, error: str, *, backoff: bool, in_flight: bool = False
    ) -> None:
        """Try `row` again at `due_at` (epoch seconds), noting why it failed.

        `backoff` counts the failure towards the row's exponential backoff (server and network
        errors do; rate limits, which say how long to wait, do not). `in_flight` keeps the row
        claimed, for a failure after which Slack may have the message all the same (a timeout):
        it is then looked for in the channel before it is sent again.
        """
        ...

    async def drop(self, row: OutboxRow, error: str) -> None:
        """Give up on `row`: only for an update whose parent message no longer exists."""
        ...

    async def counts(self) -> dict[str, int]:
        """Rows per state: `pending`, `sending`, `delivered`, `superseded`, `dropped`."""
        ...


class AlertStore(Store, OutboxStore, Protocol):
    """Both halves, as one database provides them."""
