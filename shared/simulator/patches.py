"""Changing a running simulator's clusters: the one mechanism behind the control API and timeline.

A patch is a JSON object; every key is optional:

    {
      "status": "Degraded",                      # new status; its phase transition is appended
      "phase": "CLUSTER_PHASE_NCCL_TESTS_FAILED", # record this phase instead of the status's own
      "nodes": {"<node_id>": {"status": "Failed", "latest_remediation": {"state": "..."}}},
      "fields": {"allocated_preemptible_gpus": 8} # top-level fields, set verbatim
    }

A node's new status appends its node phase. A `latest_remediation` is merged into the node's
current one (stamping review, start and end times as its state advances); on a node without one,
or whose last one finished, it starts a new automated recommendation with sensible defaults
(and, for a catalogued reason such as `GPU Xid 79: fallen off the bus`, that failure's linked
alert). As a remediation's state changes, its linked alerts move on: counts grow, and they
resolve when the repair ends.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from shared.simulator.phases import (
    CLUSTER_PHASE_BY_STATUS,
    NODE_PHASE_BY_STATUS,
    iso,
    transition,
)
from shared.simulator.remediations import advance_alerts, failure_for, new_remediation

_PATCH_KEYS = {"status", "phase", "nodes", "fields"}
_FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED", "AUTO_RESOLVED"}
_APPROVED = {"PENDING", "RUNNING", "SUCCEEDED", "FAILED"}
_STARTED = {"RUNNING", "SUCCEEDED", "FAILED"}
REVIEWER = "oncall@example.com"


class PatchError(ValueError):
    """A patch that cannot be applied; the message says what to fix."""


def apply_patch(cluster: Any, patch: Any, *, now: datetime) -> None:
    """Apply `patch` to `cluster` in place, as of `now`.

    Everything is checked before anything changes, so a rejected patch leaves the cluster as it was.

    Raises:
        PatchError: the patch is malformed, names an unknown node, or the cluster is not an object.
    """
    if not isinstance(patch, dict):
        raise PatchError("A patch must be a JSON object.")
    unknown = sorted(set(patch) - _PATCH_KEYS)
    if unknown:
        raise PatchError(f"Unknown patch keys {unknown}; use status, phase, nodes, fields.")
    if not isinstance(cluster, dict):
        raise PatchError("This cluster is not a JSON object; replace it with PUT instead.")
    status, phase = patch.get("status"), patch.get("phase")
    nodes, fields = patch.get("nodes", {}), patch.get("fields", {})
    if status is not None and not isinstance(status, str):
        raise PatchError("'status' must be a string.")
    if phase is not None and not isinstance(phase, str):
        raise PatchError("'phase' must be a string.")
    if not isinstance(fields, dict):
        raise PatchError("'fields' must be an object.")
    if not isinstance(nodes, dict):
        raise PatchError("'nodes' must be an object mapping node ids to node patches.")
    targets = [(_find_node(cluster, node_id), node_patch) for node_id, node_patch in nodes.items()]
    for _, node_patch in targets:
        _check_node_patch(node_patch)

    for node, node_patch in targets:
        _patch_node(cluster, node, node_patch, now)
    cluster.update(fields)
    if status is not None:
        cluster["status"] = status
        phase = phase or CLUSTER_PHASE_BY_STATUS.get(status)
        if status == "Ready":
            cluster.setdefault("first_ready_at", iso(now))
    if phase:
        _history(cluster).append(transition(phase, now))


def _find_node(cluster: dict[str, Any], node_id: str) -> dict[str, Any]:
    workers = cluster.get("gpu_worker_nodes")
    for node in workers if isinstance(workers, list) else []:
        if isinstance(node, dict) and node.get("node_id") == node_id:
            return node
    raise PatchError(f"Cluster {cluster.get('cluster_id')!r} has no GPU worker node {node_id!r}.")


def _check_node_patch(node_patch: Any) -> None:
    if not isinstance(node_patch, dict):
        raise PatchError("Each node patch must be an object.")
    remediation = node_patch.get("latest_remediation")
    if remediation is not None and not isinstance(remediation, dict):
        raise PatchError("'latest_remediation' must be an object, or null to remove it.")


def _patch_node(
    cluster: dict[str, Any], node: dict[str, Any], node_patch: dict[str, Any], now: datetime
) -> None:
    changes = dict(node_patch)
    if "latest_remediation" in changes:
        remediation = changes.pop("latest_remediation")
        if remediation is None:
            node.pop("latest_remediation", None)
        else:
            node["latest_remediation"] = _next_remediation(cluster, node, remediation, now)
    node.update(changes)
    status = changes.get("status")
    if isinstance(status, str) and status in NODE_PHASE_BY_STATUS:
        _history(node).append(transition(NODE_PHASE_BY_STATUS[status], now))


def _next_remediation(
    cluster: dict[str, Any], node: dict[str, Any], changes: dict[str, Any], now: datetime
) -> dict[str, Any]:
    current = node.get("latest_remediation")
    if isinstance(current, dict) and (
        current.get("state") not in _FINISHED or changes.get("id") == current.get("id")
    ):
        remediation = dict(current)
    else:
        cluster_id = str(cluster.get("cluster_id", ""))
        key = f"{cluster_id}/{node.get('node_id')}/{iso(now)}"
        remediation = new_remediation(
            remediation_id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
            cluster_id=cluster_id,
            node=node,
            failure=failure_for(
                str(changes.get("reason", "Simulated health-check failure")),
                str(changes.get("mode", "REMEDIATION_MODE_HOST_AWARE")),
            ),
            created=now,
        )
    state = changes.get("state", remediation.get("state"))
    stamp = iso(now)
    if state != remediation.get("state"):
        remediation["update_time"] = stamp
        advance_alerts(remediation, state, now)
    if state in _APPROVED and "reviewed_by" not in remediation:
        remediation["reviewed_by"] = REVIEWER
        remediation["review_time"] = stamp
    if state in _STARTED:
        remediation.setdefault("start_time", stamp)
    if state in _FINISHED:
        remediation.setdefault("end_time", stamp)
    remediation.update(changes)
    return remediation


def _history(entry: dict[str, Any]) -> list[Any]:
    history = entry.get("phase_transitions")
    if not isinstance(history, list):
        history = entry["phase_transitions"] = []
    return history
