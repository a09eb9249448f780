"""The simulator's state: the clusters it serves, the faults it will inject, what it has served.

One `SimulatorState` is shared by the API routes, the control routes and, through
`SimulatorServer.state`, by test code in other threads; every public method holds its lock.
Each method first applies the timeline events that have fallen due, so the timeline moves
exactly as far as the clock says whenever anyone looks.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.simulator import repairs
from shared.simulator.faults import Fault, FaultQueue
from shared.simulator.patches import PatchError, apply_patch
from shared.simulator.scenarios import build_scenario, check_scenario_name
from shared.simulator.stats import RequestStats
from shared.simulator.timeline import Timeline

logger = logging.getLogger(__name__)


class UnknownClusterError(LookupError):
    """The control API named a cluster the simulator does not hold."""


class SimulatorState:
    """Clusters, faults, request counts and the timeline of one simulator.

    Args:
        scenario: `demo`, `large:N` or `empty`.
        api_key: the bearer token the API accepts.
        seed: makes ids, names and sizes repeatable.
        time_scale: scenario seconds per real second is `1 / time_scale`; 0.1 runs 10x faster.
        clock: seconds from any fixed origin (default `time.monotonic`); inject one in tests.
        now: the wall-clock time at start (default: now), for repeatable time stamps.

    Raises:
        ValueError: unknown scenario, or `time_scale` not positive.
    """

    def __init__(
        self,
        scenario: str,
        *,
        api_key: str,
        seed: int,
        time_scale: float,
        clock: Callable[[], float],
        now: datetime | None = None,
    ) -> None:
        check_scenario_name(scenario)
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.scenario = scenario
        self.api_key = api_key
        self.seed = seed
        self.time_scale = time_scale
        self._clock = clock
        self._epoch_clock = clock()
        self._epoch_wall = now or datetime.now(UTC).replace(microsecond=0)
        self._lock = threading.RLock()
        self._faults = FaultQueue()
        self._stats = RequestStats()
        self._clusters: dict[str, Any] = {}
        self._encoded: dict[str, bytes] = {}
        self._archive: repairs.Archive = {}
        self.read_only_keys: set[str] = set()
        self._added = 0
        self.reset()

    def wall_now(self) -> datetime:
        """The simulated wall-clock time: the start time plus the clock's elapsed seconds."""
        return self._epoch_wall + timedelta(seconds=self._clock() - self._epoch_clock)

    def reset(self) -> None:
        """Back to the scenario's start: its clusters, a fresh timeline, no faults, no counts."""
        with self._lock:
            self._started_wall = self.wall_now()
            scenario = build_scenario(self.scenario, seed=self.seed, now=self._started_wall)
            self._clusters = {raw["cluster_id"]: raw for raw in scenario.clusters}
            self._encoded.clear()
            self._archive.clear()
            self._timeline = Timeline(
                scenario.events, clock=self._clock, time_scale=self.time_scale
            )
            self._faults.clear()
            self._stats.clear()

    # The API's side.

    def clusters_body(self, project_id: str | None) -> bytes:
        """The body of `GET /compute/clusters`, filtered to one project when given."""
        with self._lock:
            self._apply_due_events()
            parts = [
                self._encode(key, raw)
                for key, raw in self._clusters.items()
                if not project_id or (isinstance(raw, dict) and raw.get("project_id") == project_id)
            ]
        return b'{"clusters":[' + b",".join(parts) + b"]}"

    def cluster_body(self, cluster_id: str) -> bytes:
        """The body of `GET /compute/clusters/{cluster_id}`.

        Raises:
            UnknownClusterError: no cluster with that id.
        """
        with self._lock:
            self._apply_due_events()
            return self._encode(cluster_id, self._get(cluster_id))

    def remediations(self, cluster_id: str, instance_id: str) -> dict[str, Any]:
        """The body of the remediations list of a node (`-`: of every node).

        Raises:
            UnknownClusterError: no cluster with that id.
            RepairError: no node with that instance id.
        """
        with self._lock:
            self._apply_due_events()
            return repairs.listing(self._get(cluster_id), cluster_id, instance_id, self._archive)

    def remediation(self, cluster_id: str, instance_id: str, remediation_id: str) -> Any:
        """One remediation (see `remediations`; `RepairError` when there is none)."""
        with self._lock:
            self._apply_due_events()
            raw = self._get(cluster_id)
            return repairs.find(raw, cluster_id, instance_id, remediation_id, self._archive)

    def decide(
        self, cluster_id: str, instance_id: str, remediation_id: str, verb: str, body: Any
    ) -> dict[str, Any]:
        """Approve, reject or cancel a remediation (see `shared.simulator.repairs.decide`).

        Raises:
            UnknownClusterError: no cluster with that id.
            RepairError: the API's refusal (404, 409, 400).
        """
        with self._lock:
            self._apply_due_events()
            raw = self._get(cluster_id)
            remediation, steps = repairs.decide(
                raw,
                instance_id,
                remediation_id,
                verb,
                body,
                now=self.wall_now(),
                elapsed_s=self._timeline.elapsed_s(),
            )
            for step in steps:
                self._timeline.schedule(step)
            self._encoded.pop(cluster_id, None)
            return dict(remediation)

    def take_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.take()

    def begin_request(
        self, *, method: str, path: str, query: str, user_agent: str
    ) -> dict[str, Any]:
        with self._lock:
            return self._stats.begin(method=method, path=path, query=query, user_agent=user_agent)

    def finish_request(self, record: dict[str, Any], status: int | str) -> None:
        with self._lock:
            self._stats.finish(record, status)

    # The control API's side.

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {**self._stats.describe(), "faults_pending": self._faults.pending()}

    def cluster(self, key: str) -> Any:
        """The raw cluster stored under `key` (its `cluster_id` for scenario clusters).

        Raises:
            UnknownClusterError: no cluster under that key.
        """
        with self._lock:
            self._apply_due_events()
            return self._get(key)

    def patch_cluster(self, key: str, patch: Any) -> Any:
        """Apply a patch (see `shared.simulator.patches`) and return the patched cluster.

        Raises:
            UnknownClusterError: no cluster under that key.
            PatchError: the patch cannot be applied.
        """
        with self._lock:
            self._apply_due_events()
            raw = self._get(key)
            before = repairs.latest_by_node(raw)
            apply_patch(raw, patch, now=self.wall_now())
            repairs.archive_replaced(key, before, raw, self._archive)
            self._encoded.pop(key, None)
            return raw

    def put_cluster(self, key: str, raw: Any) -> None:
        """Store any JSON under `key`, replacing what was there (malformed entries included)."""
        with self._lock:
            self._apply_due_events()
            self._clusters[key] = raw
            self._encoded.pop(key, None)

    def add_cluster(self, raw: Any) -> str:
        """Append any JSON as a new entry; returns its key (its `cluster_id` when it has one)."""
        with self._lock:
            self._added += 1
            key = raw.get("cluster_id") if isinstance(raw, dict) else None
            if not isinstance(key, str) or key in self._clusters:
                key = f"raw-{self._added}"
            self.put_cluster(key, raw)
            return key

    def delete_cluster(self, key: str) -> None:
        """Remove an entry.

        Raises:
            UnknownClusterError: no cluster under that key.
        """
        with self._lock:
            self._get(key)
            del self._clusters[key]
            self._encoded.pop(key, None)

    def set_read_only_keys(self, keys: Iterable[str]) -> list[str]:
        """Replace the keys that may read but not decide on repairs (403); returns them."""
        with self._lock:
            self.read_only_keys = {key for key in keys if key}
            return sorted(self.read_only_keys)

    def add_faults(self, faults: list[Fault]) -> int:
        """Queue faults behind those already waiting; returns how many requests they will spoil."""
        with self._lock:
            self._faults.extend(faults)
            return self._faults.pending()

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._faults.describe()

    def timeline(self, *, paused: bool | None = None, advance_s: float = 0.0) -> dict[str, Any]:
        """Pause, resume or advance the timeline, apply what fell due, and describe it.

        Raises:
            ValueError: `advance_s` is negative.
        """
        with self._lock:
            if paused is not None:
                self._timeline.set_paused(paused)
            self._timeline.advance(advance_s)
            self._apply_due_events()
            return self._timeline.describe()

    def _get(self, key: str) -> Any:
        try:
            return self._clusters[key]
        except KeyError:
            raise UnknownClusterError(f"No cluster {key!r} in the simulator.") from None

    def _encode(self, key: str, raw: Any) -> bytes:
        encoded = self._encoded.get(key)
        if encoded is None:
            encoded = json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode()
            self._encoded[key] = encoded
        return encoded

    def _apply_due_events(self) -> None:
        for event in self._timeline.take_due():
            # Stamped when the event fell due, unless `advance` brought it ahead of the clock.
            due = self._started_wall + timedelta(seconds=event.at_s * self.time_scale)
            raw = self._clusters.get(event.cluster_id)
            if raw is None:
                logger.info("Timeline event skipped, cluster gone: %s", event.description)
                continue
            if event.requires is not None and not repairs.still_applies(raw, dict(event.requires)):
                logger.info("Timeline event skipped, the repair moved on: %s", event.description)
                continue
            before = repairs.latest_by_node(raw)
            try:
                apply_patch(raw, event.patch, now=min(due, self.wall_now()))
            except PatchError as exc:
                logger.warning("Timeline event skipped (%s): %s", exc, event.description)
                continue
            repairs.archive_replaced(event.cluster_id, before, raw, self._archive)
            self._encoded.pop(event.cluster_id, None)
