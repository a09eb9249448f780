"""What alerts need of their storage: `Store` (the state) and `OutboxStore` (delivery).

One class implements both over one database; `bot.alerts.sqlite.SqliteStore` is the embedded
default. Every method is a coroutine and every write is one transaction inside the
implementation, so callers never hold a connection or a cursor:

    watcher      subscriptions() -> load_state() -> known(subjects) -> commit_poll(...)
    commands     subscribe, unsubscribe (+ drop_queued), subscriptions, open_incidents, posted
    snoozes      incident, threads_of, set_snooze (the parent updates queued in the same commit)
    sender       pending_channels -> next_pending -> claim -> mark_delivered | defer | drop
                 | dead_letter
    upkeep       quarantined -> announce_quarantined; prune (hourly)
    approvals    claim_decision -> (call Together) -> release_decision on a refusal;
                 log_decision always (`bot.alerts.decisions`)

An outbox row is `pending` until claimed, `sending` while its sender talks to Slack, then
`delivered`, `superseded` (a newer update of the same parent made it moot), `dropped` (an
update of a parent Slack no longer has, or the channel unsubscribed) or `dead` (the channel
answered a permanent error for longer than the sender's window). A row found `sending` by
`next_pending` was left in flight by a sender that stopped; it is offered again with
`OutboxRow.in_flight` set.

Errors: `StoreUnavailable` when the store cannot be opened; any other failure of a method is
raised as the implementation's own error and leaves the store as it was before the call.

A stored row that cannot be read (an incident, a cluster's memory, a meta value) is moved to a
quarantine with its raw text, and everything else goes on: one bad row never stops alerting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.alerts.decisions import DecisionStore
from bot.alerts.lease import LeaseStore
from bot.alerts.model import (
    Deferral,
    Known,
    OutboxRow,
    Outgoing,
    Posted,
    Quarantined,
    Subscription,
    Thread,
)
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

    async def drop_queued(self, channel: str) -> int:
        """Drop `channel`'s undelivered messages once it has no subscription left (the
        unsubscribe command calls this; never for `CLUSTERS_ALERT_CHANNEL`).

        Threads whose parent message never reached the channel are forgotten with them, so no
        later reply goes there on its own. Returns how many messages were dropped (0 while the
        channel still has a subscription).
        """
        ...

    async def load_state(self, last: WatchState | None = None) -> WatchState:
        """The watcher's state with the current snoozes applied to its incidents.

        A stored row that cannot be read is quarantined (see `quarantined`) and left out.

        Args:
            last: the state this process last committed; None reads the stored one.
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
        """One incident (open or not) with its snooze, by its id or its `incident_key`, or
        None."""
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

    async def quarantined(self, *, unannounced: bool = False) -> list[Quarantined]:
        """Rows moved aside because they could not be read, oldest first; with `unannounced`,
        only those not yet announced."""
        ...

    async def announce_quarantined(self, ids: Sequence[int], messages: Sequence[Outgoing]) -> None:
        """Mark quarantined rows announced, and queue `messages` (saying so) in the same commit."""
        ...

    async def prune(self, *, done_before: float, resolved_before: datetime) -> dict[str, int]:
        """Delete what is no longer needed, in one transaction; returns how many of each.

        Args:
            done_before: outbox rows settled (delivered, superseded, dropped, dead) before this
                (epoch seconds) go.
            resolved_before: incidents resolved before this, and no longer followed by the
                engine, go with their snoozes and threads; so do quarantined rows older than it.
        """
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

    async def defer(self, row: OutboxRow, deferral: Deferral) -> None:
        """Try `row` again at `deferral.due_at`, noting why it failed (see `Deferral`)."""
        ...

    async def dead_letter(self, channel: str, error: str) -> int:
        """Give up on every undelivered message to `channel` (marked `dead`, noting `error`):
        it has answered a permanent error for too long. Threads whose parent never reached it
        are forgotten. Returns how many messages died."""
        ...

    async def drop(self, row: OutboxRow, error: str) -> None:
        """Give up on `row`: only for an update whose parent message no longer exists."""
        ...

    async def counts(self) -> dict[str, int]:
        """Rows per state: `pending`, `sending`, `delivered`, `superseded`, `dropped`, `dead`."""
        ...

    async def oldest_pending_at(self) -> float | None:
        """When the oldest undelivered message was queued (epoch seconds); None if none is."""
        ...


class AlertStore(Store, OutboxStore, LeaseStore, DecisionStore, Protocol):
    """Both halves, as one database provides them, with the leader lease
    (`bot.alerts.lease`) and the repair decision guard and log (`bot.alerts.decisions`)."""
