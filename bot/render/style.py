"""How severities and statuses look in Slack: one emoji per severity, and the words beside it."""

from __future__ import annotations

from bot.render.mrkdwn import code, esc
from shared.enums import ClusterStatus
from shared.fleet import Level, Severity
from shared.models import GPUClusterGPUWorkerNode

SEVERITY_EMOJI: dict[Severity, str] = {
    Severity.CRITICAL: ":red_circle:",
    Severity.ATTENTION: ":large_orange_circle:",
    Severity.UNKNOWN: ":grey_question:",
    Severity.PROVISIONING: ":large_blue_circle:",
    Severity.PAUSED: ":double_vertical_bar:",
    Severity.HEALTHY: ":large_green_circle:",
}

LEVEL_EMOJI: dict[Level, str] = {
    Level.CRITICAL: ":red_circle:",
    Level.WARNING: ":warning:",
    Level.INFO: ":information_source:",
}

NODE_OK = ":large_green_circle:"
NODE_DOWN = ":red_circle:"
ERROR_EMOJI = ":warning:"
REFUSED_EMOJI = ":no_entry:"
HELP_EMOJI = ":bulb:"

_STATUS_WORDS: dict[str, str] = {
    ClusterStatus.WAITING_FOR_CONTROL_PLANE_NODES: "Waiting for control plane nodes",
    ClusterStatus.WAITING_FOR_DATA_PLANE_NODES: "Waiting for data plane nodes",
    ClusterStatus.WAITING_FOR_SUBNET: "Waiting for subnet",
    ClusterStatus.WAITING_FOR_SHARED_VOLUME: "Waiting for shared volume",
    ClusterStatus.INSTALLING_DRIVERS: "Installing drivers",
    ClusterStatus.RUNNING_ACCEPTANCE_TESTS: "Running acceptance tests",
    ClusterStatus.ON_DEMAND_COMPUTE_PAUSED: "On-demand compute paused",
}


_STATUS_MEANINGS: dict[str, str] = {
    ClusterStatus.DEGRADED: "Some nodes are unhealthy.",
    ClusterStatus.ON_DEMAND_COMPUTE_PAUSED: (
        "Credits ran out: on-demand capacity is paused, and is decommissioned if credits are "
        "not restored. Storage access is revoked first."
    ),
    ClusterStatus.PAUSED: "The cluster is paused.",
    ClusterStatus.DELETING: "The cluster is being deleted.",
    "Scheduled": "Accepted, waiting for capacity to be allocated.",
}


def status_meaning(status: ClusterStatus) -> str | None:
    """What a status means for the people using the cluster, when it needs saying."""
    return _STATUS_MEANINGS.get(status.value)


def severity_emoji(severity: Severity) -> str:
    return SEVERITY_EMOJI[severity]


def status_words(status: ClusterStatus) -> str:
    """A status as people say it (`Waiting for subnet`); unknown values verbatim, marked."""
    if not status.is_known and status.value != "Scheduled":
        return f"{status.value} (unknown status)"
    return _STATUS_WORDS.get(status.value, status.value)


def node_label(node: GPUClusterGPUWorkerNode) -> str:
    """A node as people know it: its host name in bold, its id beside it in code."""
    if not node.host_name or node.host_name == node.node_id:
        return code(node.node_id, 80)
    return f"*{esc(node.host_name, 80)}* {code(node.node_id, 60)}"
