"""Pydantic models for every schema of the OpenAPI file, field names as in the spec.

Parsing is lenient where the live API is known to differ from the spec: enums are open
(`shared.enums`), extra fields are ignored, and fields a gRPC gateway leaves out when they hold
their zero value (empty lists, 0, false) default to that value. What a cluster cannot do without
(`cluster_id`, `cluster_name`, `status`, `gpu_type`; a remediation's `mode`, `trigger`, `state`)
stays required, so a cluster missing one is reported as invalid rather than shown half-empty.

A remediation's `linked_alerts` (passive health-check alerts, `shared.linked_alerts`) only explain
it: an unreadable one is left out rather than failing the cluster.

`kube_config` is a credential: a `SecretStr` left out of `repr`, `str` and every `model_dump`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.dataclasses import dataclass as pydantic_dataclass

from shared.enums import (
    AddOnType,
    BillingType,
    ClusterPhase,
    ClusterStatus,
    ClusterType,
    GPUType,
    LoadBalancer,
    NodePhase,
    RemediationMode,
    RemediationState,
    RemediationTrigger,
)
from shared.linked_alerts import LinkedAlert
from shared.model_types import RECORD, Lenient, Timestamp


class APIModel(BaseModel):
    """Base of the API's objects: unknown fields are ignored, instances are immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True)


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=RECORD)
class GPUClusterVolume:
    volume_id: str
    volume_name: str = ""
    size_tib: int = 0
    status: str = ""


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=RECORD)
class NodePhaseTransition:
    phase: NodePhase
    transition_time: Timestamp


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=RECORD)
class ClusterPhaseTransition:
    phase: ClusterPhase
    transition_time: Timestamp


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=RECORD)
class GPUClusterControlPlaneNode:
    node_id: str
    status: str = ""
    host_name: str = ""
    num_cpu_cores: int = 0
    memory_gib: float = 0.0
    network: str = ""
    phase_transitions: list[NodePhaseTransition] = Field(default_factory=list)
    public_ipv4: str | None = None


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=RECORD)
class Remediation:
    id: str
    cluster_id: str = ""
    instance_id: str = ""
    mode: RemediationMode
    trigger: RemediationTrigger
    state: RemediationState
    reason: str | None = None
    active_health_check_run_id: str | None = None
    passive_health_check_event_id: str | None = None
    requested_by: str | None = None
    create_time: Timestamp | None = None
    reviewed_by: str | None = None
    review_time: Timestamp | None = None
    review_comment: str | None = None
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None
    error_message: str | None = None
    update_time: Timestamp | None = None
    instance_name: str | None = None
    linked_alerts: Lenient[LinkedAlert] = Field(default_factory=list)


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=RECORD)
class GPUClusterGPUWorkerNode:
    node_id: str
    status: str = ""
    host_name: str = ""
    num_cpu_cores: int = 0
    num_gpus: int = 0
    memory_gib: float = 0.0
    networks: list[str] = Field(default_factory=list)
    instance_id: str | None = None
    latest_remediation: Remediation | None = None
    slurm_worker_hostname: str | None = None
    phase_transitions: list[NodePhaseTransition] = Field(default_factory=list)
    marked_for_deletion: bool = False
    public_ipv4: str | None = None
    ib_hca_type: str | None = None
    ib_hca_count: int | None = None
    nvswitch_count: int | None = None
    nvswitch_type: str | None = None
    ephemeral_storage: str | None = None
    auto_remediation_enabled: bool | None = None
    deleted_at: Timestamp | None = None


class OIDCConfig(APIModel):
    issuer_url: str
    client_id: str
    username_claim: str = ""
    username_prefix: str = ""
    group_claim: str = ""
    group_prefix: str = ""
    ca_cert: str | None = None


class SlurmStartupScripts(APIModel):
    worker_prolog: str | None = None
    worker_epilog: str | None = None
    controller_prolog: str | None = None
    controller_epilog: str | None = None
    login_init_script: str | None = None
    nodeset_init_script: str | None = None
    extra_slurm_conf: str | None = None


class Switch(APIModel):
    """The spec's configs that only turn something on or off, all of them this one shape."""

    enabled: bool | None = None


class NoFields(APIModel):
    """The spec's objects documented without fields (whatever arrives in them is ignored)."""


ClusterIngressConfig = Switch
ObservabilityConfig = Switch
DashboardConfig = Switch
IngressConfig = Switch
TorchpassConfig = Switch
DashboardState = NoFields
IngressState = NoFields
TorchpassState = NoFields


class InstanceClusterConfig(APIModel):
    load_balancer: LoadBalancer = LoadBalancer.NONE
    kubernetes_dashboard_enabled: bool | None = None
    jumphost_enabled: bool | None = None
    slurm_startup_scripts: SlurmStartupScripts | None = None
    ingress: ClusterIngressConfig | None = None
    observability: ObservabilityConfig | None = None
    gpu_operator_version: str | None = None
    network_operator_version: str | None = None
    ssh_ca_enabled: bool | None = None


class AddOnConfig(APIModel):
    dashboard: DashboardConfig | None = None
    ingress: IngressConfig | None = None
    torchpass: TorchpassConfig | None = None


class AddOnState(APIModel):
    dashboard: DashboardState | None = None
    ingress: IngressState | None = None
    torchpass: TorchpassState | None = None


class AddOnInfo(APIModel):
    name: str
    add_on_type: AddOnType = AddOnType("")
    config: AddOnConfig = Field(default_factory=AddOnConfig)
    state: AddOnState = Field(default_factory=AddOnState)


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=RECORD)
class GPUClusterNodeLifecycleEvent:
    node_id: str
    reason: str = ""
    message: str = ""
    timestamp: Timestamp


class GPUClusterInfo(APIModel):
    """One GPU cluster as `GET /compute/clusters` returns it."""

    cluster_id: str
    cluster_type: ClusterType = ClusterType.KUBERNETES
    region: str = ""
    gpu_type: GPUType
    cluster_name: str
    duration_hours: int | None = None
    volumes: list[GPUClusterVolume] = Field(default_factory=list)
    status: ClusterStatus
    control_plane_nodes: list[GPUClusterControlPlaneNode] = Field(default_factory=list)
    gpu_worker_nodes: list[GPUClusterGPUWorkerNode] = Field(default_factory=list)
    kube_config: SecretStr = Field(default=SecretStr(""), repr=False, exclude=True)
    num_gpus: int = 0
    slurm_shm_size_gib: int | None = None
    capacity_pool_id: str | None = None
    reservation_start_time: Timestamp | None = None
    reservation_end_time: Timestamp | None = None
    install_traefik: bool | None = None
    cuda_version: str = ""
    nvidia_driver_version: str = ""
    created_at: Timestamp | None = None
    oidc_config: OIDCConfig | None = None
    project_id: str = ""
    cluster_config: InstanceClusterConfig | None = None
    num_cpu_workers: int = 0
    phase_transitions: list[ClusterPhaseTransition] = Field(default_factory=list)
    desired_preemptible_gpus: int = 0
    allocated_preemptible_gpus: int = 0
    num_capacity_pool_gpus: int = 0
    num_reserved_gpus: int = 0
    billing_type: BillingType | None = None
    add_ons: list[AddOnInfo] = Field(default_factory=list)
    machine_cluster_id: str | None = None
    first_ready_at: Timestamp | None = None
    is_in_substrate: bool | None = None
    control_plane_ready: bool | None = None
    ums_project_id: str | None = None
    ums_org_id: str | None = None
    os_image: str | None = None
    nvidia_driver_version_id: str | None = None
    deleted_gpu_worker_nodes: list[GPUClusterGPUWorkerNode] = Field(default_factory=list)
    node_lifecycle_events: list[GPUClusterNodeLifecycleEvent] = Field(default_factory=list)


Cluster = GPUClusterInfo
"""The name the rest of the code uses for `GPUClusterInfo`."""


class GPUClusters(APIModel):
    """The body of `GET /compute/clusters`."""

    clusters: list[GPUClusterInfo]


class InvalidCluster(BaseModel):
    """A cluster entry that could not be parsed, reported instead of failing the whole list.

    Attributes:
        cluster_id: the entry's `cluster_id` when it had a readable one.
        cluster_name: its `cluster_name`, likewise.
        errors: short descriptions of what was wrong (`status: Field required`).
    """

    model_config = ConfigDict(frozen=True)

    index: int
    cluster_id: str | None = None
    cluster_name: str | None = None
    errors: list[str]

    def describe(self) -> str:
        who = self.cluster_name or self.cluster_id or f"entry #{self.index}"
        return f"{who}: " + "; ".join(self.errors)


def identify(raw: Any) -> tuple[str | None, str | None]:
    """The id and name of a raw cluster entry, when it has readable ones."""
    if not isinstance(raw, dict):
        return None, None
    cid, name = raw.get("cluster_id"), raw.get("cluster_name")
    return (cid if isinstance(cid, str) else None, name if isinstance(name, str) else None)
