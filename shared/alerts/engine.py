"""The alert engine: from what it remembers and one poll's outcome, the next state and events.

A pure function, `step(state, outcome, now, rules)`, so every transition is testable without
I/O. What it guarantees:

- Everything alert-worthy about one cluster at one time is one incident; new conditions on a
  cluster with an open incident become `IncidentChanged`, never a second incident.
- A failed poll says nothing about clusters: it never opens, changes or resolves an incident. It
  only feeds the API-down timer.
- A cluster missing from one successful poll is remembered as it was; missing from
  `absent_polls_for_gone` in a row, it is gone (its incident resolves as "no longer listed").
- A status the engine does not know keeps an incident open: unknown is not healthy.
- Going bad again within the flap window reopens the previous incident (same thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.alerts import events
from shared.alerts.problems import (
    Problem,
    describe_changes,
    problems_of,
    remember_nodes,
    status_is_known,
)
from shared.alerts.rules import AlertRules, Trigger
from shared.alerts.state import ApiHealth, ClusterMemory, Incident, WatchState
from shared.enums import ClusterStatus
from shared.models import Cluster


@dataclass(frozen=True, slots=True)
class PollSucceeded:
    """Together answered. `unreadable` holds ids of entries it listed that could not be parsed:
    they are neither present nor absent, so nothing about them changes."""

    clusters: Sequence[Cluster]
    unreadable: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PollFailed:
    """Together could not be asked; `error` is the message of what went wrong."""

    error: str


PollOutcome = PollSucceeded | PollFailed


@dataclass(frozen=True, slots=True)
class Step:
    """The engine's answer for one poll."""

    state: WatchState
    events: list[events.Event] = field(default_factory=list)


def step(state: WatchState, outcome: PollOutcome, now: datetime, rules: AlertRules) -> Step:
    """Advance the alert state by one poll.

    Args:
        state: what the engine knew before this poll (snoozes already merged in).
        outcome: the poll's result.
        now: when the poll finished (aware UTC).
        rules: what alerts and the timings.
    """
    if isinstance(outcome, PollFailed):
        return _failed(state, outcome, now, rules)
    return _Succeeded(state, now, rules).run(outcome)


def _failed(state: WatchState, poll: PollFailed, now: datetime, rules: AlertRules) -> Step:
    api = state.api
    since = api.failing_since or now
    api = ApiHealth(
        failing_since=since, last_error=poll.error, failures=api.failures + 1, alert_id=api.alert_id
    )
    if api.alert_id is not None or now - since < rules.api_down_after:
        return Step(replace(state, api=api))
    sequence = state.sequence + 1
    alert_id = f"api#{sequence}"
    event = events.ApiUnreachable(alert_id, since, poll.error)
    return Step(replace(state, api=replace(api, alert_id=alert_id), sequence=sequence), [event])


class _Succeeded:
    """One successful poll, worked through cluster by cluster."""

    def __init__(self, state: WatchState, now: datetime, rules: AlertRules) -> None:
        self.old = state
        self.now = now
        self.rules = rules
        self.sequence = state.sequence
        self.clusters: dict[str, ClusterMemory] = {}
        self.incidents = dict(state.incidents)
        self.events: list[events.Event] = []

    def run(self, poll: PollSucceeded) -> Step:
        api = self.old.api
        if api.failing_since is not None and api.alert_id is not None:
            down_for = self.now - api.failing_since
            self.events.append(events.ApiRecovered(api.alert_id, api.failing_since, down_for))
        opened: list[events.Event] = []
        for cluster in poll.clusters:
            if cluster.cluster_id not in self.clusters:
                opened.extend(self._look_at(cluster))
        for cluster_id, memory in self.old.clusters.items():
            if cluster_id not in self.clusters:
                self._missing(memory, unreadable=cluster_id in poll.unreadable)
        self.events.extend(opened)
        incidents = {
            cluster_id: incident
            for cluster_id, incident in self.incidents.items()
            if incident.resolved_at is None
            or self.now - incident.resolved_at <= self.rules.flap_window
        }
        state = WatchState(
            clusters=self.clusters, incidents=incidents, api=ApiHealth(), sequence=self.sequence
        )
        return Step(state, self.events)

    def _look_at(self, cluster: Cluster) -> list[events.Event]:
        """Remember `cluster` and follow its incident; returns opening events (told last)."""
        old = self.old.clusters.get(cluster.cluster_id)
        problems = problems_of(cluster, self.now, self.rules)
        since = None
        if problems:
            since = old.problem_since if old and old.problems and old.problem_since else self.now
        self.clusters[cluster.cluster_id] = ClusterMemory(
            cluster_id=cluster.cluster_id,
            name=cluster.cluster_name,
            project_id=cluster.project_id,
            status=cluster.status.value,
            nodes=remember_nodes(cluster),
            problems=problems,
            problem_since=since,
        )
        incident = self.incidents.get(cluster.cluster_id)
        if incident is not None and incident.is_open:
            self._follow(incident, old, cluster, problems)
            return []
        if since is None or self.now - since < self.rules.hold:
            return []
        if incident is not None and incident.resolved_at is not None:
            gap = self.now - incident.resolved_at
            if gap <= self.rules.flap_window:
                reopened = replace(
                    incident,
                    cluster=cluster,
                    problems=problems,
                    resolved_at=None,
                    resolution=None,
                    reopened=incident.reopened + 1,
                    last_notified_at=self.now,
                )
                self.incidents[cluster.cluster_id] = reopened
                return [events.IncidentOpened(reopened, reopened_after=gap)]
        self.sequence += 1
        new = Incident(
            incident_id=f"{cluster.cluster_id}#{self.sequence}",
            cluster=cluster,
            opened_at=self.now,
            problems=problems,
            last_notified_at=self.now,
        )
        self.incidents[cluster.cluster_id] = new
        return [events.IncidentOpened(new)]

    def _follow(
        self,
        incident: Incident,
        old: ClusterMemory | None,
        cluster: Cluster,
        problems: dict[str, Problem],
    ) -> None:
        now = self.now
        current = replace(incident, cluster=cluster, problems=problems or incident.problems)
        if not problems and status_is_known(cluster):
            self._resolve(
                current, _reason(incident, cluster), cluster.status == ClusterStatus.READY
            )
            return
        snoozed = current.is_snoozed(now)
        if old is not None and not snoozed:
            changes = describe_changes(old.status, old.nodes, old.problems, cluster, problems)
            if changes:
                self.events.append(events.IncidentChanged(current, tuple(changes)))
        if not snoozed and now - current.last_notified_at >= self.rules.remind_after:
            current = replace(current, last_notified_at=now)
            self.events.append(events.IncidentReminder(current, now - current.opened_at))
        self.incidents[cluster.cluster_id] = current

    def _missing(self, memory: ClusterMemory, *, unreadable: bool) -> None:
        if unreadable:
            self.clusters[memory.cluster_id] = memory
            return
        missing = memory.missing_polls + 1
        if missing < self.rules.absent_polls_for_gone:
            self.clusters[memory.cluster_id] = replace(memory, missing_polls=missing)
            return
        incident = self.incidents.get(memory.cluster_id)
        if incident is not None and incident.is_open:
            deleted = " (deleted)" if memory.status == ClusterStatus.DELETING else ""
            self._resolve(incident, f"no longer listed by Together{deleted}", recovered=False)
        elif Trigger.DELETED in self.rules.triggers:
            self.events.append(events.ClusterGone(memory, self.now))

    def _resolve(self, incident: Incident, reason: str, recovered: bool) -> None:
        resolved = replace(incident, resolved_at=self.now, resolution=reason)
        self.incidents[incident.cluster_id] = resolved
        self.events.append(
            events.IncidentResolved(resolved, resolved.duration(self.now), reason, recovered)
        )


def _reason(incident: Incident, cluster: Cluster) -> str:
    if cluster.status != ClusterStatus.READY:
        return f"now {cluster.status.value}"
    if any(key.startswith("status:") for key in incident.problems):
        return "back to Ready"
    return "nothing left that needs a person"
