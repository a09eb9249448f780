"""Realistic GPU clusters as `GET /compute/clusters` returns them: plain dicts, repeatable per seed.

A `ClusterSpec` says what a scenario cares about (name, project, status, size, what is broken);
`build_cluster` fills in the rest the way the live API does: control-plane and GPU worker nodes
with their phase histories, volumes, add-ons, config, billing, and a kube_config that is plainly
fake (its token contains `sim-fake-token`).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.simulator.hardware import hardware_for
from shared.simulator.phases import (
    CLUSTER_PHASE_BY_STATUS,
    NODE_BOOT_PATH,
    PROVISIONING_PATH,
    iso,
    transition,
)
from shared.simulator.remediations import FALLEN_OFF_BUS, Failure, new_remediation

RawCluster = dict[str, Any]
"""A cluster exactly as the API serves it, JSON-ready."""

PROVISIONING_STATUSES = (
    "Scheduled",
    "WaitingForControlPlaneNodes",
    "WaitingForSubnet",
    "WaitingForSharedVolume",
    "WaitingForDataPlaneNodes",
    "InstallingDrivers",
    "RunningAcceptanceTests",
)
_NO_CONTROL_PLANE_YET = PROVISIONING_STATUSES[:2]
_NO_WORKERS_YET = PROVISIONING_STATUSES[:4]
_PAUSED_STATUSES = ("Paused", "OnDemandComputePaused")


@dataclass(frozen=True)
class ClusterSpec:
    """What a scenario decides about one cluster; `build_cluster` invents everything else.

    Attributes:
        worker_nodes: live GPU worker nodes once the cluster has them.
        in_status_for: how long the cluster has been in `status` (not used for `Ready`).
        failed_nodes: worker nodes that are `Failed` with a remediation pending approval.
        reservation_left: for reserved billing, time until `reservation_end_time`.
        deleted_nodes: nodes in `deleted_gpu_worker_nodes`; preempted ones if preemptible GPUs
            fall short, scaled down otherwise.
    """

    name: str
    project_id: str
    region: str
    gpu_type: str
    status: str = "Ready"
    cluster_type: str = "KUBERNETES"
    worker_nodes: int = 2
    billing_type: str = "ON_DEMAND"
    age: timedelta = timedelta(days=9)
    in_status_for: timedelta = timedelta(hours=1)
    failed_nodes: int = 0
    failure: Failure = FALLEN_OFF_BUS
    reservation_left: timedelta = timedelta(days=30)
    desired_preemptible_gpus: int = 0
    allocated_preemptible_gpus: int = 0
    oidc: bool = False
    deleted_nodes: int = 0


def fake_id(rng: random.Random) -> str:
    """A UUID drawn from `rng`, so ids repeat for the same seed."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_cluster(spec: ClusterSpec, *, seed: int, now: datetime) -> RawCluster:
    """Build one cluster as the API would serve it at `now`.

    The same spec, seed and `now` always give the same dict; each cluster draws from its own
    random stream, so adding a cluster to a scenario does not change the others.
    """
    return _Builder(spec, random.Random(f"{seed}:{spec.name}"), now).build()


class _Builder:
    def __init__(self, spec: ClusterSpec, rng: random.Random, now: datetime) -> None:
        self.spec = spec
        self.rng = rng
        self.now = now
        self.hardware = hardware_for(spec.gpu_type)
        self.cluster_id = fake_id(rng)
        self.subnet = rng.randrange(16, 250)
        if spec.status in PROVISIONING_STATUSES:
            offset = dict(PROVISIONING_PATH)[CLUSTER_PHASE_BY_STATUS[spec.status]]
            self.created = now - spec.in_status_for - timedelta(minutes=offset)
        else:
            self.created = now - spec.age
        self.ready_at = self.created + timedelta(minutes=PROVISIONING_PATH[-1][1])

    def build(self) -> RawCluster:
        spec, hw = self.spec, self.hardware
        workers = self._workers()
        num_gpus = spec.worker_nodes * hw.gpus
        ordered = num_gpus - spec.allocated_preemptible_gpus
        reserved = spec.billing_type != "ON_DEMAND"
        cluster: RawCluster = {
            "cluster_id": self.cluster_id,
            "cluster_type": spec.cluster_type,
            "region": spec.region,
            "gpu_type": spec.gpu_type,
            "cluster_name": spec.name,
            "volumes": self._volumes(),
            "status": spec.status,
            "control_plane_nodes": self._control_plane(),
            "gpu_worker_nodes": workers,
            "kube_config": self._kube_config(),
            "num_gpus": num_gpus,
            "install_traefik": spec.cluster_type == "KUBERNETES",
            "cuda_version": hw.cuda_version,
            "nvidia_driver_version": hw.driver_version,
            "created_at": iso(self.created),
            "project_id": spec.project_id,
            "cluster_config": self._cluster_config(),
            "num_cpu_workers": 2 if spec.cluster_type == "SLURM" else 0,
            "phase_transitions": self._phase_transitions(),
            "desired_preemptible_gpus": spec.desired_preemptible_gpus,
            "allocated_preemptible_gpus": spec.allocated_preemptible_gpus,
            "num_capacity_pool_gpus": 0 if reserved else ordered,
            "num_reserved_gpus": ordered if reserved else 0,
            "billing_type": spec.billing_type,
            "add_ons": self._add_ons(),
            "machine_cluster_id": f"mc-{self.cluster_id[:8]}",
            "is_in_substrate": False,
            "control_plane_ready": spec.status not in _NO_CONTROL_PLANE_YET,
            "ums_project_id": spec.project_id,
            "ums_org_id": "org-sim-0001",
            "os_image": f"ubuntu-22.04-cuda-{hw.cuda_version}-v3",
            "nvidia_driver_version_id": f"nv-{hw.driver_version.split('.')[0]}-cu"
            + hw.cuda_version.replace(".", ""),
        }
        if spec.status not in PROVISIONING_STATUSES:
            cluster["first_ready_at"] = iso(self.ready_at)
        if spec.cluster_type == "SLURM":
            cluster["slurm_shm_size_gib"] = 64
        if reserved:
            end = self.now + spec.reservation_left
            cluster["reservation_start_time"] = iso(self.created)
            cluster["reservation_end_time"] = iso(end)
            cluster["duration_hours"] = round((end - self.created).total_seconds() / 3600)
        else:
            cluster["capacity_pool_id"] = f"pool-{spec.region}-{spec.gpu_type.lower()}"
        if spec.oidc:
            cluster["oidc_config"] = {
                "issuer_url": "https://accounts.google.com",
                "client_id": f"sim-oidc-{spec.name}",
                "username_claim": "email",
                "username_prefix": "oidc:",
                "group_claim": "groups",
                "group_prefix": "oidc:",
            }
        deleted, events = self._deleted_nodes()
        if deleted:
            cluster["deleted_gpu_worker_nodes"] = deleted
            cluster["node_lifecycle_events"] = events
        return cluster

    def _phase_transitions(self) -> list[dict[str, str]]:
        spec = self.spec
        if spec.status in PROVISIONING_STATUSES:
            last = CLUSTER_PHASE_BY_STATUS[spec.status]
            path = PROVISIONING_PATH[: [p for p, _ in PROVISIONING_PATH].index(last) + 1]
        else:
            path = PROVISIONING_PATH
        history = [transition(p, self.created + timedelta(minutes=m)) for p, m in path]
        if spec.status not in PROVISIONING_STATUSES and spec.status != "Ready":
            history.append(
                transition(CLUSTER_PHASE_BY_STATUS[spec.status], self.now - spec.in_status_for)
            )
        return history

    def _control_plane(self) -> list[dict[str, Any]]:
        count = 3 if self.spec.cluster_type == "KUBERNETES" else 2
        booting = self.spec.status in _NO_CONTROL_PLANE_YET
        path = NODE_BOOT_PATH[:3] if booting else NODE_BOOT_PATH
        started = self.created + timedelta(minutes=1)
        nodes = []
        for index in range(count):
            node: dict[str, Any] = {
                "node_id": f"cp-{self.cluster_id[:8]}-{index}",
                "status": "Booting" if booting else "Running",
                "host_name": f"{self.spec.name}-cp-{index}",
                "num_cpu_cores": 16,
                "memory_gib": 64.0,
                "network": f"10.{self.subnet}.0.{10 + index}",
                "phase_transitions": [
                    transition(p, started + timedelta(minutes=m)) for p, m in path
                ],
            }
            if index == 0 and not booting:
                node["public_ipv4"] = f"203.0.113.{self.rng.randrange(2, 250)}"
            nodes.append(node)
        return nodes

    def _workers(self) -> list[dict[str, Any]]:
        spec = self.spec
        if spec.status in _NO_WORKERS_YET:
            return []
        failed = set(self.rng.sample(range(spec.worker_nodes), spec.failed_nodes))
        return [self._worker(index, failed=index in failed) for index in range(spec.worker_nodes)]

    def _worker(
        self, index: int, *, failed: bool, deleted_at: datetime | None = None
    ) -> dict[str, Any]:
        spec, hw = self.spec, self.hardware
        requested = self.created + timedelta(minutes=7, seconds=self.rng.randrange(0, 90))
        booting = spec.status == "WaitingForDataPlaneNodes"
        path = NODE_BOOT_PATH[:3] if booting else NODE_BOOT_PATH
        history = [transition(p, requested + timedelta(minutes=m)) for p, m in path]
        status = "Booting" if booting else "Running"
        left_at = self.now - spec.in_status_for
        if failed:
            status = "Failed"
            history.append(transition("NODE_PHASE_FAILED", left_at))
        elif spec.status in _PAUSED_STATUSES:
            status = "Paused"
            history.append(transition("NODE_PHASE_PAUSED", left_at))
        host = f"{spec.name}-gpu-{index:02d}"
        ip = f"10.{self.subnet}.{1 + index // 200}.{20 + index % 200}"
        node: dict[str, Any] = {
            "node_id": f"node-{self.rng.getrandbits(40):010x}",
            "status": status,
            "host_name": host,
            "num_cpu_cores": hw.cpu_cores,
            "num_gpus": hw.gpus,
            "memory_gib": hw.memory_gib,
            "networks": [ip] + ([f"172.16.{self.subnet}.{20 + index}"] if hw.infiniband else []),
            "instance_id": f"inst-{self.rng.getrandbits(48):012x}",
            "phase_transitions": history,
            "marked_for_deletion": False,
            "ephemeral_storage": hw.ephemeral_storage,
            "auto_remediation_enabled": False,
        }
        if hw.infiniband:
            node["ib_hca_type"] = "ConnectX-7"
            node["ib_hca_count"] = hw.gpus
        if hw.nvswitch:
            node["nvswitch_type"], node["nvswitch_count"] = hw.nvswitch
        if spec.cluster_type == "SLURM":
            node["slurm_worker_hostname"] = f"gpu-{index:03d}"
        if failed:
            node["latest_remediation"] = new_remediation(
                remediation_id=fake_id(self.rng),
                cluster_id=self.cluster_id,
                node=node,
                failure=spec.failure,
                created=left_at,
            )
        if deleted_at is not None:
            node["status"] = "Deleted"
            node["phase_transitions"].append(transition("NODE_PHASE_SUCCEEDED", deleted_at))
            node["deleted_at"] = iso(deleted_at)
        return node

    def _deleted_nodes(self) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        preempted = self.spec.allocated_preemptible_gpus < self.spec.desired_preemptible_gpus
        reason = "TogetherPreempted" if preempted else "TogetherScaledDown"
        verb = "preempted: capacity reclaimed" if preempted else "scaled down by request"
        nodes, events = [], []
        for offset in range(self.spec.deleted_nodes):
            gone = self.now - timedelta(hours=5 + 7 * offset, minutes=self.rng.randrange(60))
            node = self._worker(self.spec.worker_nodes + offset, failed=False, deleted_at=gone)
            nodes.append(node)
            events.append(
                {
                    "node_id": node["host_name"],
                    "reason": reason,
                    "message": f"Node {node['host_name']} {verb}",
                    "timestamp": iso(gone),
                }
            )
        return nodes, events

    def _volumes(self) -> list[dict[str, Any]]:
        status = "Provisioning" if self.spec.status in _NO_WORKERS_YET else "Available"
        return [
            {
                "volume_id": f"vol-{self.rng.getrandbits(48):012x}",
                "volume_name": f"{self.spec.name}-shared",
                "size_tib": self.rng.choice((10, 20, 50, 100)),
                "status": status,
            }
        ]

    def _cluster_config(self) -> dict[str, Any]:
        kubernetes = self.spec.cluster_type == "KUBERNETES"
        config: dict[str, Any] = {
            "load_balancer": "TRAEFIK" if kubernetes else "NONE",
            "kubernetes_dashboard_enabled": kubernetes,
            "jumphost_enabled": not kubernetes,
            "ingress": {"enabled": kubernetes},
            "observability": {"enabled": True},
            "gpu_operator_version": "v24.9.2",
            "network_operator_version": "v24.10.0",
            "ssh_ca_enabled": self.spec.oidc,
        }
        if not kubernetes:
            config["slurm_startup_scripts"] = {
                "worker_prolog": "#!/bin/bash\nnvidia-smi -pm 1\n",
                "extra_slurm_conf": "SchedulerParameters=bf_continue\n",
            }
        return config

    def _add_ons(self) -> list[dict[str, Any]]:
        if self.spec.cluster_type != "KUBERNETES":
            return []
        return [
            {
                "name": "kubernetes-dashboard",
                "add_on_type": "dashboard",
                "config": {"dashboard": {"enabled": True}},
                "state": {"dashboard": {}},
            },
            {
                "name": "ingress",
                "add_on_type": "ingress",
                "config": {"ingress": {"enabled": True}},
                "state": {"ingress": {}},
            },
        ]

    def _kube_config(self) -> str:
        name = self.spec.name
        token = f"sim-fake-token-{self.rng.getrandbits(64):016x}"
        return (
            "apiVersion: v1\n"
            "kind: Config\n"
            "clusters:\n"
            "- cluster:\n"
            "    certificate-authority-data: U0lNVUxBVE9SLUZBS0UtQ0E=\n"
            f"    server: https://{self.cluster_id[:8]}.{self.spec.region}.k8s.sim.invalid:6443\n"
            f"  name: {name}\n"
            "contexts:\n"
            "- context:\n"
            f"    cluster: {name}\n"
            f"    user: {name}-admin\n"
            f"  name: {name}\n"
            f"current-context: {name}\n"
            "users:\n"
            f"- name: {name}-admin\n"
            "  user:\n"
            f"    token: {token}\n"
        )
