"""The polling loop: ask Together, step the alert engine, queue the messages, commit, repeat.

Each poll's new state, threads and messages are committed in one transaction, so a crash at any
point either loses the whole poll (it is redone from the previous state on restart, and finds the
same transitions) or keeps all of it (the outbox delivers what it queued). A poll that fails, or
a commit that fails, never stops the loop; a stored row that cannot be read is quarantined by
the store, and said once in the alert channel (or the channels subscribed to every project).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from typing import Protocol

from bot.alerts.gauges import record_poll
from bot.alerts.model import MessageKind, Outgoing, ParentKey, ParentKind
from bot.alerts.planner import Destinations, plan
from bot.alerts.render import quarantine_notice
from bot.alerts.store import Store
from shared.alerts import (
    AlertRules,
    ApiRecovered,
    ApiUnreachable,
    Event,
    IncidentChanged,
    IncidentOpened,
    IncidentReminder,
    IncidentResolved,
    PollFailed,
    PollOutcome,
    PollSucceeded,
    WatchState,
    step,
)
from shared.client import ClusterList
from shared.errors import TogetherError
from shared.timefmt import utcnow

logger = logging.getLogger(__name__)


class ClusterSource(Protocol):
    """What the watcher needs of `shared.ClustersClient`."""

    async def list_clusters(
        self, project_id: str | None = None, *, fresh: bool = False
    ) -> ClusterList: ...


@dataclass(eq=False)
class Watcher:
    """Polls every `interval_s` while there is somewhere to post; `run()` until `stop()`.

    Attributes:
        source: the Together client.
        store: the alert state.
        alert_channel: `CLUSTERS_ALERT_CHANNEL`, if set.
        rules: what alerts, and the timings.
        interval_s: seconds from the start of one poll to the start of the next.
        lock: held while the state is read and written, shared with the snooze listener.
        on_commit: called after each commit that queued messages (wakes the outbox).
        now: the time now, aware UTC.
        approvals: parents show Approve.../Reject... on repairs waiting for approval.
    """

    source: ClusterSource
    store: Store
    _: KW_ONLY
    alert_channel: str | None
    rules: AlertRules
    interval_s: float
    lock: asyncio.Lock
    on_commit: Callable[[], None] = lambda: None
    now: Callable[[], datetime] = utcnow
    approvals: bool = False
    _state: WatchState | None = field(init=False, repr=False, default=None)
    _stop: asyncio.Event = field(init=False, repr=False, default_factory=asyncio.Event)
    _wake: asyncio.Event = field(init=False, repr=False, default_factory=asyncio.Event)
    _idle_logged: bool = field(init=False, repr=False, default=False)

    def wake(self) -> None:
        """Poll now instead of at the next tick (a channel just subscribed)."""
        self._wake.set()

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """Poll until `stop()`; nothing a poll does ends the loop."""
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                await self.poll_once()
            except Exception:
                logger.exception("An alert poll failed; the next one will try again")
            self._wake.clear()
            remaining = self.interval_s - (time.monotonic() - started)
            if remaining > 0 and not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), remaining)

    async def poll_once(self) -> list[Event] | None:
        """One poll: fetch, step, plan, commit. None when there was nowhere to post.

        Raises:
            Exception: the store's own error when the state could not be read or written (the
                poll is lost, not half-applied).
        """
        store = self.store
        destinations = Destinations(self.alert_channel, await store.subscriptions())
        if not destinations:
            if not self._idle_logged:
                logger.info(
                    "Alerts: no CLUSTERS_ALERT_CHANNEL and no subscriptions; not polling until "
                    "a channel runs `/clusters subscribe`."
                )
                self._idle_logged = True
            return None
        self._idle_logged = False
        outcome = await self._fetch()
        async with self.lock:
            state = await store.load_state(self._state)
            now = self.now()
            result = step(state, outcome, now, self.rules)
            subjects = dict.fromkeys(s for e in result.events if (s := _subject(e)) is not None)
            known = await store.known(list(subjects))
            planned = plan(
                result.events,
                destinations=destinations,
                known=known,
                now=now,
                flood_threshold=self.rules.flood_threshold,
                approvals=self.approvals,
            )
            await store.commit_poll(result.state, planned.threads, planned.messages)
            self._state = result.state
            announced = await self._announce_quarantined(destinations)
        record_poll(outcome, result.events)  # metrics hook
        for event in result.events:
            logger.info("Alert: %s", _describe(event), extra=_context(event))  # log context hook
        if planned.messages or announced:
            self.on_commit()
        return result.events

    async def _announce_quarantined(self, destinations: Destinations) -> bool:
        """Say once, where every alert goes, that stored rows were set aside; True if queued."""
        rows = await self.store.quarantined(unannounced=True)
        if not rows:
            return False
        everything = [destinations.alert_channel] if destinations.alert_channel else []
        everything += [s.channel for s in destinations.subscriptions if s.project is None]
        notice = quarantine_notice(rows)
        key = ParentKey(ParentKind.NOTICE, f"quarantine#{rows[0].id}")
        messages = [
            Outgoing(channel, MessageKind.POST, key, notice)
            for channel in dict.fromkeys(everything)
        ]
        await self.store.announce_quarantined([r.id for r in rows], messages)
        return bool(messages)

    async def _fetch(self) -> PollOutcome:
        try:
            clusters = await self.source.list_clusters(fresh=True)
        except TogetherError as exc:
            logger.warning("Alert poll failed: %s", exc)
            return PollFailed(str(exc))
        unreadable = frozenset(i.cluster_id for i in clusters.invalid if i.cluster_id)
        return PollSucceeded(list(clusters), unreadable)


def _subject(event: Event) -> str | None:
    match event:
        case IncidentOpened() | IncidentChanged() | IncidentReminder() | IncidentResolved():
            return event.incident.incident_id
        case ApiUnreachable() | ApiRecovered():
            return event.alert_id
    return None


def _context(event: Event) -> dict[str, str]:
    # JSON logs carry the incident and its cluster (shared.log_json)
    match event:
        case IncidentOpened() | IncidentChanged() | IncidentReminder() | IncidentResolved():
            incident = event.incident
            return {"incident": incident.incident_id, "cluster": incident.cluster.cluster_name}
    return {}


def _describe(event: Event) -> str:
    match event:
        case IncidentOpened(incident=i, reopened_after=None):
            return f"incident {i.incident_id} opened ({i.cluster.cluster_name})"
        case IncidentOpened(incident=i):
            return f"incident {i.incident_id} reopened ({i.cluster.cluster_name})"
        case IncidentChanged(incident=i, changes=changes):
            return f"incident {i.incident_id}: {len(changes)} change(s)"
        case IncidentReminder(incident=i):
            return f"incident {i.incident_id}: reminder"
        case IncidentResolved(incident=i, reason=reason):
            return f"incident {i.incident_id} resolved ({reason})"
        case ApiUnreachable(since=since):
            return f"Together unreachable since {since.isoformat()}"
        case ApiRecovered(down_for=down_for):
            return f"Together reachable again after {down_for}"
    return type(event).__name__
