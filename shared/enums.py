"""Open enums: the API's enum fields, tolerant of values newer than the spec.

The live API runs ahead of its OpenAPI file (status `Scheduled`, GPU `GB200_SXM`, remediation
state `QUARANTINED` have all been seen). A known value parses to its member; an unknown one parses
to a pseudo-member that keeps the value verbatim and answers `is_known is False`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self


class OpenEnum(StrEnum):
    """A `StrEnum` whose unknown string values become pseudo-members instead of errors."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether the value is one the OpenAPI spec names."""
        # By identity: pseudo-members are never registered in `_value2member_map_`, and an
        # unknown value that spells a member's name (`READY` for `Ready`) must not pass.
        return type(self)._value2member_map_.get(self._value_) is self

    @classmethod
    def known(cls) -> list[Self]:
        return list(cls)


class ClusterType(OpenEnum):
    KUBERNETES = "KUBERNETES"
    SLURM = "SLURM"


class GPUType(OpenEnum):
    H100_SXM = "H100_SXM"
    H200_SXM = "H200_SXM"
    RTX_6000_PCI = "RTX_6000_PCI"
    L40_PCIE = "L40_PCIE"
    B200_SXM = "B200_SXM"
    H100_SXM_INF = "H100_SXM_INF"


class ClusterStatus(OpenEnum):
    WAITING_FOR_CONTROL_PLANE_NODES = "WaitingForControlPlaneNodes"
    WAITING_FOR_DATA_PLANE_NODES = "WaitingForDataPlaneNodes"
    WAITING_FOR_SUBNET = "WaitingForSubnet"
    WAITING_FOR_SHARED_VOLUME = "WaitingForSharedVolume"
    INSTALLING_DRIVERS = "InstallingDrivers"
    RUNNING_ACCEPTANCE_TESTS = "RunningAcceptanceTests"
    PAUSED = "Paused"
    ON_DEMAND_COMPUTE_PAUSED = "OnDemandComputePaused"
    READY = "Ready"
    DEGRADED = "Degraded"
    DELETING = "Deleting"


class BillingType(OpenEnum):
    RESERVED = "RESERVED"
    ON_DEMAND = "ON_DEMAND"
    SCHEDULED_CAPACITY = "SCHEDULED_CAPACITY"


class LoadBalancer(OpenEnum):
    NONE = "NONE"
    TRAEFIK = "TRAEFIK"
    NGINX = "NGINX"
    ISTIO = "ISTIO"


class ClusterPhase(OpenEnum):
    QUEUED = "CLUSTER_PHASE_QUEUED"
    SCHEDULED = "CLUSTER_PHASE_SCHEDULED"
    WAITING_FOR_CONTROL_PLANE_NODES = "CLUSTER_PHASE_WAITING_FOR_CONTROL_PLANE_NODES"
    WAITING_FOR_DATA_PLANE_NODES = "CLUSTER_PHASE_WAITING_FOR_DATA_PLANE_NODES"
    WAITING_FOR_SUBNET = "CLUSTER_PHASE_WAITING_FOR_SUBNET"
    WAITING_FOR_SHARED_VOLUME = "CLUSTER_PHASE_WAITING_FOR_SHARED_VOLUME"
    WAITING_FOR_AUTO_SCALER = "CLUSTER_PHASE_WAITING_FOR_AUTO_SCALER"
    INSTALLING_DRIVERS = "CLUSTER_PHASE_INSTALLING_DRIVERS"
    RUNNING_ACCEPTANCE_TESTS = "CLUSTER_PHASE_RUNNING_ACCEPTANCE_TESTS"
    ACCEPTANCE_TESTS_FAILED = "CLUSTER_PHASE_ACCEPTANCE_TESTS_FAILED"
    RUNNING_NCCL_TESTS = "CLUSTER_PHASE_RUNNING_NCCL_TESTS"
    NCCL_TESTS_FAILED = "CLUSTER_PHASE_NCCL_TESTS_FAILED"
    READY = "CLUSTER_PHASE_READY"
    PAUSED = "CLUSTER_PHASE_PAUSED"
    ON_DEMAND_COMPUTE_PAUSED = "CLUSTER_PHASE_ON_DEMAND_COMPUTE_PAUSED"
    DEGRADED = "CLUSTER_PHASE_DEGRADED"
    DELETING = "CLUSTER_PHASE_DELETING"


class NodePhase(OpenEnum):
    PENDING = "NODE_PHASE_PENDING"
    SCHEDULING = "NODE_PHASE_SCHEDULING"
    BOOTING = "NODE_PHASE_BOOTING"
    BOOTSTRAPPING = "NODE_PHASE_BOOTSTRAPPING"
    RUNNING = "NODE_PHASE_RUNNING"
    SUCCEEDED = "NODE_PHASE_SUCCEEDED"
    FAILED = "NODE_PHASE_FAILED"
    PAUSED = "NODE_PHASE_PAUSED"


class RemediationMode(OpenEnum):
    VM_ONLY = "REMEDIATION_MODE_VM_ONLY"
    HOST_AWARE = "REMEDIATION_MODE_HOST_AWARE"
    EVICT_WITHOUT_REPLACEMENT = "REMEDIATION_MODE_EVICT_WITHOUT_REPLACEMENT"
    REBOOT_VM = "REMEDIATION_MODE_REBOOT_VM"


class RemediationTrigger(OpenEnum):
    MANUAL = "REMEDIATION_TRIGGER_MANUAL"
    AUTOMATED = "REMEDIATION_TRIGGER_AUTOMATED"


class AddOnType(OpenEnum):
    """`AddOnInfo.add_on_type`: a plain string in the spec; these are its `AddOnConfig` keys."""

    DASHBOARD = "dashboard"
    INGRESS = "ingress"
    TORCHPASS = "torchpass"


class RemediationState(OpenEnum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    AUTO_RESOLVED = "AUTO_RESOLVED"


class PHCSeverity(OpenEnum):
    """A passive health-check alert's severity (`Remediation.linked_alerts[].severity`)."""

    INFO = "PHC_SEVERITY_INFO"
    WARNING = "PHC_SEVERITY_WARNING"
    CRITICAL = "PHC_SEVERITY_CRITICAL"
