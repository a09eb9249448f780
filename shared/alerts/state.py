"""What the alert engine remembers between polls: clusters as last seen, incidents, API health.

Plain immutable values: the engine returns a new `WatchState` for every poll, and the bot keeps
it in SQLite so a restart carries on where it stopped (`shared.alerts.codec` turns it to JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from shared.alerts.problems import NodeMemory, Problem
from shared.models import Cluster


@dataclass(frozen=True, slots=True)
class ClusterMemory:
    """One cluster as the last successful poll that listed it saw it.

    Attributes:
        cluster_id, name, project_id: who it is.
        status: its status value then.
        nodes: node fingerprints by node id.
        problems: its alert-worthy conditions then, by key.
        problem_since: since when it has had at least one, without a break.
        missing_polls: successful polls in a row that did not list it.
    """

    cluster_id: str
    name: str
    project_id: str
    status: str
    nodes: dict[str, NodeMemory] = field(default_factory=dict)
    problems: dict[str, Problem] = field(default_factory=dict)
    problem_since: datetime | None = None
    missing_polls: int = 0


@dataclass(frozen=True, slots=True)
class Incident:
    """Everything wrong with one cluster from the moment it went bad until it recovered.

    Attributes:
        incident_id: unique and stable; Slack buttons carry it.
        cluster: the latest snapshot of the cluster (what the parent message shows).
        opened_at: when it opened (the first time, if it reopened after a flap).
        problems: its conditions, by key; at resolution, those it had last.
        last_notified_at: when the last reminder went out (or it opened); reminders count from it.
        resolved_at: when it resolved; None while open.
        resolution: why it resolved, in words ("back to Ready").
        reopened: how many times it reopened within the flap window.
        snoozed_until, snoozed_by: who silenced its updates and reminders, until when.
    """

    incident_id: str
    cluster: Cluster
    opened_at: datetime
    problems: dict[str, Problem]
    last_notified_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None
    reopened: int = 0
    snoozed_until: datetime | None = None
    snoozed_by: str | None = None

    @property
    def cluster_id(self) -> str:
        return self.cluster.cluster_id

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def is_snoozed(self, now: datetime) -> bool:
        return self.snoozed_until is not None and now < self.snoozed_until

    def duration(self, now: datetime) -> timedelta:
        return max(timedelta(0), (self.resolved_at or now) - self.opened_at)

    def with_snooze(self, until: datetime | None, by: str | None) -> Incident:
        return replace(self, snoozed_until=until, snoozed_by=by)


@dataclass(frozen=True, slots=True)
class ApiHealth:
    """How polling has been going.

    Attributes:
        failing_since: when the current run of failed polls began; None while polls succeed.
        last_error: the latest failure, as its message.
        failures: failed polls in the current run.
        alert_id: set once "unreachable" has been announced for this run.
    """

    failing_since: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    alert_id: str | None = None


@dataclass(frozen=True, slots=True)
class WatchState:
    """All the engine knows. `incidents` holds, per cluster id, the open incident or one that
    resolved less than a flap window ago (so it can reopen)."""

    clusters: dict[str, ClusterMemory] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    api: ApiHealth = field(default_factory=ApiHealth)
    sequence: int = 0

    def open_incidents(self) -> list[Incident]:
        """Open incidents, oldest first."""
        return sorted((i for i in self.incidents.values() if i.is_open), key=lambda i: i.opened_at)
