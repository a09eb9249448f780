"""The **Approve...** and **Reject...** buttons next to a repair waiting for approval.

They appear only when `CLUSTERS_APPROVERS` is set (callers pass `approvals=True`), on an alert's
parent and in `/clusters show`, one pair per remediation in `PENDING_APPROVAL`.

A button's value is a short key, never the raw ids (a value may hold 2,000 characters and the
API's ids may be any length): `RepairKey` names the repair by a hash of its remediation id, and
where to find it by the incident's `incident_key` (alerts: the store resolves it) or by the
cluster id when it is of a sane length (`/clusters show`). The listener finds the repair again
from there; nothing in the value is trusted beyond naming it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.render.actions import button_element, json_object
from bot.render.mrkdwn import clip
from shared.enums import RemediationState
from shared.models import Cluster, GPUClusterGPUWorkerNode, Remediation

APPROVE_ACTION = "remediation_approve"
REJECT_ACTION = "remediation_reject"
ACTIONS_BLOCK_ID = "remediation_actions"
MAX_CLUSTER_ID = 255  # longer ids are not real ones; such a cluster gets no buttons
MAX_PAIRS = 5  # pairs of buttons per message (Slack allows 25 elements in an actions block)
_KEY_BYTES = 8


def repair_hash(remediation_id: str) -> str:
    """The short, fixed-length stand-in for a remediation id in a button's value."""
    return hashlib.blake2b(remediation_id.encode(), digest_size=_KEY_BYTES).hexdigest()


@dataclass(frozen=True, slots=True)
class RepairKey:
    """Which repair a button is about, in at most a hundred characters.

    Attributes:
        repair: `repair_hash` of the remediation id.
        incident: the alert incident's `incident_key`, on alert parents.
        cluster_id: the cluster, on `/clusters show` (at most `MAX_CLUSTER_ID` characters).
    """

    repair: str
    incident: str | None = None
    cluster_id: str | None = None

    def encode(self) -> str:
        data = {"r": self.repair}
        if self.incident is not None:
            data["i"] = self.incident
        if self.cluster_id is not None:
            data["c"] = self.cluster_id
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def decode(cls, value: object) -> RepairKey | None:
        """The key in a button's value (or a modal's metadata), or None for anything else."""
        data = json_object(value)
        if data is None or not isinstance(data.get("r"), str):
            return None
        incident, cluster_id = data.get("i"), data.get("c")
        if not isinstance(incident, str) and not isinstance(cluster_id, str):
            return None
        return cls(
            data["r"],
            incident if isinstance(incident, str) else None,
            cluster_id[:MAX_CLUSTER_ID] if isinstance(cluster_id, str) else None,
        )


def pending_repairs(cluster: Cluster) -> list[tuple[GPUClusterGPUWorkerNode, Remediation]]:
    """The cluster's nodes whose latest remediation waits for a person's approval."""
    return [
        (node, node.latest_remediation)
        for node in cluster.gpu_worker_nodes
        if node.latest_remediation is not None
        and node.latest_remediation.state == RemediationState.PENDING_APPROVAL
        and node.latest_remediation.id
    ]


def find_repair(
    cluster: Cluster, repair: str
) -> tuple[GPUClusterGPUWorkerNode, Remediation] | None:
    """The node and remediation whose id hashes to `repair`, pending or not."""
    for node in cluster.gpu_worker_nodes:
        rem = node.latest_remediation
        if rem is not None and repair_hash(rem.id) == repair:
            return node, rem
    return None


def approval_buttons(cluster: Cluster, *, incident: str | None = None) -> list[dict[str, Any]]:
    """Approve.../Reject... for each pending repair (at most `MAX_PAIRS` pairs).

    Args:
        cluster: the cluster as last seen.
        incident: the incident's key on an alert parent; else the buttons carry the cluster id
            (none when it is too long to be a real one).
    """
    if incident is None and len(cluster.cluster_id) > MAX_CLUSTER_ID:
        return []
    pending = pending_repairs(cluster)[:MAX_PAIRS]
    buttons: list[dict[str, Any]] = []
    for node, rem in pending:
        key = RepairKey(
            repair_hash(rem.id),
            incident=incident,
            cluster_id=None if incident is not None else cluster.cluster_id,
        ).encode()
        suffix = "" if len(pending) == 1 else f" {clip(node.host_name or node.node_id, 40)}"
        buttons += [
            button_element(f"Approve{suffix}…", APPROVE_ACTION, key, style="primary"),
            button_element(f"Reject{suffix}…", REJECT_ACTION, key),
        ]
    return buttons


def approval_actions(cluster: Cluster, *, incident: str | None = None) -> dict[str, Any] | None:
    """The buttons as their own actions block, or None when nothing is pending."""
    buttons = approval_buttons(cluster, incident=incident)
    if not buttons:
        return None
    return {"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": buttons}
