"""Which channels hear about each event, and the messages they get: a pure function.

An incident is posted once per destination channel (the alert channel plus matching
subscriptions) as a parent message; everything after goes into that parent's thread, and the
parent is updated in place. When more than the flood threshold of incidents open for one channel
in one poll, that channel gets a single grouped parent instead, and each incident lives in its
thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.alerts.model import (
    Known,
    MessageKind,
    Outgoing,
    ParentKey,
    ParentKind,
    Subscription,
    Thread,
)
from bot.alerts.render import (
    api_recovered,
    api_recovered_parent,
    api_unreachable,
    cluster_gone,
    grouped_parent,
    incident_changed,
    incident_parent,
    incident_reminder,
    incident_reopened,
    incident_resolved,
)
from bot.message import SlackMessage
from shared.alerts import (
    ApiRecovered,
    ApiUnreachable,
    ClusterGone,
    Event,
    Incident,
    IncidentChanged,
    IncidentOpened,
    IncidentReminder,
    IncidentResolved,
)

_Render = Callable[[bool], SlackMessage]  # a reply, given whether it goes under a grouped parent

POST, REPLY, UPDATE = MessageKind.POST, MessageKind.REPLY, MessageKind.UPDATE


@dataclass(frozen=True, slots=True)
class Destinations:
    """Where alerts go: `CLUSTERS_ALERT_CHANNEL` and the subscriptions made from Slack."""

    alert_channel: str | None
    subscriptions: Sequence[Subscription] = ()

    def for_project(self, project_id: str) -> list[str]:
        """Channels that want alerts about a cluster of `project_id`, alert channel first."""
        wanted = [self.alert_channel] if self.alert_channel else []
        wanted += [s.channel for s in self.subscriptions if s.project in (None, project_id)]
        return list(dict.fromkeys(wanted))

    def everywhere(self) -> list[str]:
        """Every channel that receives anything (for news about the API itself)."""
        wanted = [self.alert_channel] if self.alert_channel else []
        return list(dict.fromkeys(wanted + [s.channel for s in self.subscriptions]))

    def __bool__(self) -> bool:
        return bool(self.alert_channel or self.subscriptions)


@dataclass(slots=True)
class Plan:
    """The new threads and the messages to queue, in the order they must be sent."""

    threads: list[Thread] = field(default_factory=list)
    messages: list[Outgoing] = field(default_factory=list)


def plan(
    events: Sequence[Event],
    *,
    destinations: Destinations,
    known: Known,
    now: datetime,
    flood_threshold: int = 5,
    approvals: bool = False,
) -> Plan:
    """The messages one poll's events cause.

    Args:
        events: what the engine said, in its order.
        destinations: channels and subscriptions now.
        known: threads and grouped parents already in the store for these events' subjects.
        now: the poll's time (for "since" and durations).
        flood_threshold: more new parents than this for one channel become one grouped parent.
        approvals: parents show Approve.../Reject... on repairs waiting for approval.
    """
    return _Planner(destinations, known, now, approvals).run(events, flood_threshold)


@dataclass(eq=False)
class _Planner:
    destinations: Destinations
    known: Known
    now: datetime
    approvals: bool = False
    out: Plan = field(init=False, default_factory=Plan)
    latest: dict[str, Incident] = field(init=False, default_factory=dict)
    # parents to re-render, in first-seen order
    stale: dict[tuple[ParentKey, str], None] = field(init=False, default_factory=dict)
    # channel -> incidents needing a parent
    opening: dict[str, list[Incident]] = field(init=False, default_factory=dict)

    def run(self, events: Sequence[Event], flood_threshold: int) -> Plan:
        for event in events:
            self._event(event)
        for channel, incidents in self.opening.items():
            if len(incidents) > flood_threshold:
                key = ParentKey(
                    ParentKind.GROUP, f"{incidents[0].incident_id}@{self.now.isoformat()}"
                )
                self.out.threads += [Thread(i.incident_id, channel, key) for i in incidents]
                self.known.groups[(key, channel)] = incidents
                self._send(channel, POST, key, grouped_parent(incidents, self.now))
            else:
                for incident in incidents:
                    key = ParentKey.incident(incident.incident_id)
                    self.out.threads.append(Thread(incident.incident_id, channel, key))
                    self._send(
                        channel,
                        POST,
                        key,
                        incident_parent(incident, self.now, approvals=self.approvals),
                    )
        for key, channel in self.stale:
            self._send(channel, UPDATE, key, self._parent(key, channel))
        return self.out

    def _event(self, event: Event) -> None:
        match event:
            case IncidentOpened(incident=incident, reopened_after=after):
                self.latest[incident.incident_id] = incident
                shown = self._threads(incident.incident_id)
                for t in shown:
                    grouped = t.parent_key.is_group
                    if after is not None:
                        self._reply(t, incident_reopened(incident, after, grouped=grouped))
                    self._mark_stale(t)
                here = {t.channel for t in shown}
                for channel in self.destinations.for_project(incident.cluster.project_id):
                    if channel not in here:
                        self.opening.setdefault(channel, []).append(incident)
            case IncidentChanged(incident=incident, changes=changes):
                self._follow_up(incident, lambda g: incident_changed(incident, changes, grouped=g))
            case IncidentReminder(incident=incident, open_for=open_for):
                self._follow_up(
                    incident,
                    lambda g: incident_reminder(incident, open_for, grouped=g),
                    refresh=False,
                )
            case IncidentResolved(incident=incident):
                self._follow_up(
                    incident, lambda g: incident_resolved(incident, self.now, grouped=g)
                )
            case ClusterGone(cluster=memory, at=at):
                key = ParentKey(ParentKind.GONE, f"{memory.cluster_id}@{at.isoformat()}")
                message = cluster_gone(memory.name, memory.cluster_id, memory.status)
                for channel in self.destinations.for_project(memory.project_id):
                    self._send(channel, POST, key, message)
            case ApiUnreachable(alert_id=alert_id, since=since, error=error):
                key = ParentKey(ParentKind.OUTAGE, alert_id)
                message = api_unreachable(since, error, self.now)
                for channel in self.destinations.everywhere():
                    self.out.threads.append(Thread(alert_id, channel, key))
                    self._send(channel, POST, key, message)
            case ApiRecovered(alert_id=alert_id, since=since, down_for=down_for):
                message = api_recovered(since, down_for)
                parent = api_recovered_parent(since, down_for)
                for t in self._threads(alert_id):
                    self._reply(t, message)
                    self._send(t.channel, UPDATE, t.parent_key, parent)

    def _follow_up(self, incident: Incident, render: _Render, *, refresh: bool = True) -> None:
        self.latest[incident.incident_id] = incident
        for t in self._threads(incident.incident_id):
            self._reply(t, render(t.parent_key.is_group))
            if refresh:
                self._mark_stale(t)

    def _threads(self, subject: str) -> list[Thread]:
        return self.known.threads.get(subject, [])

    def _mark_stale(self, t: Thread) -> None:
        self.stale[(t.parent_key, t.channel)] = None

    def _parent(self, key: ParentKey, channel: str) -> SlackMessage:
        if key.is_group:
            members = self.known.groups.get((key, channel), [])
            return grouped_parent([self.latest.get(i.incident_id, i) for i in members], self.now)
        return incident_parent(self.latest[key.id], self.now, approvals=self.approvals)

    def _reply(self, t: Thread, message: SlackMessage) -> None:
        self._send(t.channel, REPLY, t.parent_key, message)

    def _send(self, channel: str, kind: MessageKind, key: ParentKey, message: SlackMessage) -> None:
        self.out.messages.append(Outgoing(channel, kind, key, message))
