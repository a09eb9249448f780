"""Assessments as the models and compact text that tools return. Pure functions, no I/O.

The fleet logic in `shared.fleet` decides what is wrong; this module only chooses which of its
conclusions a model sees, and how. Every string from the API passes through `sanitize` here:
`clean` in the models, and `quote` in the text, where anything but one plain word is a JSON string
so that data cannot pass for the text's own markup (headings, `[severity]`, separators).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from mcp_server.outputs import (
    ClusterBrief,
    ClusterDetail,
    EventView,
    FindingView,
    FleetOverview,
    GpuCount,
    LinkedAlertView,
    NodeView,
    RemediationView,
    TransitionView,
    VolumeView,
    XidView,
)
from mcp_server.sanitize import clean, clean_name, clean_optional, quote
from shared.fleet import (
    Assessment,
    Finding,
    FindingKind,
    FleetSummary,
    alert_phrase,
    firing_first,
    node_is_running,
    severity_word,
    short_mode,
)
from shared.linked_alerts import LinkedAlert
from shared.models import GPUClusterGPUWorkerNode, Remediation
from shared.timefmt import humanize, stamp

DETAIL_NODES = 32
DETAIL_FINDINGS = 20
FINDING_NODES = 8
DETAIL_TRANSITIONS = 5
DETAIL_EVENTS = 5
DETAIL_VOLUMES = 8
DETAIL_ALERTS = 3
BRIEF_FINDINGS = 3
REASON_CHARS = 200
OVERVIEW_ENTRIES = 20
OTHER = "(other)"
FINDING_CHARS = 80


def overview(summary: FleetSummary) -> FleetOverview:
    """The fleet's totals as a model; at most 20 statuses and GPU types, the rest as `other`."""
    statuses = list(summary.by_status.items())
    by_status = {clean_name(status): n for status, n in statuses[:OVERVIEW_ENTRIES]}
    if len(statuses) > OVERVIEW_ENTRIES:
        by_status[OTHER] = sum(n for _, n in statuses[OVERVIEW_ENTRIES:])
    gpus = list(summary.gpus_by_type.items())
    gpus_by_type = {
        clean_name(gpu): GpuCount(live=t.live, ordered=t.ordered)
        for gpu, t in gpus[:OVERVIEW_ENTRIES]
    }
    if len(gpus) > OVERVIEW_ENTRIES:
        rest = [t for _, t in gpus[OVERVIEW_ENTRIES:]]
        gpus_by_type[OTHER] = GpuCount(
            live=sum(t.live for t in rest), ordered=sum(t.ordered for t in rest)
        )
    return FleetOverview(
        clusters=summary.total,
        needs_attention=summary.needs_attention,
        by_status=by_status,
        by_severity={severity.value: n for severity, n in summary.by_severity.items()},
        gpus_by_type=gpus_by_type,
        unreadable=summary.invalid,
    )


def brief(assessment: Assessment, now: datetime) -> ClusterBrief:
    """One cluster for a concise listing: identity, state, size, and findings as phrases."""
    phrases = short_findings(assessment.findings)
    return ClusterBrief(
        **_identity(assessment),
        nodes=f"{assessment.healthy_nodes}/{assessment.total_nodes}",
        in_status=_coarse(assessment.time_in_status(now)),
        findings=phrases,
    )


def _identity(assessment: Assessment) -> dict[str, Any]:
    """What a brief and a detail both say first: the cluster's names, state and size, cleaned."""
    cluster = assessment.cluster
    return {
        "name": clean_name(cluster.cluster_name),
        "id": clean_name(cluster.cluster_id),
        "status": clean_name(cluster.status.value),
        "severity": assessment.severity.value,
        "region": clean_name(cluster.region),
        "gpu": clean_name(cluster.gpu_type.value),
        "gpus": cluster.num_gpus,
    }


def short_findings(findings: Sequence[Finding]) -> list[str]:
    """Findings as a few short phrases, worst first; per-node ones grouped without node ids.

    The fleet logic's summaries name the node ("remediation awaiting approval on node-7f3a
    (HOST_AWARE)"); a listing only needs to know there are some, and get_cluster has the rest.
    Nodes not running are left out: the listing's healthy/total count says exactly that.
    """
    phrases: list[str] = []
    for finding in findings:
        if finding.kind in _SHOWN_AS_NODE_COUNT:
            continue
        grouped = _GROUPED.get(finding.kind)
        if grouped is None:
            phrases.append(clean(finding.summary, FINDING_CHARS))
            continue
        count = sum(1 for f in findings if f.kind == finding.kind)
        phrase = (
            grouped if count == 1 else f"{count} {grouped.replace('remediation', 'remediations')}"
        )
        if phrase not in phrases:
            phrases.append(phrase)
    extra = len(phrases) - BRIEF_FINDINGS
    return phrases[:BRIEF_FINDINGS] + ([f"+{extra} more"] if extra > 0 else [])


_SHOWN_AS_NODE_COUNT = frozenset({FindingKind.NODES_NOT_RUNNING})
_GROUPED = {
    FindingKind.REMEDIATION_PENDING_APPROVAL: "remediation awaiting approval",
    FindingKind.REMEDIATION_FAILED: "remediation failed",
}


def detail(assessment: Assessment, now: datetime) -> ClusterDetail:
    """One cluster in full: findings with details, nodes, history, volumes and versions."""
    cluster = assessment.cluster
    nodes = sorted(cluster.gpu_worker_nodes, key=lambda n: (node_is_running(n), n.node_id))
    transitions = sorted(cluster.phase_transitions, key=lambda t: t.transition_time, reverse=True)
    events = sorted(cluster.node_lifecycle_events, key=lambda e: e.timestamp, reverse=True)
    uptime = assessment.uptime(now)
    preemptible = None
    if cluster.desired_preemptible_gpus or cluster.allocated_preemptible_gpus:
        preemptible = f"{cluster.allocated_preemptible_gpus}/{cluster.desired_preemptible_gpus}"
    versions = {
        "cuda": cluster.cuda_version,
        "nvidia_driver": cluster.nvidia_driver_version,
        "os_image": cluster.os_image or "",
    }
    return ClusterDetail(
        **_identity(assessment),
        live_gpus=assessment.live_gpus,
        nodes_healthy=assessment.healthy_nodes,
        nodes_total=assessment.total_nodes,
        in_status=_duration(assessment, now),
        status_since=_stamp(assessment.status_since),
        project_id=clean_optional(cluster.project_id, 128),
        cluster_type=clean_name(cluster.cluster_type.value),
        billing=clean_optional(cluster.billing_type.value if cluster.billing_type else None, 64),
        control_plane_ready=cluster.control_plane_ready,
        created=_stamp(cluster.created_at),
        first_ready=_stamp(assessment.first_ready_at),
        uptime=humanize(uptime) if uptime is not None else None,
        reservation_end=_stamp(cluster.reservation_end_time),
        preemptible_gpus=preemptible,
        versions={key: clean(value, 64) for key, value in versions.items() if clean(value, 64)},
        findings=[
            FindingView(
                kind=f.kind.value,
                level=f.level.value,
                summary=clean(f.summary, REASON_CHARS),
                detail=clean_optional(f.detail, REASON_CHARS),
                nodes=[clean_name(n) for n in f.nodes[:FINDING_NODES]],
            )
            for f in assessment.findings[:DETAIL_FINDINGS]
        ],
        findings_omitted=max(0, len(assessment.findings) - DETAIL_FINDINGS),
        nodes=[_node(node, now) for node in nodes[:DETAIL_NODES]],
        nodes_omitted=max(0, len(nodes) - DETAIL_NODES),
        transitions=[
            TransitionView(phase=_phase(t.phase.value), at=stamp(t.transition_time))
            for t in transitions[:DETAIL_TRANSITIONS]
        ],
        events=[
            EventView(
                node=clean_name(e.node_id),
                reason=clean(e.reason, 64),
                message=clean_optional(e.message, 160),
                at=stamp(e.timestamp),
            )
            for e in events[:DETAIL_EVENTS]
        ],
        volumes=[
            VolumeView(
                name=clean_name(v.volume_name or v.volume_id),
                status=clean(v.status, 64) or "no status",
                size_tib=v.size_tib,
            )
            for v in cluster.volumes[:DETAIL_VOLUMES]
        ],
    )


def _node(node: GPUClusterGPUWorkerNode, now: datetime) -> NodeView:
    rem = node.latest_remediation
    return NodeView(
        id=clean_name(node.node_id),
        status=clean(node.status, 64) or "no status",
        gpus=node.num_gpus,
        host=clean_optional(node.host_name, 128),
        marked_for_deletion=node.marked_for_deletion,
        remediation=None if rem is None else remediation_view(rem, now),
    )


def remediation_view(rem: Remediation, now: datetime) -> RemediationView:
    """A remediation, cleaned: a node's in the cluster detail, and the start of a repair entry
    (`repair_views.entry`)."""
    return RemediationView(
        state=clean(rem.state.value, 64),
        mode=clean(short_mode(rem.mode.value), 64),
        trigger=clean(rem.trigger.value.removeprefix("REMEDIATION_TRIGGER_"), 64),
        reason=clean_optional(rem.reason, REASON_CHARS),
        error=clean_optional(rem.error_message, REASON_CHARS),
        created=_stamp(rem.create_time),
        alerts=[alert_view(a, now) for a in firing_first(rem.linked_alerts)[:DETAIL_ALERTS]],
    )


def alert_view(alert: LinkedAlert, now: datetime) -> LinkedAlertView:
    """A remediation's linked alert, cleaned, for a model."""
    return LinkedAlertView(
        name=clean_name(alert.alert_name),
        title=clean(alert.title, 120),
        severity=clean(severity_word(alert.severity), 64),
        started=stamp(alert.started_at),
        resolved=_stamp(alert.resolved_at),
        xid=[
            XidView(code=clean(e.xid_code, 16), mnemonic=clean(e.mnemonic, 80), count=e.count)
            for e in alert.xid_events[:DETAIL_ALERTS]
        ],
        slurm_reason=clean_optional(alert.slurm_reason, REASON_CHARS),
        summary=clean(alert_phrase(alert, now), REASON_CHARS),
    )


def _coarse(delta: timedelta | None) -> str | None:
    """A duration in its largest unit only, rounded down: `45 s`, `42 min`, `6 h`, `3 d`."""
    if delta is None:
        return None
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{max(0, seconds)} s"


def _duration(assessment: Assessment, now: datetime) -> str | None:
    delta = assessment.time_in_status(now)
    return humanize(delta) if delta is not None else None


def _stamp(moment: datetime | None) -> str | None:
    return stamp(moment) if moment is not None else None


def _phase(value: str) -> str:
    return clean(value.removeprefix("CLUSTER_PHASE_"), 64)


# --- text -------------------------------------------------------------------------------------


def overview_text(fleet: FleetOverview) -> str:
    """`Fleet: 8 clusters, 3 need attention. Status: Degraded 1, Ready 5. GPUs live/ordered: ...`"""
    statuses = ", ".join(f"{quote(s)} {n}" for s, n in fleet.by_status.items()) or "none"
    gpus = (
        ", ".join(f"{quote(g)} {c.live}/{c.ordered}" for g, c in fleet.gpus_by_type.items())
        or "none"
    )
    text = (
        f"Fleet: {fleet.clusters} clusters, {fleet.needs_attention} need attention. "
        f"Status: {statuses}. GPUs live/ordered: {gpus}."
    )
    if fleet.unreadable:
        text += f" {fleet.unreadable} entries from Together could not be read."
    return text


def brief_text(view: ClusterBrief) -> str:
    """One line: `- name [severity] Status for 3 h · id · region · 64 H100_SXM · nodes 7/8 · ! ...`.

    Findings follow the `!`; a line without one has none. Strings from the API are quoted
    unless they are one plain word.
    """
    since = f" for {view.in_status}" if view.in_status else ""
    parts = [
        f"- {quote(view.name)} [{view.severity}] {quote(view.status)}{since}",
        quote(view.id),
        quote(view.region) if view.region else "no region",
        f"{view.gpus} {quote(view.gpu)}",
        f"nodes {view.nodes}",
    ]
    line = " · ".join(parts)
    if view.findings:
        line += " · ! " + "; ".join(quote(f) for f in view.findings)
    return line


def detail_text(view: ClusterDetail) -> str:
    """A block of short lines describing one cluster in full; API strings `quote`d."""
    since = f" for {view.in_status}" if view.in_status else ""
    lines = [
        f"## {quote(view.name)} [{view.severity}] {quote(view.status)}{since}",
        " · ".join(
            item
            for item in (
                f"id {quote(view.id)}",
                f"project {quote(view.project_id)}" if view.project_id else "",
                quote(view.region) if view.region else "no region",
                quote(view.cluster_type),
                quote(view.billing) if view.billing else "",
                f"{quote(view.gpu)} {view.live_gpus}/{view.gpus} GPUs live",
                f"nodes {view.nodes_healthy}/{view.nodes_total} healthy",
                _control_plane(view.control_plane_ready),
            )
            if item
        ),
    ]
    dates = [
        f"created {view.created}" if view.created else "",
        f"first ready {view.first_ready} (up {view.uptime})" if view.first_ready else "",
        f"reservation ends {view.reservation_end}" if view.reservation_end else "",
        f"preemptible GPUs {view.preemptible_gpus}" if view.preemptible_gpus else "",
    ]
    if any(dates):
        lines.append(" · ".join(d for d in dates if d))
    if view.findings:
        lines.append("Findings:")
        for f in view.findings:
            more = f" ({quote(f.detail)})" if f.detail else ""
            lines.append(f"- {f.level}: {quote(f.summary)}{more}")
        if view.findings_omitted:
            lines.append(f"- and {view.findings_omitted} more findings")
    else:
        lines.append("Findings: none.")
    if view.nodes:
        more = f" (+{view.nodes_omitted} healthy not shown)" if view.nodes_omitted else ""
        lines.append(f"Nodes{more}: " + "; ".join(_node_text(n) for n in view.nodes))
    if view.transitions:
        lines.append(
            "Transitions: " + "; ".join(f"{quote(t.phase)} {t.at}" for t in view.transitions)
        )
    if view.events:
        lines.append("Events: " + "; ".join(_event_text(e) for e in view.events))
    if view.volumes:
        lines.append(
            "Volumes: "
            + "; ".join(f"{quote(v.name)} {quote(v.status)} {v.size_tib} TiB" for v in view.volumes)
        )
    if view.versions:
        lines.append("Versions: " + ", ".join(f"{k} {quote(v)}" for k, v in view.versions.items()))
    return "\n".join(lines)


def _control_plane(ready: bool | None) -> str:
    if ready is None:
        return ""
    return "control plane ready" if ready else "control plane NOT ready"


def _node_text(node: NodeView) -> str:
    text = f"{quote(node.id)} {quote(node.status)} {node.gpus} GPU"
    if node.marked_for_deletion:
        text += " marked for deletion"
    rem = node.remediation
    if rem is not None:
        text += f" remediation {quote(rem.state)} {quote(rem.mode)}"
        if rem.reason:
            text += f" ({quote(rem.reason)})"
        if rem.error:
            text += f" error: {quote(rem.error)}"
        if rem.alerts:
            text += " alerts: " + "; ".join(quote(a.summary) for a in rem.alerts)
    return text


def _event_text(event: EventView) -> str:
    message = f": {quote(event.message)}" if event.message else ""
    return f"{event.at} {quote(event.node)} {quote(event.reason)}{message}"
