"""How bad a cluster's status is, on one scale shared by Slack, MCP and alerts."""

from __future__ import annotations

from enum import StrEnum

from shared.enums import ClusterStatus

# Seen live but not in the spec; REFERENCE.md documents its meaning (accepted, awaiting allocation).
SCHEDULED = "Scheduled"


class Severity(StrEnum):
    """Cluster severity, worst first. `rank` orders lists: lower is more urgent."""

    CRITICAL = "critical"
    ATTENTION = "attention"
    UNKNOWN = "unknown"
    PROVISIONING = "provisioning"
    PAUSED = "paused"
    HEALTHY = "healthy"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def needs_attention(self) -> bool:
        """Critical, attention and unknown all want a person to look: unknown is not healthy."""
        return self in (Severity.CRITICAL, Severity.ATTENTION, Severity.UNKNOWN)


_RANK = {severity: index for index, severity in enumerate(Severity)}

PROVISIONING_STATUSES = frozenset(
    {
        ClusterStatus.WAITING_FOR_CONTROL_PLANE_NODES,
        ClusterStatus.WAITING_FOR_DATA_PLANE_NODES,
        ClusterStatus.WAITING_FOR_SUBNET,
        ClusterStatus.WAITING_FOR_SHARED_VOLUME,
        ClusterStatus.INSTALLING_DRIVERS,
        ClusterStatus.RUNNING_ACCEPTANCE_TESTS,
    }
)

_STATUS_SEVERITY: dict[str, Severity] = {
    ClusterStatus.READY: Severity.HEALTHY,
    ClusterStatus.DEGRADED: Severity.CRITICAL,
    ClusterStatus.ON_DEMAND_COMPUTE_PAUSED: Severity.CRITICAL,
    ClusterStatus.PAUSED: Severity.PAUSED,
    ClusterStatus.DELETING: Severity.ATTENTION,
    SCHEDULED: Severity.PROVISIONING,
    **dict.fromkeys(PROVISIONING_STATUSES, Severity.PROVISIONING),
}


def status_severity(status: ClusterStatus) -> Severity:
    """The severity a status carries by itself; an unknown status is `Severity.UNKNOWN`."""
    return _STATUS_SEVERITY.get(status.value, Severity.UNKNOWN)


def is_running(status: ClusterStatus) -> bool:
    """Whether nodes are expected to be up: only then are down nodes a finding."""
    return status in (ClusterStatus.READY, ClusterStatus.DEGRADED)
