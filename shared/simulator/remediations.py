"""Node failures as passive health checks report them, and the repairs they recommend.

Each `Failure` is something Together's passive health checks really report: an NVIDIA Xid
(79 fallen off the bus, 48 double-bit ECC, 94/95 contained/uncontained ECC, 74 NVLink, 119/120
GSP, 63/64 row remapping), a Slurm node drained with its reason, an InfiniBand port down. A
remediation recommended for one carries its linked alert in the official SDK's shape
(`together.types.clusters.remediation.LinkedAlert`), with Xid mnemonics as the driver's
`nverror.h` spells them. Alerts start a few minutes before the recommendation, their counts grow
while the repair waits and runs, and they resolve when it ends (`advance_alerts`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.simulator.phases import iso

HOST_AWARE = "REMEDIATION_MODE_HOST_AWARE"
REBOOT_VM = "REMEDIATION_MODE_REBOOT_VM"
CRITICAL = "PHC_SEVERITY_CRITICAL"
WARNING = "PHC_SEVERITY_WARNING"
ALERT_LEAD = timedelta(minutes=4)
"""How long before its remediation a linked alert started firing."""

_XID_TITLE = "GPU Xid error"
_XID_DESCRIPTION = "The NVIDIA driver logged Xid errors for a GPU on this node (dmesg)."
_FINISHED = {"SUCCEEDED", "CANCELLED", "AUTO_RESOLVED"}


@dataclass(frozen=True)
class Failure:
    """What a passive health check saw on a node, and the repair it recommends.

    Attributes:
        reason: the remediation's reason.
        xids: (code, driver mnemonic, count at first report) of each Xid seen.
        slurm_reason: Slurm's drain reason, for a Slurm node unavailable alert.
        summary_line: the firing's evidence when it is neither (an InfiniBand port's state).
    """

    reason: str
    mode: str = HOST_AWARE
    alert_name: str = "DmesgXidError"
    title: str = _XID_TITLE
    description: str = _XID_DESCRIPTION
    severity: str = CRITICAL
    xids: tuple[tuple[str, str, int], ...] = ()
    slurm_reason: str | None = None
    summary_line: str = ""


FALLEN_OFF_BUS = Failure(
    "GPU Xid 79: fallen off the bus",
    xids=(("79", "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS", 3),),
)
ECC_ERROR = Failure(
    "GPU Xid 48: uncorrectable double-bit ECC error",
    xids=(("48", "ROBUST_CHANNEL_GPU_ECC_DBE", 2), ("63", "INFOROM_DRAM_RETIREMENT_EVENT", 1)),
)
CONTAINED_ECC = Failure(
    "GPU Xid 94: contained ECC error, GPU reset needed",
    mode=REBOOT_VM,
    severity=WARNING,
    xids=(("94", "ROBUST_CHANNEL_CONTAINED_ERROR", 1),),
)
UNCONTAINED_ECC = Failure(
    "GPU Xid 95: uncontained ECC error",
    xids=(("95", "ROBUST_CHANNEL_UNCONTAINED_ERROR", 2),),
)
NVLINK = Failure(
    "GPU Xid 74: NVLink error",
    mode=REBOOT_VM,
    severity=WARNING,
    xids=(("74", "NVLINK_ERROR", 6),),
)
GSP_TIMEOUT = Failure(
    "GPU Xid 119/120: GSP firmware timeout",
    mode=REBOOT_VM,
    xids=(("119", "GSP_RPC_TIMEOUT", 4), ("120", "GSP_ERROR", 1)),
)
ROW_REMAP_FAILURE = Failure(
    "GPU Xid 64: row remapping failed",
    xids=(("64", "INFOROM_DRAM_RETIREMENT_FAILURE", 1),),
)
SLURM_DRAINED = Failure(
    "Slurm drained the node: Kill task failed",
    mode=REBOOT_VM,
    alert_name="SlurmNodeUnavailable",
    title="Slurm node unavailable",
    description="Slurm marked the node DOWN or DRAIN; jobs are no longer scheduled on it.",
    severity=WARNING,
    slurm_reason="Kill task failed",
)
IB_LINK_DOWN = Failure(
    "InfiniBand rail mlx5_3 down",
    mode=REBOOT_VM,
    alert_name="InfinibandPortDown",
    title="InfiniBand port down",
    description="An InfiniBand port of the node left the ACTIVE state.",
    severity=WARNING,
    summary_line="mlx5_3 port 1 state DOWN (was ACTIVE)",
)
FAILURES = (
    FALLEN_OFF_BUS,
    ECC_ERROR,
    CONTAINED_ECC,
    UNCONTAINED_ECC,
    NVLINK,
    GSP_TIMEOUT,
    ROW_REMAP_FAILURE,
    SLURM_DRAINED,
    IB_LINK_DOWN,
)


def failure_for(reason: str, mode: str) -> Failure:
    """The catalogued failure with this reason, else a generic passive health-check failure."""
    for failure in FAILURES:
        if failure.reason == reason:
            return failure
    return Failure(
        reason,
        mode=mode,
        alert_name="PassiveHealthCheckFailed",
        title="Passive health check failed",
        description="A passive health check failed on this node.",
        severity=WARNING,
        summary_line=reason,
    )


def linked_alert(
    failure: Failure, *, cluster_id: str, node: dict[str, Any], intent_id: str, started: datetime
) -> dict[str, Any]:
    """The passive health-check alert behind a recommendation, as the SDK's `LinkedAlert`."""
    alert_id = uuid.uuid5(uuid.NAMESPACE_URL, f"phc/{intent_id}/{failure.alert_name}")
    summary = failure.summary_line
    if failure.xids:
        gpu = alert_id.int % 8
        summary = f"Xid {failure.xids[0][0]} on GPU {gpu} (PCI:0000:{0x18 + 0x10 * gpu:02x}:00)"
    elif failure.slurm_reason is not None:
        summary = f"node {node.get('slurm_worker_hostname') or node.get('host_name')} drained"
    annotation: dict[str, Any] = {
        "title": failure.title,
        "summary_line": summary,
        "description": failure.description,
    }
    if failure.xids:
        events = [{"xid_code": c, "mnemonic": m, "count": n} for c, m, n in failure.xids]
        annotation["xid"] = {"events": events}
    if failure.slurm_reason is not None:
        annotation["slurm_node_unavailable"] = {"reason": failure.slurm_reason}
    return {
        "alert_name": failure.alert_name,
        "annotation": annotation,
        "annotations": {
            "summary": failure.title,
            "description": failure.description,
            "evidence": summary,
        },
        "cluster_id": cluster_id,
        "passive_health_check_alert_id": str(alert_id),
        "severity": failure.severity,
        "started_at": iso(started),
        "target_vm": node.get("host_name", ""),
        "instance_id": node.get("instance_id", ""),
        "node_remediation_intent_id": intent_id,
    }


def advance_alerts(remediation: dict[str, Any], state: Any, now: datetime) -> None:
    """Move a remediation's firing alerts on as its state changes: a repair that ends resolves
    them; otherwise the errors keep coming while it waits, so each Xid count grows."""
    alerts = remediation.get("linked_alerts")
    for alert in alerts if isinstance(alerts, list) else []:
        if not isinstance(alert, dict) or alert.get("resolved_at"):
            continue
        if state in _FINISHED:
            alert["resolved_at"] = iso(now)
            continue
        annotation = alert.get("annotation")
        xid = annotation.get("xid") if isinstance(annotation, dict) else None
        events = xid.get("events") if isinstance(xid, dict) else None
        for event in events if isinstance(events, list) else []:
            if isinstance(event, dict) and isinstance(event.get("count"), int):
                event["count"] += 2


def new_remediation(
    *,
    remediation_id: str,
    cluster_id: str,
    node: dict[str, Any],
    failure: Failure,
    created: datetime,
) -> dict[str, Any]:
    """An automated remediation recommendation for `node`, awaiting a person's approval."""
    alert = linked_alert(
        failure,
        cluster_id=cluster_id,
        node=node,
        intent_id=remediation_id,
        started=created - ALERT_LEAD,
    )
    return {
        "id": remediation_id,
        "cluster_id": cluster_id,
        "instance_id": node.get("instance_id", ""),
        "mode": failure.mode,
        "trigger": "REMEDIATION_TRIGGER_AUTOMATED",
        "state": "PENDING_APPROVAL",
        "reason": failure.reason,
        "passive_health_check_event_id": alert["passive_health_check_alert_id"],
        "requested_by": "passive-health-check",
        "create_time": iso(created),
        "update_time": iso(created),
        "instance_name": node.get("host_name", ""),
        "linked_alerts": [alert],
    }
