"""The vocabulary of cluster and node histories: which phase each status records, and time stamps.

Both the fleet builder (histories at start) and the patches (transitions appended while the
simulator runs) use these tables, so a status always leaves the same phase behind.
"""

from __future__ import annotations

from datetime import UTC, datetime

CLUSTER_PHASE_BY_STATUS: dict[str, str] = {
    "Scheduled": "CLUSTER_PHASE_SCHEDULED",
    "WaitingForControlPlaneNodes": "CLUSTER_PHASE_WAITING_FOR_CONTROL_PLANE_NODES",
    "WaitingForSubnet": "CLUSTER_PHASE_WAITING_FOR_SUBNET",
    "WaitingForSharedVolume": "CLUSTER_PHASE_WAITING_FOR_SHARED_VOLUME",
    "WaitingForDataPlaneNodes": "CLUSTER_PHASE_WAITING_FOR_DATA_PLANE_NODES",
    "InstallingDrivers": "CLUSTER_PHASE_INSTALLING_DRIVERS",
    "RunningAcceptanceTests": "CLUSTER_PHASE_RUNNING_ACCEPTANCE_TESTS",
    "Ready": "CLUSTER_PHASE_READY",
    "Degraded": "CLUSTER_PHASE_DEGRADED",
    "Paused": "CLUSTER_PHASE_PAUSED",
    "OnDemandComputePaused": "CLUSTER_PHASE_ON_DEMAND_COMPUTE_PAUSED",
    "Deleting": "CLUSTER_PHASE_DELETING",
}
"""The phase a cluster's history records when it enters a status."""

PROVISIONING_PATH: list[tuple[str, float]] = [
    ("CLUSTER_PHASE_QUEUED", 0.0),
    ("CLUSTER_PHASE_SCHEDULED", 0.5),
    ("CLUSTER_PHASE_WAITING_FOR_CONTROL_PLANE_NODES", 1.0),
    ("CLUSTER_PHASE_WAITING_FOR_SUBNET", 4.0),
    ("CLUSTER_PHASE_WAITING_FOR_SHARED_VOLUME", 5.0),
    ("CLUSTER_PHASE_WAITING_FOR_DATA_PLANE_NODES", 7.0),
    ("CLUSTER_PHASE_INSTALLING_DRIVERS", 15.0),
    ("CLUSTER_PHASE_RUNNING_ACCEPTANCE_TESTS", 24.0),
    ("CLUSTER_PHASE_RUNNING_NCCL_TESTS", 32.0),
    ("CLUSTER_PHASE_READY", 41.0),
]
"""The phases a new cluster goes through, with the minutes after creation each one starts."""

NODE_PHASE_BY_STATUS: dict[str, str] = {
    "Pending": "NODE_PHASE_PENDING",
    "Scheduling": "NODE_PHASE_SCHEDULING",
    "Booting": "NODE_PHASE_BOOTING",
    "Bootstrapping": "NODE_PHASE_BOOTSTRAPPING",
    "Running": "NODE_PHASE_RUNNING",
    "Succeeded": "NODE_PHASE_SUCCEEDED",
    "Failed": "NODE_PHASE_FAILED",
    "Paused": "NODE_PHASE_PAUSED",
}
"""The phase a node's history records when it enters a status."""

NODE_BOOT_PATH: list[tuple[str, float]] = [
    ("NODE_PHASE_PENDING", 0.0),
    ("NODE_PHASE_SCHEDULING", 0.3),
    ("NODE_PHASE_BOOTING", 1.0),
    ("NODE_PHASE_BOOTSTRAPPING", 4.0),
    ("NODE_PHASE_RUNNING", 7.0),
]
"""The phases a new node goes through, with the minutes after its request each one starts."""


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, the way the API writes its date-times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def transition(phase: str, moment: datetime) -> dict[str, str]:
    """One phase-transition entry, for a cluster's or a node's history."""
    return {"phase": phase, "transition_time": iso(moment)}
