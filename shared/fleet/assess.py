"""A cluster judged: severity, findings, node and GPU counts, and how long it has been so."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.enums import ClusterPhase, ClusterStatus
from shared.fleet.findings import Finding, Level, find_problems, live_gpus, node_is_running
from shared.fleet.severity import Severity, status_severity
from shared.models import Cluster

_PHASE_OF_STATUS: dict[str, ClusterPhase] = {
    ClusterStatus.WAITING_FOR_CONTROL_PLANE_NODES: ClusterPhase.WAITING_FOR_CONTROL_PLANE_NODES,
    ClusterStatus.WAITING_FOR_DATA_PLANE_NODES: ClusterPhase.WAITING_FOR_DATA_PLANE_NODES,
    ClusterStatus.WAITING_FOR_SUBNET: ClusterPhase.WAITING_FOR_SUBNET,
    ClusterStatus.WAITING_FOR_SHARED_VOLUME: ClusterPhase.WAITING_FOR_SHARED_VOLUME,
    ClusterStatus.INSTALLING_DRIVERS: ClusterPhase.INSTALLING_DRIVERS,
    ClusterStatus.RUNNING_ACCEPTANCE_TESTS: ClusterPhase.RUNNING_ACCEPTANCE_TESTS,
    ClusterStatus.PAUSED: ClusterPhase.PAUSED,
    ClusterStatus.ON_DEMAND_COMPUTE_PAUSED: ClusterPhase.ON_DEMAND_COMPUTE_PAUSED,
    ClusterStatus.READY: ClusterPhase.READY,
    ClusterStatus.DEGRADED: ClusterPhase.DEGRADED,
    ClusterStatus.DELETING: ClusterPhase.DELETING,
    "Scheduled": ClusterPhase.SCHEDULED,
}


@dataclass(frozen=True, slots=True)
class Assessment:
    """One cluster with everything the fleet logic concluded about it.

    Attributes:
        cluster: the cluster as parsed.
        severity: the worse of its status's severity and its findings'.
        findings: what is wrong, most serious first.
        status_since: when it entered its current status, from its phase transitions.
        healthy_nodes: live worker nodes reporting a running status.
        total_nodes: live worker nodes (deleted nodes are not counted).
        live_gpus: GPUs on live worker nodes.
        first_ready_at: when it first became Ready, if it has.
    """

    cluster: Cluster
    severity: Severity
    findings: tuple[Finding, ...]
    status_since: datetime | None
    healthy_nodes: int
    total_nodes: int
    live_gpus: int
    first_ready_at: datetime | None

    def time_in_status(self, now: datetime) -> timedelta | None:
        return None if self.status_since is None else max(timedelta(0), now - self.status_since)

    def uptime(self, now: datetime) -> timedelta | None:
        return None if self.first_ready_at is None else max(timedelta(0), now - self.first_ready_at)

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (self.severity.rank, self.cluster.cluster_name.lower(), self.cluster.cluster_id)


def status_since(cluster: Cluster) -> datetime | None:
    """When the cluster entered its current status: the latest transition into its phase."""
    phase = _PHASE_OF_STATUS.get(cluster.status.value)
    if phase is None:
        return None
    times = [t.transition_time for t in cluster.phase_transitions if t.phase == phase]
    return max(times) if times else None


def first_ready(cluster: Cluster) -> datetime | None:
    if cluster.first_ready_at is not None:
        return cluster.first_ready_at
    times = [t.transition_time for t in cluster.phase_transitions if t.phase == ClusterPhase.READY]
    return min(times) if times else None


def assess(cluster: Cluster, now: datetime) -> Assessment:
    """Judge one cluster at `now` (an aware UTC datetime)."""
    findings = tuple(find_problems(cluster, now))
    severity = status_severity(cluster.status)
    levels = {finding.level for finding in findings}
    if Level.CRITICAL in levels:
        severity = Severity.CRITICAL
    elif Level.WARNING in levels and severity.rank > Severity.ATTENTION.rank:
        severity = Severity.ATTENTION
    nodes = cluster.gpu_worker_nodes
    return Assessment(
        cluster=cluster,
        severity=severity,
        findings=findings,
        status_since=status_since(cluster),
        healthy_nodes=sum(1 for node in nodes if node_is_running(node)),
        total_nodes=len(nodes),
        live_gpus=live_gpus(cluster),
        first_ready_at=first_ready(cluster),
    )


def assess_all(clusters: Iterable[Cluster], now: datetime) -> list[Assessment]:
    """Judge every cluster; the result is sorted by severity, then name."""
    return sorted((assess(cluster, now) for cluster in clusters), key=lambda a: a.sort_key)
