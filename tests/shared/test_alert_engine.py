"""The alert engine, as tables: a sequence of polls in, the events each poll produces out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.alerts import (
    AlertRules,
    ApiRecovered,
    ApiUnreachable,
    ClusterGone,
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


def ok(*clusters: Cluster, unreadable: frozenset[str] = frozenset()) -> PollSucceeded:
    return PollSucceeded(clusters, unreadable)


def fail(error: str = "Together failed with 503.") -> PollFailed:
    return PollFailed(error)


def describe(event: Event) -> str:
    """One short line per event, for tables."""
    match event:
        case IncidentOpened(incident=incident, reopened_after=None):
            return f"open {incident.cluster_id}"
        case IncidentOpened(incident=incident):
            return f"reopen {incident.cluster_id}"
        case IncidentChanged(incident=incident, changes=changes):
            return f"change {incident.cluster_id}: " + "; ".join(changes)
        case IncidentReminder(incident=incident):
            return f"remind {incident.cluster_id}"
        case IncidentResolved(incident=incident, reason=reason):
            return f"resolve {incident.cluster_id}: {reason}"
        case ClusterGone(cluster=memory):
            return f"gone {memory.cluster_id}"
        case ApiUnreachable(error=error):
            return f"api down: {error}"
        case ApiRecovered():
            return "api up"
    raise AssertionError(f"unexpected event {event!r}")


@dataclass
class Run:
    """Feeds polls to the engine at given seconds after T0 and keeps what it said."""

    rules: AlertRules = field(default_factory=AlertRules)
    state: WatchState = field(default_factory=WatchState)
    said: list[list[str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def poll(self, at_s: float, outcome: PollOutcome) -> list[str]:
        result = step(self.state, outcome, T0 + timedelta(seconds=at_s), self.rules)
        self.state = result.state
        self.events.extend(result.events)
        lines = [describe(e) for e in result.events]
        self.said.append(lines)
        return lines


Poll = tuple[float, PollOutcome]


def said(polls: Sequence[Poll], rules: AlertRules | None = None) -> list[list[str]]:
    run = Run(rules=rules or AlertRules())
    for at_s, outcome in polls:
        run.poll(at_s, outcome)
    return run.said


TRANSITIONS: dict[str, tuple[list[Poll], list[list[str]]]] = {
    "a ready cluster says nothing": (
        [(0, ok(cluster())), (60, ok(cluster()))],
        [[], []],
    ),
    "entering Degraded opens an incident": (
        [(0, ok(cluster())), (60, ok(DEGRADED))],
        [[], ["open c1"]],
    ),
    "a cluster already Degraded on the first poll opens an incident": (
        [(0, ok(DEGRADED))],
        [["open c1"]],
    ),
    "staying Degraded opens nothing more": (
        [(0, ok(DEGRADED)), (60, ok(DEGRADED)), (120, ok(DEGRADED))],
        [["open c1"], [], []],
    ),
    "returning to Ready resolves it": (
        [(0, ok(cluster())), (60, ok(DEGRADED)), (120, ok(cluster()))],
        [[], ["open c1"], ["resolve c1: back to Ready"]],
    ),
    "another node failing is a change in the same incident": (
        [
            (0, ok(DEGRADED)),
            (
                60,
                ok(cluster(status="Degraded", nodes=[node("n1", "Failed"), node("n2", "Failed")])),
            ),
        ],
        [["open c1"], ["change c1: Node n2 changed: Running → Failed"]],
    ),
    "a node coming back is a change": (
        [
            (0, ok(cluster(status="Degraded", nodes=[node("n1", "Failed"), node("n2", "Failed")]))),
            (60, ok(DEGRADED)),
        ],
        [["open c1"], ["change c1: Node n2 recovered: Failed → Running"]],
    ),
    "a pending approval on a Degraded cluster joins its open incident": (
        [
            (0, ok(DEGRADED)),
            (
                60,
                ok(
                    cluster(
                        status="Degraded",
                        nodes=[node("n1", "Failed", "PENDING_APPROVAL"), node("n2")],
                    )
                ),
            ),
        ],
        [["open c1"], ["change c1: Node n1: remediation awaiting approval (HOST_AWARE)"]],
    ),
    "a remediation's approval, start and failure are told in turn": (
        [
            (0, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "PENDING_APPROVAL")]))),
            (60, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "PENDING")]))),
            (120, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "RUNNING")]))),
            (
                180,
                ok(
                    cluster(
                        status="Degraded",
                        nodes=[node("n1", "Failed", "FAILED", error="host unreachable")],
                    )
                ),
            ),
        ],
        [
            ["open c1"],
            ["change c1: Node n1: remediation approved, queued (HOST_AWARE)"],
            ["change c1: Node n1: remediation running (HOST_AWARE)"],
            ["change c1: Node n1: remediation failed (HOST_AWARE): host unreachable"],
        ],
    ),
    "a pending approval on a Ready cluster opens an incident, approval resolves it": (
        [
            (0, ok(cluster())),
            (60, ok(cluster(nodes=[node("n1", "Running", "PENDING_APPROVAL"), node("n2")]))),
            (120, ok(cluster(nodes=[node("n1", "Running", "PENDING"), node("n2")]))),
        ],
        [[], ["open c1"], ["resolve c1: nothing left that needs a person"]],
    ),
    "on-demand compute paused opens an incident by default": (
        [(0, ok(cluster())), (60, ok(cluster(status="OnDemandComputePaused")))],
        [[], ["open c1"]],
    ),
    "Degraded then Paused resolves, saying the new status": (
        [(0, ok(DEGRADED)), (60, ok(cluster(status="Paused")))],
        [["open c1"], ["resolve c1: now Paused"]],
    ),
    "Degraded then Deleting resolves when deletions are not alerted on": (
        [(0, ok(DEGRADED)), (60, ok(cluster(status="Deleting")))],
        [["open c1"], ["resolve c1: now Deleting"]],
    ),
    "an unknown status keeps the incident open: unknown is not healthy": (
        [(0, ok(DEGRADED)), (60, ok(cluster(status="Quarantined"))), (120, ok(cluster()))],
        [
            ["open c1"],
            ["change c1: Status Degraded → Quarantined; Node n1 recovered: Failed → Running"],
            ["resolve c1: back to Ready"],
        ],
    ),
    "an unknown status alone opens nothing": (
        [(0, ok(cluster())), (60, ok(cluster(status="Quarantined")))],
        [[], []],
    ),
    "a failed remediation opens nothing by default": (
        [(0, ok(cluster(nodes=[node("n1", "Running", "FAILED", error="boom")])))],
        [[]],
    ),
    "a cluster absent from one poll is not gone": (
        [(0, ok(DEGRADED)), (60, ok()), (120, ok(DEGRADED))],
        [["open c1"], [], []],
    ),
    "a cluster absent from two polls in a row is gone and its incident resolves": (
        [(0, ok(DEGRADED)), (60, ok()), (120, ok())],
        [["open c1"], [], ["resolve c1: no longer listed by Together"]],
    ),
    "absences broken by a sighting start counting again": (
        [(0, ok(DEGRADED)), (60, ok()), (120, ok(DEGRADED)), (180, ok()), (240, ok(DEGRADED))],
        [["open c1"], [], [], [], []],
    ),
    "a listed but unreadable cluster is not absent": (
        [
            (0, ok(DEGRADED)),
            (60, ok(unreadable=frozenset({"c1"}))),
            (120, ok(unreadable=frozenset({"c1"}))),
            (180, ok(unreadable=frozenset({"c1"}))),
        ],
        [["open c1"], [], [], []],
    ),
    "failed polls neither open nor resolve": (
        [(0, ok(cluster())), (60, fail()), (120, fail()), (180, ok(cluster()))],
        [[], [], [], []],
    ),
    "failed polls do not resolve an open incident; the next good poll does": (
        [(0, ok(DEGRADED)), (60, fail()), (120, fail()), (180, ok(cluster()))],
        [["open c1"], [], [], ["resolve c1: back to Ready"]],
    ),
    "failed polls do not count as absences": (
        [(0, ok(DEGRADED)), (60, fail()), (120, fail()), (180, fail()), (240, ok(DEGRADED))],
        [["open c1"], [], [], [], []],
    ),
    "a short outage says nothing": (
        [(0, ok(cluster())), (60, fail()), (120, fail()), (180, ok(cluster()))],
        [[], [], [], []],
    ),
    "a long outage is announced once, with no false recovery, then its end": (
        [
            (0, ok(DEGRADED)),
            (60, fail("Together failed with 503.")),
            (300, fail("Together failed with 502.")),
            (360, fail("Together failed with 500.")),
            (420, fail("Together failed with 500.")),
            (480, ok(DEGRADED)),
        ],
        [
            ["open c1"],
            [],
            [],
            ["api down: Together failed with 500."],
            [],
            ["api up"],
        ],
    ),
    "flapping back within the window reopens the same incident": (
        [(0, ok(DEGRADED)), (60, ok(cluster())), (600, ok(DEGRADED))],
        [["open c1"], ["resolve c1: back to Ready"], ["reopen c1"]],
    ),
    "going bad again after the window opens a new incident": (
        [(0, ok(DEGRADED)), (60, ok(cluster())), (60 + 901, ok(DEGRADED))],
        [["open c1"], ["resolve c1: back to Ready"], ["open c1"]],
    ),
    "reminders come every remind interval while open": (
        [
            (0, ok(DEGRADED)),
            (4 * 3600 - 60, ok(DEGRADED)),
            (4 * 3600, ok(DEGRADED)),
            (4 * 3600 + 60, ok(DEGRADED)),
            (8 * 3600, ok(DEGRADED)),
        ],
        [["open c1"], [], ["remind c1"], [], ["remind c1"]],
    ),
    "clusters are followed each on their own": (
        [
            (0, ok(cluster("a"), cluster("b"))),
            (60, ok(degraded("a"), cluster("b"))),
            (120, ok(degraded("a"), degraded("b"))),
            (180, ok(cluster("a"), degraded("b"))),
        ],
        [[], ["open a"], ["open b"], ["resolve a: back to Ready"]],
    ),
    "many clusters going bad at once each get an incident": (
        [(0, ok(*(degraded(f"c{i}") for i in range(7))))],
        [[f"open c{i}" for i in range(7)]],
    ),
}


@pytest.mark.parametrize(("polls", "expected"), TRANSITIONS.values(), ids=TRANSITIONS.keys())
def test_transitions_with_the_default_rules(polls: list[Poll], expected: list[list[str]]) -> None:
    assert said(polls) == expected
