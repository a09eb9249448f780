"""What the alerts feature tells the metrics: events by kind, the last good poll, the outbox,
whether this replica leads.

The watcher calls `record_poll` after each committed poll. `outbox_probe(store)` is what
`/readyz` and `/metrics` await: it reads the outbox's counts (which also proves the state store
answers) and sets the outbox gauges from them, so a scrape sees the outbox as it is now.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Sequence

from bot.alerts.store import OutboxStore
from bot.metrics import (
    ALERT_EVENTS,
    DEAD_LETTERS,
    LAST_POLL,
    LEADER,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PENDING,
)
from shared.alerts import Event, PollOutcome, PollSucceeded

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def event_kind(event: Event) -> str:
    """The `kind` label of an event: its class name in snake case (`incident_opened`, ...)."""
    return _CAMEL.sub("_", type(event).__name__).lower()


def record_poll(
    outcome: PollOutcome, events: Sequence[Event], *, clock: Callable[[], float] = time.time
) -> None:
    """Count a committed poll's events, and stamp the time when its fetch succeeded."""
    if isinstance(outcome, PollSucceeded):
        LAST_POLL.set(clock())
    for event in events:
        ALERT_EVENTS.labels(kind=event_kind(event)).inc()


def record_leadership(leads: bool) -> None:
    """Set `clusters_leader`: 1 from the moment this replica's duties start, 0 once they stop."""
    LEADER.set(1 if leads else 0)


def outbox_probe(
    store: OutboxStore, *, clock: Callable[[], float] = time.time
) -> Callable[[], Awaitable[None]]:
    """An async check that reads the outbox and sets the outbox gauges; it raises what the
    store raises when the store cannot answer."""

    async def probe() -> None:
        counts = await store.counts()
        oldest = await store.oldest_pending_at()
        OUTBOX_PENDING.set(counts.get("pending", 0) + counts.get("sending", 0))
        DEAD_LETTERS.set(counts.get("dead", 0))
        OUTBOX_OLDEST_AGE.set(0.0 if oldest is None else max(0.0, clock() - oldest))

    return probe
