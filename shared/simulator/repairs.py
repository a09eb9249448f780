"""Deciding on node repairs in the simulator: list, read, approve, reject and cancel.

Pure functions over the raw clusters `SimulatorState` holds; it calls them under its lock. A
node's current remediation is its `latest_remediation`; older ones are kept in an archive
(`archive_replaced`) so that a node's list shows its history, newest first, as Together's does.

Approving moves a repair `PENDING_APPROVAL -> PENDING` at once, then on the timeline to `RUNNING`
(`START_AFTER_S`) and `SUCCEEDED` (`FINISH_AFTER_S`), with the node back to `Running` and, when no
other node is failed, the cluster back to `Ready`. Rejecting or cancelling ends it `CANCELLED`; the
node stays as it was (the fault is still there). Each step is skipped if the repair has moved on
by the time it falls due (cancelled meanwhile, say).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.simulator.phases import iso
from shared.simulator.timeline import TimelineEvent

START_AFTER_S = 20.0
FINISH_AFTER_S = 60.0
KEY_OWNER = "api-key-owner@example.com"
"""Who Together records as the reviewer: the owner of the API key that decided."""

PENDING_APPROVAL = "PENDING_APPROVAL"
MODES = frozenset(
    {
        "REMEDIATION_MODE_VM_ONLY",
        "REMEDIATION_MODE_HOST_AWARE",
        "REMEDIATION_MODE_EVICT_WITHOUT_REPLACEMENT",
        "REMEDIATION_MODE_REBOOT_VM",
    }
)
_CANCELLABLE = frozenset({PENDING_APPROVAL, "PENDING"})
VERBS = ("approve", "reject", "cancel")

Archive = dict[tuple[str, str], list[dict[str, Any]]]
"""Finished remediations no longer a node's latest, by (cluster id, instance id), oldest first."""


@dataclass(frozen=True)
class RepairError(Exception):
    """A request the API refuses: its status, and the message of its error body."""

    status: int
    message: str
    code: str


def nodes_of(cluster: Any) -> Iterator[dict[str, Any]]:
    """Every worker node of a raw cluster, deleted ones included."""
    if not isinstance(cluster, dict):
        return
    for key in ("gpu_worker_nodes", "deleted_gpu_worker_nodes"):
        nodes = cluster.get(key)
        for node in nodes if isinstance(nodes, list) else []:
            if isinstance(node, dict):
                yield node


def latest_by_node(cluster: Any) -> dict[str, dict[str, Any]]:
    """Each node's current remediation, by instance id."""
    found = {}
    for node in nodes_of(cluster):
        remediation = node.get("latest_remediation")
        if isinstance(remediation, dict) and isinstance(node.get("instance_id"), str):
            found[node["instance_id"]] = remediation
    return found


def archive_replaced(
    cluster_id: str, before: dict[str, dict[str, Any]], cluster: Any, archive: Archive
) -> None:
    """Keep the remediations a change replaced with new ones, so that lists still show them."""
    after = latest_by_node(cluster)
    for instance_id, old in before.items():
        new = after.get(instance_id)
        if new is None or new.get("id") != old.get("id"):
            archive.setdefault((cluster_id, instance_id), []).append(old)


def listing(cluster: Any, cluster_id: str, instance_id: str, archive: Archive) -> dict[str, Any]:
    """The body of `GET .../instances/{instance_id}/remediations` (`-`: every node), newest first.

    Raises:
        RepairError: 404, no node with that instance id.
    """
    current = latest_by_node(cluster)
    if instance_id != "-" and not any(
        n.get("instance_id") == instance_id for n in nodes_of(cluster)
    ):
        raise RepairError(404, f"instance {instance_id} not found in cluster", "not_found")
    found = [
        remediation
        for (cid, iid), past in archive.items()
        if cid == cluster_id and instance_id in ("-", iid)
        for remediation in past
    ]
    found += [r for iid, r in current.items() if instance_id in ("-", iid)]
    found.sort(key=lambda r: str(r.get("create_time") or ""), reverse=True)
    return {"remediations": found, "has_next": False, "next_page_token": ""}


def find(
    cluster: Any, cluster_id: str, instance_id: str, remediation_id: str, archive: Archive
) -> dict[str, Any]:
    """One remediation of a node.

    Raises:
        RepairError: 404, no such node or remediation.
    """
    found: list[dict[str, Any]] = listing(cluster, cluster_id, instance_id, archive)["remediations"]
    for remediation in found:
        if remediation.get("id") == remediation_id:
            return remediation
    raise RepairError(404, f"remediation {remediation_id} not found", "not_found")


def decide(
    cluster: Any,
    instance_id: str,
    remediation_id: str,
    verb: str,
    body: Any,
    *,
    now: datetime,
    elapsed_s: float,
) -> tuple[dict[str, Any], list[TimelineEvent]]:
    """Approve, reject or cancel the node's current remediation, in place.

    Returns:
        The remediation as changed, and the timeline events that carry an approved repair on.

    Raises:
        RepairError: 404 unknown node or remediation; 409 no longer pending; 400 a bad body.
    """
    node = next((n for n in nodes_of(cluster) if n.get("instance_id") == instance_id), None)
    remediation = None if node is None else node.get("latest_remediation")
    if node is None or not isinstance(remediation, dict) or remediation.get("id") != remediation_id:
        raise RepairError(404, f"remediation {remediation_id} not found", "not_found")
    fields = body if isinstance(body, dict) else {}
    comment, mode = fields.get("comment"), fields.get("mode")
    if comment is not None and not isinstance(comment, str):
        raise RepairError(400, "comment must be a string", "invalid_argument")
    if verb == "approve" and mode is not None and mode not in MODES:
        raise RepairError(400, f"mode {mode} cannot be set when approving", "invalid_argument")
    state = remediation.get("state")
    if state not in (_CANCELLABLE if verb == "cancel" else {PENDING_APPROVAL}):
        raise RepairError(
            409, f"remediation {remediation_id} is not pending approval (state {state})", "conflict"
        )
    stamp = iso(now)
    remediation["update_time"] = stamp
    if verb != "cancel":
        remediation.update(reviewed_by=KEY_OWNER, review_time=stamp, review_comment=comment or "")
    if verb != "approve":
        remediation.update(state="CANCELLED", end_time=stamp)
        return remediation, []
    remediation["state"] = "PENDING"
    if mode:
        remediation["mode"] = mode
    return remediation, _carry_on(cluster, node, remediation_id, elapsed_s)


def still_applies(cluster: Any, requires: dict[str, Any]) -> bool:
    """Whether a scheduled step's remediation is still in the state the step moves it on from."""
    for node in nodes_of(cluster):
        if node.get("node_id") == requires["node_id"]:
            current = node.get("latest_remediation")
            return (
                isinstance(current, dict)
                and current.get("id") == requires["remediation_id"]
                and current.get("state") == requires["state"]
            )
    return False


def _carry_on(
    cluster: Any, node: dict[str, Any], remediation_id: str, elapsed_s: float
) -> list[TimelineEvent]:
    cluster_id, node_id = str(cluster.get("cluster_id")), str(node.get("node_id"))
    host = node.get("host_name") or node_id
    others_failed = any(
        n is not node and n.get("status") == "Failed" for n in cluster.get("gpu_worker_nodes", [])
    )
    done: dict[str, Any] = {
        "nodes": {
            node_id: {
                "status": "Running",
                "latest_remediation": {"id": remediation_id, "state": "SUCCEEDED"},
            }
        }
    }
    if not others_failed and cluster.get("status") == "Degraded":
        done["status"] = "Ready"

    def requires(state: str) -> dict[str, Any]:
        return {"node_id": node_id, "remediation_id": remediation_id, "state": state}

    return [
        TimelineEvent(
            at_s=elapsed_s + START_AFTER_S,
            cluster_id=cluster_id,
            description=f"the approved repair of {host} starts",
            patch={
                "nodes": {
                    node_id: {"latest_remediation": {"id": remediation_id, "state": "RUNNING"}}
                }
            },
            requires=requires("PENDING"),
        ),
        TimelineEvent(
            at_s=elapsed_s + FINISH_AFTER_S,
            cluster_id=cluster_id,
            description=f"the repair of {host} succeeds and the node is running again",
            patch=done,
            requires=requires("RUNNING"),
        ),
    ]
