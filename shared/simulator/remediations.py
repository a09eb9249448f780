"""Node failures as passive health checks report them, and the repairs they recommend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.simulator.phases import iso


@dataclass(frozen=True)
class Failure:
    """What a passive health check saw on a node, and the repair it recommends."""

    reason: str
    mode: str = "REMEDIATION_MODE_HOST_AWARE"
    alert_name: str = "GPUFallenOffBus"
    xid: int | None = None


FALLEN_OFF_BUS = Failure("GPU Xid 79: fallen off the bus", alert_name="GPUFallenOffBus", xid=79)
ECC_ERROR = Failure(
    "GPU Xid 48: uncorrectable double-bit ECC error", alert_name="GPUDoubleBitECC", xid=48
)
IB_LINK_DOWN = Failure(
    "InfiniBand rail mlx5_3 down", mode="REMEDIATION_MODE_REBOOT_VM", alert_name="IBLinkDown"
)


def new_remediation(
    *,
    remediation_id: str,
    cluster_id: str,
    node: dict[str, Any],
    failure: Failure,
    created: datetime,
) -> dict[str, Any]:
    """An automated remediation recommendation for `node`, awaiting a person's approval."""
    alert: dict[str, Any] = {
        "name": failure.alert_name,
        "message": failure.reason,
        "severity": "critical",
        "created_at": iso(created),
    }
    if failure.xid is not None:
        alert["xid"] = failure.xid
    return {
        "id": remediation_id,
        "cluster_id": cluster_id,
        "instance_id": node.get("instance_id", ""),
        "mode": failure.mode,
        "trigger": "REMEDIATION_TRIGGER_AUTOMATED",
        "state": "PENDING_APPROVAL",
        "reason": failure.reason,
        "passive_health_check_event_id": f"phc-{remediation_id[:8]}",
        "requested_by": "passive-health-check",
        "create_time": iso(created),
        "update_time": iso(created),
        "instance_name": node.get("host_name", ""),
        "linked_alerts": [alert],
    }
