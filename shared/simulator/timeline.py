"""The scenario clock, and the demo's story: a healthy cluster degrades, is repaired, recovers.

Events are applied lazily: nothing runs in the background; whenever the simulator is asked
something it first applies the events whose time has come. Scenario time is the real time since
start (from an injectable clock) divided by `time_scale`, plus whatever `advance` added, and stands
still while paused. So with `time_scale=0.1` the demo's 30 s degradation comes after 3 real seconds,
and a test with a fake clock or `advance(30)` sees it with no waiting at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.simulator.fleet_builder import RawCluster
from shared.simulator.remediations import ECC_ERROR

DEGRADE_AT_S = 30.0
APPROVE_AT_S = 90.0
RECOVER_AT_S = 150.0


@dataclass(frozen=True)
class TimelineEvent:
    """A change to one cluster at a moment of scenario time.

    Attributes:
        at_s: scenario seconds after start.
        patch: what changes, in the format of `shared.simulator.patches`.
        requires: when set, the event applies only if that remediation is still in that state
            (`shared.simulator.repairs.still_applies`).
    """

    at_s: float
    cluster_id: str
    description: str
    patch: Mapping[str, Any]
    requires: Mapping[str, Any] | None = None


class Timeline:
    """Scenario time and the events still to come; see the module docstring.

    Raises:
        ValueError: `time_scale` is not positive.
    """

    def __init__(
        self,
        events: Sequence[TimelineEvent],
        *,
        clock: Callable[[], float],
        time_scale: float,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self._events = sorted(events, key=lambda event: event.at_s)
        self._applied = 0
        self._clock = clock
        self._started = clock()
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._advanced_s = 0.0

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def elapsed_s(self) -> float:
        """Scenario seconds since start."""
        now = self._paused_at if self._paused_at is not None else self._clock()
        real = now - self._started - self._paused_total
        return real / self.time_scale + self._advanced_s

    def set_paused(self, paused: bool) -> None:
        if paused and self._paused_at is None:
            self._paused_at = self._clock()
        elif not paused and self._paused_at is not None:
            self._paused_total += self._clock() - self._paused_at
            self._paused_at = None

    def advance(self, seconds: float) -> None:
        """Move scenario time forward by `seconds`, paused or not.

        Raises:
            ValueError: `seconds` is negative.
        """
        if seconds < 0:
            raise ValueError("the timeline only moves forward")
        self._advanced_s += seconds

    def schedule(self, event: TimelineEvent) -> None:
        """Add an event among those still to come, in time order."""
        pending = self._events[self._applied :]
        at = next((i for i, e in enumerate(pending) if e.at_s > event.at_s), len(pending))
        self._events.insert(self._applied + at, event)

    def take_due(self) -> list[TimelineEvent]:
        """The events whose time has come and that were not taken before, in order."""
        elapsed = self.elapsed_s()
        due = []
        while self._applied < len(self._events) and self._events[self._applied].at_s <= elapsed:
            due.append(self._events[self._applied])
            self._applied += 1
        return due

    def describe(self) -> dict[str, Any]:
        """Where the timeline stands, for `GET /_sim/timeline`."""
        return {
            "elapsed_s": round(self.elapsed_s(), 3),
            "paused": self.paused,
            "time_scale": self.time_scale,
            "events": [
                {
                    "at_s": event.at_s,
                    "cluster_id": event.cluster_id,
                    "description": event.description,
                    "applied": index < self._applied,
                }
                for index, event in enumerate(self._events)
            ],
        }


def demo_timeline(cluster: RawCluster) -> list[TimelineEvent]:
    """The demo's story for a Ready cluster: a worker fails, its repair is approved, it recovers."""
    cluster_id, name = cluster["cluster_id"], cluster["cluster_name"]
    node = cluster["gpu_worker_nodes"][1]
    node_id, host = node["node_id"], node["host_name"]
    return [
        TimelineEvent(
            at_s=DEGRADE_AT_S,
            cluster_id=cluster_id,
            description=f"{name} degrades: {host} fails ({ECC_ERROR.reason}), repair to approve",
            patch={
                "status": "Degraded",
                "nodes": {
                    node_id: {
                        "status": "Failed",
                        "latest_remediation": {
                            "state": "PENDING_APPROVAL",
                            "mode": ECC_ERROR.mode,
                            "reason": ECC_ERROR.reason,
                        },
                    }
                },
            },
        ),
        TimelineEvent(
            at_s=APPROVE_AT_S,
            cluster_id=cluster_id,
            description=f"{name}: the repair of {host} is approved and starts",
            patch={
                "nodes": {
                    node_id: {
                        "latest_remediation": {
                            "state": "RUNNING",
                            "review_comment": "Approved: replace the node.",
                        }
                    }
                }
            },
        ),
        TimelineEvent(
            at_s=RECOVER_AT_S,
            cluster_id=cluster_id,
            description=f"{name} recovers: {host} is replaced and running again",
            patch={
                "status": "Ready",
                "nodes": {
                    node_id: {"status": "Running", "latest_remediation": {"state": "SUCCEEDED"}}
                },
            },
        ),
    ]
