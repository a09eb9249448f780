"""Valid API documents and clusters for tests, with overrides.

Every `*_dict` function returns a fresh, spec-valid JSON object (the shape `GET /compute/clusters`
sends) with every field the spec requires; keyword arguments replace or add fields. `cluster()`
parses one into a `Cluster`, and `body()` wraps entries into a response body.

    cluster(status="Degraded", gpu_worker_nodes=[worker_node_dict(status="NotReady")])

Times are fixed around `NOW` so that fleet logic gives the same answer on every run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.models import Cluster

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
"""The moment tests pass to fleet logic as `now`."""

KUBE_CONFIG = (
    "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n"
    "users:\n- name: admin\n  user:\n    token: kc-SECRET-7f3a9b2c1d\n"
)
"""A fake kubeconfig; `KUBE_CONFIG_MARKER` is a substring no other test data contains."""

KUBE_CONFIG_MARKER = "kc-SECRET-7f3a9b2c1d"

JSON = dict[str, Any]


def iso(moment: datetime) -> str:
    """RFC 3339 with a `Z`, as the gateway writes timestamps."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ago(**delta: float) -> str:
    """`iso(NOW - timedelta(**delta))`: `ago(hours=3)`."""
    return iso(NOW - timedelta(**delta))


def later(**delta: float) -> str:
    """`iso(NOW + timedelta(**delta))`: `later(hours=48)`."""
    return iso(NOW + timedelta(**delta))


def cluster_transition(phase: str, at: str) -> JSON:
    """A cluster phase transition; `phase` may be short (`READY`) or in full."""
    full = phase if phase.startswith("CLUSTER_PHASE_") else f"CLUSTER_PHASE_{phase}"
    return {"phase": full, "transition_time": at}


def node_transition(phase: str, at: str) -> JSON:
    """A node phase transition; `phase` may be short (`RUNNING`) or full."""
    full = phase if phase.startswith("NODE_PHASE_") else f"NODE_PHASE_{phase}"
    return {"phase": full, "transition_time": at}


def volume_dict(**overrides: Any) -> JSON:
    return {
        "volume_id": "vol-1",
        "volume_name": "shared-data",
        "size_tib": 10,
        "status": "available",
        **overrides,
    }


def remediation_dict(**overrides: Any) -> JSON:
    return {
        "id": "rem-1",
        "cluster_id": "c-alpha",
        "instance_id": "i-1",
        "mode": "REMEDIATION_MODE_HOST_AWARE",
        "trigger": "REMEDIATION_TRIGGER_AUTOMATED",
        "state": "PENDING_APPROVAL",
        "reason": "GPU fell off the bus (Xid 79)",
        "create_time": ago(minutes=20),
        **overrides,
    }


def linked_alert_dict(**overrides: Any) -> JSON:
    """A passive health-check alert in the official SDK's shape: Xid 79, three times."""
    return {
        "alert_name": "DmesgXidError",
        "cluster_id": "c-alpha",
        "passive_health_check_alert_id": "phc-alert-1",
        "target_vm": "gpu-node-1.internal",
        "started_at": ago(minutes=28),
        "severity": "PHC_SEVERITY_CRITICAL",
        "annotations": {"summary": "GPU Xid error", "evidence": "Xid 79 on GPU 3"},
        "annotation": {
            "title": "GPU Xid error",
            "summary_line": "Xid 79 on GPU 3 (PCI:0000:48:00)",
            "description": "The NVIDIA driver logged Xid errors for a GPU on this node.",
            "xid": {
                "events": [
                    {
                        "xid_code": "79",
                        "mnemonic": "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS",
                        "count": 3,
                    }
                ]
            },
        },
        "instance_id": "i-1",
        "node_remediation_intent_id": "rem-1",
        **overrides,
    }


def worker_node_dict(node_id: str = "gpu-node-1", **overrides: Any) -> JSON:
    return {
        "node_id": node_id,
        "status": "Running",
        "host_name": f"{node_id}.internal",
        "num_cpu_cores": 96,
        "num_gpus": 8,
        "memory_gib": 1024.0,
        "networks": ["ib0"],
        "instance_id": f"i-{node_id}",
        "phase_transitions": [node_transition("RUNNING", ago(days=3))],
        "marked_for_deletion": False,
        **overrides,
    }


def control_plane_node_dict(node_id: str = "cp-1", **overrides: Any) -> JSON:
    return {
        "node_id": node_id,
        "status": "Running",
        "host_name": f"{node_id}.internal",
        "num_cpu_cores": 16,
        "memory_gib": 64.0,
        "network": "10.0.0.0/24",
        "phase_transitions": [node_transition("RUNNING", ago(days=3))],
        **overrides,
    }


def lifecycle_event_dict(**overrides: Any) -> JSON:
    return {
        "node_id": "gpu-node-1",
        "reason": "TogetherScaledUp",
        "message": "node joined",
        "timestamp": ago(hours=2),
        **overrides,
    }


def add_on_dict(**overrides: Any) -> JSON:
    return {
        "name": "dashboard",
        "add_on_type": "dashboard",
        "config": {"dashboard": {"enabled": True}},
        "state": {"dashboard": {}},
        **overrides,
    }


def cluster_dict(**overrides: Any) -> JSON:
    """A healthy Ready cluster of two 8-GPU nodes (16 GPUs ordered, 16 live)."""
    return {
        "cluster_id": "c-alpha",
        "cluster_type": "KUBERNETES",
        "region": "us-central-8",
        "gpu_type": "H100_SXM",
        "cluster_name": "alpha",
        "cuda_version": "12.4",
        "nvidia_driver_version": "550.90.07",
        "volumes": [volume_dict()],
        "status": "Ready",
        "control_plane_nodes": [control_plane_node_dict()],
        "gpu_worker_nodes": [worker_node_dict("gpu-node-1"), worker_node_dict("gpu-node-2")],
        "kube_config": KUBE_CONFIG,
        "num_gpus": 16,
        "project_id": "proj-ml",
        "num_cpu_workers": 0,
        "phase_transitions": [
            cluster_transition("SCHEDULED", ago(days=3, hours=2)),
            cluster_transition("INSTALLING_DRIVERS", ago(days=3, hours=1)),
            cluster_transition("READY", ago(days=3)),
        ],
        "desired_preemptible_gpus": 0,
        "allocated_preemptible_gpus": 0,
        "num_capacity_pool_gpus": 0,
        "num_reserved_gpus": 16,
        "billing_type": "RESERVED",
        "add_ons": [],
        "created_at": ago(days=3, hours=2),
        "control_plane_ready": True,
        **overrides,
    }


def full_cluster_dict(**overrides: Any) -> JSON:
    """A cluster with every optional object and list present, so every enum position is filled."""
    node = worker_node_dict(
        latest_remediation=remediation_dict(linked_alerts=[linked_alert_dict()])
    )
    return cluster_dict(
        gpu_worker_nodes=[node],
        deleted_gpu_worker_nodes=[
            worker_node_dict(
                "gpu-node-0",
                status="Terminated",
                deleted_at=ago(days=1),
                latest_remediation=remediation_dict(id="rem-0", state="SUCCEEDED"),
            )
        ],
        num_gpus=8,
        cluster_config={
            "load_balancer": "TRAEFIK",
            "slurm_startup_scripts": {"worker_prolog": "echo hi"},
            "ingress": {"enabled": True},
            "observability": {"enabled": False},
        },
        oidc_config={
            "issuer_url": "https://accounts.example.com",
            "client_id": "cid",
            "username_claim": "email",
            "username_prefix": "oidc:",
            "group_claim": "groups",
            "group_prefix": "oidc:",
        },
        add_ons=[add_on_dict()],
        node_lifecycle_events=[lifecycle_event_dict()],
        reservation_start_time=ago(days=3),
        reservation_end_time=later(days=30),
        first_ready_at=ago(days=3),
        **overrides,
    )


def cluster(**overrides: Any) -> Cluster:
    """`cluster_dict(**overrides)` parsed into a `Cluster`."""
    return Cluster.model_validate(cluster_dict(**overrides))


def body(*entries: Any) -> bytes:
    """A `GET /compute/clusters` response body holding `entries`."""
    return json.dumps({"clusters": list(entries)}).encode()
