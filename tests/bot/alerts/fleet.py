"""Clusters for alert scenarios on the simulator: built like the simulator's own, then steered."""

from __future__ import annotations

from typing import Any

from shared.simulator.fleet_builder import ClusterSpec, build_cluster
from shared.timefmt import utcnow

RawCluster = dict[str, Any]


def ready_cluster(name: str, *, project: str = "proj-a", nodes: int = 3) -> RawCluster:
    """A healthy on-demand cluster with `nodes` running GPU workers."""
    spec = ClusterSpec(name, project, "us-east-1", "H100_SXM", worker_nodes=nodes)
    return build_cluster(spec, seed=11, now=utcnow())


def node_ids(raw: RawCluster) -> list[str]:
    return [node["node_id"] for node in raw["gpu_worker_nodes"]]


def degrade(node_id: str) -> dict[str, Any]:
    """A patch: the cluster Degraded with `node_id` failed."""
    return {"status": "Degraded", "nodes": {node_id: {"status": "Failed"}}}


def fail_node(node_id: str) -> dict[str, Any]:
    return {"nodes": {node_id: {"status": "Failed"}}}


def recover(*node_ids: str) -> dict[str, Any]:
    """A patch: the cluster Ready again with `node_ids` running."""
    return {"status": "Ready", "nodes": {n: {"status": "Running"} for n in node_ids}}
