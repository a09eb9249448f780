"""What is wrong with one cluster: the single place that decides it.

Each check is a small pure function from a cluster (and the time now) to findings. Slack, MCP and
the alert watcher all read these; none of them decides health on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from shared.enums import ClusterPhase, RemediationState
from shared.fleet.severity import is_running
from shared.models import Cluster, ClusterPhaseTransition, GPUClusterGPUWorkerNode

RESERVATION_WARNING = timedelta(hours=72)
PREEMPTION_LOOKBACK = timedelta(hours=24)
HEALTHY_NODE_STATUSES = frozenset({"running", "ready", "healthy", "active"})
HEALTHY_VOLUME_STATUSES = frozenset(
    {"available", "ready", "bound", "healthy", "attached", "in-use", "in_use", "mounted"}
)
_TESTS_FAILED = {
    ClusterPhase.ACCEPTANCE_TESTS_FAILED: "acceptance tests failed",
    ClusterPhase.NCCL_TESTS_FAILED: "NCCL tests failed",
}


class FindingKind(StrEnum):
    NODES_NOT_RUNNING = "nodes_not_running"
    NODES_MARKED_FOR_DELETION = "nodes_marked_for_deletion"
    REMEDIATION_PENDING_APPROVAL = "remediation_pending_approval"
    REMEDIATION_FAILED = "remediation_failed"
    CONTROL_PLANE_NOT_READY = "control_plane_not_ready"
    TESTS_FAILED = "tests_failed"
    PREEMPTIBLE_SHORTFALL = "preemptible_shortfall"
    PREEMPTED = "preempted"
    RESERVATION_ENDING = "reservation_ending"
    VOLUME_UNHEALTHY = "volume_unhealthy"
    GPUS_BELOW_ORDER = "gpus_below_order"
    UNKNOWN_VALUES = "unknown_values"


class Level(StrEnum):
    """How much a finding weighs: critical makes the cluster critical, warning needs attention."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with a cluster.

    Attributes:
        kind: what sort of problem, stable for code to match on.
        level: how much it weighs.
        summary: a short phrase for people and models ("2/8 nodes not running").
        nodes: the node ids concerned, if any.
        detail: more words where they help (a remediation's reason, an error message).
        at: the moment it refers to, where one exists (a reservation's end, a preemption).
    """

    kind: FindingKind
    level: Level
    summary: str
    nodes: tuple[str, ...] = ()
    detail: str | None = None
    at: datetime | None = field(default=None, compare=False)


def node_is_running(node: GPUClusterGPUWorkerNode) -> bool:
    """Whether a worker node reports a running status (`Running`, `NODE_PHASE_RUNNING`, ...)."""
    return _status_is_running(node.status)


@lru_cache(maxsize=256)
def _status_is_running(status: str) -> bool:
    # A fleet has a handful of distinct node statuses and tens of thousands of nodes.
    return status.strip().lower().removeprefix("node_phase_") in HEALTHY_NODE_STATUSES


def node_name(node: GPUClusterGPUWorkerNode) -> str:
    """What people call a node: its host name (`llm-train-b200-gpu-01`), else its id."""
    return node.host_name or node.node_id


def short_mode(mode: str) -> str:
    """`REMEDIATION_MODE_HOST_AWARE` -> `HOST_AWARE`; unknown modes stay as they are."""
    return mode.removeprefix("REMEDIATION_MODE_")


def _nodes_not_running(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    if not is_running(cluster.status):
        return
    nodes = cluster.gpu_worker_nodes
    down = [n for n in nodes if not node_is_running(n)]
    if down:
        names = ", ".join(f"{n.node_id} ({n.status or 'no status'})" for n in down[:5])
        more = f" and {len(down) - 5} more" if len(down) > 5 else ""
        yield Finding(
            FindingKind.NODES_NOT_RUNNING,
            Level.WARNING,
            f"{len(down)}/{len(nodes)} nodes not running",
            nodes=tuple(n.node_id for n in down),
            detail=names + more,
        )
    marked = [n.node_id for n in nodes if n.marked_for_deletion]
    if marked:
        yield Finding(
            FindingKind.NODES_MARKED_FOR_DELETION,
            Level.INFO,
            f"{len(marked)} node{'s' if len(marked) > 1 else ''} marked for deletion",
            nodes=tuple(marked),
        )


def _remediations(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    for node in cluster.gpu_worker_nodes:
        rem = node.latest_remediation
        if rem is None:
            continue
        if rem.state == RemediationState.PENDING_APPROVAL:
            kind, what, detail, at = (
                FindingKind.REMEDIATION_PENDING_APPROVAL,
                "awaiting approval",
                rem.reason,
                rem.create_time,
            )
        elif rem.state == RemediationState.FAILED:
            kind, what, detail, at = (
                FindingKind.REMEDIATION_FAILED,
                "failed",
                rem.error_message,
                rem.end_time or rem.update_time,
            )
        else:
            continue
        yield Finding(
            kind,
            Level.WARNING,
            f"remediation {what} on {node_name(node)} ({short_mode(rem.mode.value)})",
            nodes=(node.node_id,),
            detail=detail,
            at=at,
        )


def _control_plane(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    if cluster.control_plane_ready is False and is_running(cluster.status):
        yield Finding(
            FindingKind.CONTROL_PLANE_NOT_READY, Level.CRITICAL, "control plane not ready"
        )


def _tests_failed(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    # Only failures since the cluster last became Ready count: an old failure that was fixed is
    # history, not a finding.
    last_ready: datetime | None = None
    failed: ClusterPhaseTransition | None = None
    for transition in cluster.phase_transitions:
        if transition.phase == ClusterPhase.READY:
            if last_ready is None or transition.transition_time > last_ready:
                last_ready = transition.transition_time
        elif transition.phase in _TESTS_FAILED and (
            failed is None or transition.transition_time > failed.transition_time
        ):
            failed = transition
    if failed is not None and (last_ready is None or failed.transition_time > last_ready):
        yield Finding(
            FindingKind.TESTS_FAILED,
            Level.CRITICAL,
            _TESTS_FAILED[failed.phase],
            at=failed.transition_time,
        )


def _preemptible(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    desired, allocated = cluster.desired_preemptible_gpus, cluster.allocated_preemptible_gpus
    # While provisioning or paused, nothing is allocated yet or any more: not a shortfall.
    if allocated < desired and is_running(cluster.status):
        yield Finding(
            FindingKind.PREEMPTIBLE_SHORTFALL,
            Level.WARNING,
            f"preemptible GPUs {allocated}/{desired}",
        )
    recent = [
        e
        for e in cluster.node_lifecycle_events
        if e.reason == "TogetherPreempted" and now - e.timestamp <= PREEMPTION_LOOKBACK
    ]
    if recent:
        yield Finding(
            FindingKind.PREEMPTED,
            Level.INFO,
            f"{len(recent)} preemption{'s' if len(recent) > 1 else ''} in 24 h",
            nodes=tuple(dict.fromkeys(e.node_id for e in recent)),
            at=max(e.timestamp for e in recent),
        )


def _reservation(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    end = cluster.reservation_end_time
    if end is None:
        return
    left = end - now
    if left <= timedelta(0):
        yield Finding(FindingKind.RESERVATION_ENDING, Level.WARNING, "reservation ended", at=end)
    elif left <= RESERVATION_WARNING:
        yield Finding(
            FindingKind.RESERVATION_ENDING,
            Level.WARNING,
            f"reservation ends in {_hours(left)}",
            at=end,
        )


def _volumes(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    for volume in cluster.volumes:
        if volume.status.strip().lower() not in HEALTHY_VOLUME_STATUSES:
            yield Finding(
                FindingKind.VOLUME_UNHEALTHY,
                Level.WARNING,
                f"volume {volume.volume_name or volume.volume_id} {volume.status or 'no status'}",
            )


def _gpus_below_order(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    live = live_gpus(cluster)
    if is_running(cluster.status) and live < cluster.num_gpus:
        yield Finding(
            FindingKind.GPUS_BELOW_ORDER,
            Level.WARNING,
            f"{live}/{cluster.num_gpus} GPUs live",
        )


def _unknown_values(cluster: Cluster, now: datetime) -> Iterator[Finding]:
    unknown = [
        f"{label} {value.value}"
        for label, value in (("status", cluster.status), ("GPU", cluster.gpu_type))
        if not value.is_known
    ]
    if unknown:
        yield Finding(
            FindingKind.UNKNOWN_VALUES, Level.INFO, "not in the API spec: " + ", ".join(unknown)
        )


def live_gpus(cluster: Cluster) -> int:
    """GPUs on live worker nodes; `deleted_gpu_worker_nodes` never count."""
    return sum(node.num_gpus for node in cluster.gpu_worker_nodes)


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{max(1, round(hours * 60))} min"


CHECKS: tuple[Callable[[Cluster, datetime], Iterable[Finding]], ...] = (
    _control_plane,
    _tests_failed,
    _nodes_not_running,
    _remediations,
    _gpus_below_order,
    _preemptible,
    _reservation,
    _volumes,
    _unknown_values,
)


def find_problems(cluster: Cluster, now: datetime) -> list[Finding]:
    """Every finding for `cluster` at `now`, most serious first."""
    found = [finding for check in CHECKS for finding in check(cluster, now)]
    order = {Level.CRITICAL: 0, Level.WARNING: 1, Level.INFO: 2}
    return sorted(found, key=lambda f: order[f.level])
