"""What in one cluster is alert-worthy under the rules, and what changed between two looks.

Health itself is decided by `shared.fleet` (the findings); this module only picks the findings
and statuses the rules turn into alerts, gives each a stable key so two polls can be compared,
and words the differences for an incident's thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.alerts.rules import AlertRules, Trigger
from shared.enums import ClusterStatus, RemediationState
from shared.fleet import (
    Finding,
    FindingKind,
    Severity,
    assess,
    node_is_running,
    short_mode,
    status_severity,
)
from shared.models import Cluster, GPUClusterGPUWorkerNode

_TEXT_CHARS = 300  # API strings quoted in a change line are cut to this

_STATUS_TRIGGERS: dict[str, tuple[Trigger, str]] = {
    ClusterStatus.DEGRADED: (Trigger.DEGRADED, "status Degraded: some nodes are unhealthy"),
    ClusterStatus.ON_DEMAND_COMPUTE_PAUSED: (
        Trigger.ON_DEMAND_PAUSED,
        "on-demand compute paused: the account ran out of credits",
    ),
    ClusterStatus.DELETING: (Trigger.DELETED, "the cluster is being deleted"),
}

_FINDING_TRIGGERS: dict[FindingKind, Trigger] = {
    FindingKind.REMEDIATION_PENDING_APPROVAL: Trigger.PENDING_APPROVAL,
    FindingKind.REMEDIATION_FAILED: Trigger.REMEDIATION_FAILED,
    FindingKind.TESTS_FAILED: Trigger.TESTS_FAILED,
    FindingKind.PREEMPTIBLE_SHORTFALL: Trigger.PREEMPTIBLE_SHORTFALL,
    FindingKind.RESERVATION_ENDING: Trigger.RESERVATION_ENDING,
}

_REMEDIATION_WORDS: dict[str, str] = {
    RemediationState.PENDING_APPROVAL: "awaiting approval",
    RemediationState.PENDING: "approved, queued",
    RemediationState.RUNNING: "running",
    RemediationState.SUCCEEDED: "succeeded",
    RemediationState.FAILED: "failed",
    RemediationState.CANCELLED: "cancelled",
    RemediationState.AUTO_RESOLVED: "auto-resolved (the signal cleared)",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One alert-worthy condition of a cluster.

    Attributes:
        key: stable across polls (`status:Degraded`, `pending_approval:node-3`).
        trigger: the rule it falls under.
        summary: a short phrase for people; may hold API strings, so render it escaped.
    """

    key: str
    trigger: Trigger
    summary: str


@dataclass(frozen=True, slots=True)
class NodeMemory:
    """What the engine remembers of a worker node, enough to word what changed."""

    status: str
    remediation_id: str | None = None
    remediation_state: str | None = None
    remediation_mode: str | None = None


def problems_of(cluster: Cluster, now: datetime, rules: AlertRules) -> dict[str, Problem]:
    """The conditions of `cluster` that the rules alert on, by key."""
    found: dict[str, Problem] = {}
    status = _STATUS_TRIGGERS.get(cluster.status.value)
    if status is not None and status[0] in rules.triggers:
        key = f"status:{cluster.status.value}"
        found[key] = Problem(key, status[0], status[1])
    for finding in assess(cluster, now).findings:
        trigger = _FINDING_TRIGGERS.get(finding.kind)
        if trigger is None or trigger not in rules.triggers:
            continue
        if trigger is Trigger.RESERVATION_ENDING and not _ends_soon(finding, now, rules):
            continue
        key = trigger.value + "".join(f":{node}" for node in finding.nodes)
        found[key] = Problem(key, trigger, _cut(finding.summary))
    return found


def status_is_known(cluster: Cluster) -> bool:
    """Whether the status means something to us; an unknown one never resolves an incident."""
    return status_severity(cluster.status) is not Severity.UNKNOWN


def remember_nodes(cluster: Cluster) -> dict[str, NodeMemory]:
    """The node fingerprints of `cluster`, by node id."""
    return {node.node_id: _fingerprint(node) for node in cluster.gpu_worker_nodes}


def describe_changes(
    old_status: str,
    old_nodes: Mapping[str, NodeMemory],
    old_problems: Mapping[str, Problem],
    cluster: Cluster,
    problems: Mapping[str, Problem],
) -> list[str]:
    """Sentences for what changed since the last look, for an incident's thread.

    Node status and remediation changes are told per node; problems that are not about a node
    (tests failed, a preemptible shortfall) are told as they appear and clear.
    """
    changes: list[str] = []
    if cluster.status.value != old_status:
        changes.append(f"Status {_cut(old_status)} → {_cut(cluster.status.value)}")
    nodes = {node.node_id: node for node in cluster.gpu_worker_nodes}
    for node_id, node in nodes.items():
        changes.extend(_node_changes(node, old_nodes.get(node_id)))
    changes.extend(f"Node {_cut(node_id)} removed" for node_id in old_nodes if node_id not in nodes)
    # Keys without a colon are the problems about the whole cluster that no status shows.
    changes.extend(
        f"New: {p.summary}" for k, p in problems.items() if ":" not in k and k not in old_problems
    )
    changes.extend(
        f"Cleared: {p.summary}"
        for k, p in old_problems.items()
        if ":" not in k and k not in problems
    )
    return changes


def _node_changes(node: GPUClusterGPUWorkerNode, old: NodeMemory | None) -> list[str]:
    name = _node_label(node)
    new = _fingerprint(node)
    if old is None:
        return [f"Node {name} added ({_cut(node.status) or 'no status'})"]
    lines = []
    if new.status != old.status:
        verb = "recovered" if node_is_running(node) else "changed"
        lines.append(
            f"Node {name} {verb}: {_cut(old.status) or 'no status'} → "
            f"{_cut(new.status) or 'no status'}"
        )
    rem = node.latest_remediation
    if rem is not None and (
        rem.id != old.remediation_id or rem.state.value != old.remediation_state
    ):
        words = _REMEDIATION_WORDS.get(rem.state.value, _cut(rem.state.value))
        line = f"Node {name}: remediation {words} ({_cut(short_mode(rem.mode.value))})"
        if rem.state == RemediationState.FAILED and rem.error_message:
            line += f": {_cut(rem.error_message)}"
        elif rem.reviewed_by and old.remediation_state == RemediationState.PENDING_APPROVAL:
            line += f", approved by {_cut(rem.reviewed_by)}"
        lines.append(line)
    return lines


def _fingerprint(node: GPUClusterGPUWorkerNode) -> NodeMemory:
    rem = node.latest_remediation
    if rem is None:
        return NodeMemory(status=node.status)
    return NodeMemory(
        status=node.status,
        remediation_id=rem.id,
        remediation_state=rem.state.value,
        remediation_mode=rem.mode.value,
    )


def _ends_soon(finding: Finding, now: datetime, rules: AlertRules) -> bool:
    return finding.at is not None and finding.at - now <= rules.reservation_horizon


def _node_label(node: GPUClusterGPUWorkerNode) -> str:
    """The host people know the node by, its id beside it: `gpu-01 (node-43a0)`."""
    if node.host_name and node.host_name != node.node_id:
        return f"{_cut(node.host_name)} ({_cut(node.node_id)})"
    return _cut(node.node_id)


def _cut(text: str) -> str:
    return text if len(text) <= _TEXT_CHARS else text[: _TEXT_CHARS - 1] + "…"
