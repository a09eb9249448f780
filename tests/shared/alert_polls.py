"""Polls for the alert engine's tests: clusters, outcomes, and a run that keeps what it said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import alerts
from shared.models import Cluster

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def node(
    node_id: str,
    status: str = "Running",
    remediation: str | None = None,
    *,
    mode: str = "REMEDIATION_MODE_HOST_AWARE",
    remediation_id: str = "rem-1",
    error: str | None = None,
    reviewed_by: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"node_id": node_id, "status": status, "num_gpus": 8}
    if remediation is not None:
        data["latest_remediation"] = {
            "id": remediation_id,
            "mode": mode,
            "trigger": "REMEDIATION_TRIGGER_AUTOMATED",
            "state": remediation,
            "error_message": error,
            "reviewed_by": reviewed_by,
        }
    return data


def cluster(
    cluster_id: str = "c1",
    status: str = "Ready",
    nodes: Sequence[dict[str, Any]] | None = None,
    **extra: Any,
) -> Cluster:
    """A cluster named `name-<id>` with two running nodes unless told otherwise."""
    workers = list(nodes) if nodes is not None else [node("n1"), node("n2")]
    return Cluster.model_validate(
        {
            "cluster_id": cluster_id,
            "cluster_name": f"name-{cluster_id}",
            "status": status,
            "gpu_type": "H100_SXM",
            "region": "us-central-8",
            "num_gpus": 8 * len(workers),
            "gpu_worker_nodes": workers,
            **extra,
        }
    )


def degraded(cluster_id: str = "c1", **extra: Any) -> Cluster:
    """A Degraded cluster whose node n1 has failed."""
    return cluster(cluster_id, "Degraded", [node("n1", "Failed"), node("n2")], **extra)


DEGRADED = degraded()


def ok(*clusters: Cluster, unreadable: frozenset[str] = frozenset()) -> alerts.PollSucceeded:
    return alerts.PollSucceeded(clusters, unreadable)


def fail(error: str = "Together failed with 503.") -> alerts.PollFailed:
    return alerts.PollFailed(error)


def describe(event: alerts.Event) -> str:
    """One short line per event, for tables."""
    match event:
        case alerts.IncidentOpened(incident=incident, reopened_after=None):
            return f"open {incident.cluster_id}"
        case alerts.IncidentOpened(incident=incident):
            return f"reopen {incident.cluster_id}"
        case alerts.IncidentChanged(incident=incident, changes=changes):
            return f"change {incident.cluster_id}: " + "; ".join(changes)
        case alerts.IncidentReminder(incident=incident):
            return f"remind {incident.cluster_id}"
        case alerts.IncidentResolved(incident=incident, reason=reason):
            return f"resolve {incident.cluster_id}: {reason}"
        case alerts.ClusterGone(cluster=memory):
            return f"gone {memory.cluster_id}"
        case alerts.ApiUnreachable(error=error):
            return f"api down: {error}"
        case alerts.ApiRecovered():
            return "api up"
    raise AssertionError(f"unexpected event {event!r}")


@dataclass
class Run:
    """Feeds polls to the engine at given seconds after T0 and keeps what it said."""

    rules: alerts.AlertRules = field(default_factory=alerts.AlertRules)
    state: alerts.WatchState = field(default_factory=alerts.WatchState)
    said: list[list[str]] = field(default_factory=list)
    events: list[alerts.Event] = field(default_factory=list)

    def poll(self, at_s: float, outcome: alerts.PollOutcome) -> list[str]:
        result = alerts.step(self.state, outcome, T0 + timedelta(seconds=at_s), self.rules)
        self.state = result.state
        self.events.extend(result.events)
        lines = [describe(e) for e in result.events]
        self.said.append(lines)
        return lines


Poll = tuple[float, alerts.PollOutcome]


def ran(polls: Sequence[Poll], rules: alerts.AlertRules | None = None) -> Run:
    """A run that has been fed `polls`, in order."""
    run = Run(rules=rules or alerts.AlertRules())
    for at_s, outcome in polls:
        run.poll(at_s, outcome)
    return run


def said(polls: Sequence[Poll], rules: alerts.AlertRules | None = None) -> list[list[str]]:
    """What the engine said at each of `polls`."""
    return ran(polls, rules).said
