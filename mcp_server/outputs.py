"""The structured output of the tools and resources: what a model may rely on.

Every field is listed here on purpose. Views fill these models field by field from the fleet
logic's assessments, so nothing the API sends reaches a model by accident (`kube_config` least
of all). Field names are short because they are repeated for every cluster on a page.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OutputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GpuCount(OutputModel):
    live: int = Field(description="GPUs on live worker nodes.")
    ordered: int = Field(description="GPUs the clusters were ordered with (num_gpus).")


class FleetOverview(OutputModel):
    """Totals over every cluster in scope, before filters."""

    clusters: int
    needs_attention: int = Field(
        description="Clusters whose severity is critical, attention or unknown."
    )
    by_status: dict[str, int] = Field(description="Clusters per status, most severe first.")
    by_severity: dict[str, int]
    gpus_by_type: dict[str, GpuCount]
    unreadable: int = Field(0, description="Entries Together returned that could not be parsed.")


class ClusterBrief(OutputModel):
    """One cluster in a concise listing."""

    name: str
    id: str
    status: str
    severity: str = Field(
        description="critical, attention, unknown, provisioning, paused or healthy."
    )
    region: str
    gpu: str = Field(description="GPU type.")
    gpus: int = Field(description="GPUs ordered (num_gpus).")
    nodes: str = Field(description="Healthy/total live worker nodes, e.g. '7/8'.")
    in_status: str | None = Field(
        None, description="Time in the current status, e.g. '3 h 12 min'."
    )
    findings: list[str] = Field(default_factory=list, description="What is wrong, worst first.")


class FindingView(OutputModel):
    kind: str
    level: str = Field(description="critical, warning or info.")
    summary: str
    detail: str | None = None
    nodes: list[str] = Field(default_factory=list)


class XidView(OutputModel):
    code: str = Field(description="NVIDIA Xid code, e.g. '79'.")
    mnemonic: str = Field(description="The driver's mnemonic for it, as Together sent it.")
    count: int = Field(description="Times it was seen in the alert window.")


class LinkedAlertView(OutputModel):
    """A passive health-check alert behind a remediation: why Together wants to repair the node."""

    name: str
    title: str
    severity: str = Field(description="critical, warning or info; an unknown value verbatim.")
    started: str
    resolved: str | None = Field(None, description="When it stopped firing; null while it fires.")
    xid: list[XidView] = Field(default_factory=list)
    slurm_reason: str | None = Field(None, description="Slurm's reason for a drained node.")
    summary: str = Field(description="The alert in words, as Slack shows it.")


class RemediationView(OutputModel):
    state: str
    mode: str
    trigger: str
    reason: str | None = None
    error: str | None = None
    created: str | None = None
    alerts: list[LinkedAlertView] = Field(
        default_factory=list, description="Its linked health-check alerts, firing ones first."
    )


class NodeView(OutputModel):
    id: str
    status: str
    gpus: int
    host: str | None = None
    marked_for_deletion: bool = False
    remediation: RemediationView | None = None


class TransitionView(OutputModel):
    phase: str
    at: str


class EventView(OutputModel):
    node: str
    reason: str
    message: str | None = None
    at: str


class VolumeView(OutputModel):
    name: str
    status: str
    size_tib: int


class ClusterDetail(OutputModel):
    """One cluster with its nodes, history, volumes and versions."""

    name: str
    id: str
    status: str
    severity: str
    region: str
    gpu: str
    gpus: int = Field(description="GPUs ordered (num_gpus).")
    live_gpus: int
    nodes_healthy: int
    nodes_total: int
    in_status: str | None = None
    status_since: str | None = None
    project_id: str | None = None
    cluster_type: str
    billing: str | None = None
    control_plane_ready: bool | None = None
    created: str | None = None
    first_ready: str | None = None
    uptime: str | None = None
    reservation_end: str | None = None
    preemptible_gpus: str | None = Field(None, description="allocated/desired, when any desired.")
    versions: dict[str, str] = Field(default_factory=dict)
    findings: list[FindingView] = Field(default_factory=list)
    findings_omitted: int = 0
    nodes: list[NodeView] = Field(
        default_factory=list, description="Worker nodes, unhealthy first; see nodes_omitted."
    )
    nodes_omitted: int = 0
    transitions: list[TransitionView] = Field(
        default_factory=list, description="Latest status transitions, newest first."
    )
    events: list[EventView] = Field(
        default_factory=list, description="Latest node lifecycle events, newest first."
    )
    volumes: list[VolumeView] = Field(default_factory=list)


class ClusterPage(OutputModel):
    """A page of clusters matching a query, most severe first, plus the fleet's totals."""

    fleet: FleetOverview
    query: str = Field(description="The filters applied, or 'all'.")
    total: int = Field(description="Clusters matching the query, over all pages.")
    returned: int = Field(description="Clusters on this page.")
    clusters: list[ClusterBrief | ClusterDetail]
    next_cursor: str | None = Field(
        description="Pass as `cursor` with the same filters to get the next page; null on the last."
    )
    note: str = Field(description="How to get more, or how to narrow the query.")


class FleetReport(OutputModel):
    """The `clusters://fleet` resource: totals, and the clusters that need a person."""

    fleet: FleetOverview
    needs_attention: list[ClusterBrief]
    more_needing_attention: int = 0
