"""One cluster in detail: status and findings first, then facts, nodes, history, volumes, add-ons.

Never shows `kube_config` (the model keeps it out of every dump; nothing here reads it). Each part
has its own character cap, so a cluster with hundreds of nodes and hostile names still fits
one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.message import SlackMessage
from bot.render.actions import (
    BACK_ACTION,
    DETAIL_REFRESH_ACTION,
    ButtonState,
    actions_block,
    button,
)
from bot.render.approval_buttons import approval_actions
from bot.render.mrkdwn import (
    clip_escaped,
    code,
    context,
    divider,
    esc,
    fields_section,
    header,
    section,
)
from bot.render.nodes import node_problem
from bot.render.style import (
    LEVEL_EMOJI,
    NODE_DOWN,
    NODE_OK,
    node_label,
    severity_emoji,
    status_meaning,
    status_words,
)
from shared.fleet import Assessment, node_is_running
from shared.models import Cluster, GPUClusterGPUWorkerNode
from shared.timefmt import humanize, stamp

FINDINGS_CHARS = 1500
FIELD_CHARS = 300
NODES_CHARS = 2500
HISTORY_CHARS = 700
EXTRAS_CHARS = 400
HISTORY_ITEMS = 5


@dataclass(frozen=True, slots=True)
class DetailView:
    """What a detail message shows.

    Attributes:
        assessment: the cluster, judged.
        fetched_at: when the data arrived from Together.
        now: when it was judged.
        query: the overview text to go Back to (None: no Back button).
        page: the overview page to go back to.
        project: the project the cluster was found in (None: default scope).
        approvals: show Approve.../Reject... for repairs waiting for approval
            (`CLUSTERS_APPROVERS` is set).
    """

    assessment: Assessment
    fetched_at: datetime
    now: datetime
    query: str | None = None
    page: int = 0
    project: str | None = None
    approvals: bool = False


def render_detail(view: DetailView) -> SlackMessage:
    """The detail message, within Slack's limits, with a summarising text."""
    return SlackMessage(text=fallback_text(view), blocks=detail_blocks(view))


def detail_blocks(view: DetailView, *, interactive: bool = True) -> list[dict[str, Any]]:
    a, cluster = view.assessment, view.assessment.cluster
    blocks: list[dict[str, Any]] = [
        header(cluster.cluster_name),
        section(_status_text(view)),
        fields_section(_facts(a, view.now)),
        section(_nodes_text(a, view.now)),
    ]
    repairs = approval_actions(cluster) if interactive and view.approvals else None
    if repairs is not None:
        blocks.append(repairs)
    history = [text for text in (_phases(cluster), _events(cluster)) if text]
    if history:
        blocks.append(fields_section(history))
    extras = [text for text in (_volumes(cluster), _add_ons(cluster)) if text]
    if extras:
        blocks.append(fields_section(extras))
    blocks.append(
        context(
            f"id {code(cluster.cluster_id, 120)} · data from {view.fetched_at:%H:%M:%S} UTC "
            f"({humanize(view.now - view.fetched_at)} ago)"
        )
    )
    if interactive:
        state = ButtonState(cluster.cluster_id, view.query, view.page, view.project)
        back = ButtonState(query=view.query, page=view.page)
        nav = actions_block(
            button("Refresh", DETAIL_REFRESH_ACTION, state),
            button("Back to list", BACK_ACTION, back) if view.query is not None else None,
        )
        if nav is not None:
            blocks.extend([divider(), nav])
    return blocks


def fallback_text(view: DetailView) -> str:
    a, cluster = view.assessment, view.assessment.cluster
    text = f"{esc(cluster.cluster_name, 100)}: {esc(status_words(cluster.status), 60)}"
    if a.findings:
        text += f"; {len(a.findings)} finding{'s' if len(a.findings) > 1 else ''}: "
        text += "; ".join(esc(f.summary, 100) for f in a.findings[:3])
    return text + "."


def _status_text(view: DetailView) -> str:
    a = view.assessment
    since = a.time_in_status(view.now)
    head = f"{severity_emoji(a.severity)} *{esc(status_words(a.cluster.status), 80)}*"
    if since is not None:
        head += f" for {humanize(since)}"
    head += f" · {a.severity.value}"
    lines = [head]
    meaning = status_meaning(a.cluster.status)
    if meaning is not None:
        lines.append(meaning)
    for finding in a.findings:
        line = f"{LEVEL_EMOJI[finding.level]} {esc(finding.summary, 150)}"
        if finding.detail:
            line += f": {esc(finding.detail, 200)}"
        lines.append(line)
    if not a.findings and meaning is None:
        lines.append("Nothing else wrong found." if a.severity.needs_attention else "All well.")
    return clip_escaped("\n".join(lines), FINDINGS_CHARS)


def _facts(a: Assessment, now: datetime) -> list[str]:
    c = a.cluster
    uptime = a.uptime(now)
    first_ready = stamp(a.first_ready_at) + (f" ({humanize(uptime)} ago)" if uptime else "")
    if c.reservation_start_time or c.reservation_end_time:
        reservation = f"{stamp(c.reservation_start_time)} →\n{stamp(c.reservation_end_time)}"
    else:
        reservation = "none"
    cuda = esc(c.cuda_version or "-", 40)
    driver = esc(c.nvidia_driver_version or "-", 40)
    facts = {
        "Type": esc(c.cluster_type.value, 40),
        "Region": esc(c.region or "-", 60),
        "GPUs": (
            f"{esc(c.gpu_type.value, 40)} × {c.num_gpus} ({a.live_gpus} live)\n"
            f"reserved {c.num_reserved_gpus} · capacity pool {c.num_capacity_pool_gpus} · "
            f"preemptible {c.allocated_preemptible_gpus}/{c.desired_preemptible_gpus}"
        ),
        "CUDA / driver": f"{cuda} / {driver}",
        "Billing": esc(c.billing_type.value if c.billing_type else "-", 40),
        "Created": stamp(c.created_at),
        "First ready": first_ready,
        "Reservation": reservation,
        "Control plane": _control_plane(c),
        "Project": code(c.project_id, 100) if c.project_id else "-",
    }
    return [clip_escaped(f"*{label}*\n{value}", FIELD_CHARS) for label, value in facts.items()]


def _control_plane(c: Cluster) -> str:
    ready = {True: "ready", False: ":red_circle: not ready", None: "readiness not reported"}
    nodes = c.control_plane_nodes
    statuses = sorted({esc(n.status or "no status", 30) for n in nodes})
    listed = f" ({', '.join(statuses[:3])})" if statuses else ""
    count = f"{len(nodes)} node{'s' if len(nodes) != 1 else ''}"
    return f"{ready[c.control_plane_ready]} · {count}{listed}"


def _nodes_text(a: Assessment, now: datetime) -> str:
    c = a.cluster
    head = f"*Worker nodes* · {a.healthy_nodes}/{a.total_nodes} running · {a.live_gpus} GPUs live"
    lines = [head]
    used = len(head)
    nodes = sorted(c.gpu_worker_nodes, key=_node_order)
    tail_room = 120
    for index, node in enumerate(nodes):
        line = _node_line(node, now)
        if used + len(line) + 1 > NODES_CHARS - tail_room:
            rest = nodes[index:]
            running = sum(1 for n in rest if node_is_running(n))
            lines.append(f"…and {len(rest)} more ({running} running)")
            break
        lines.append(line)
        used += len(line) + 1
    if not nodes:
        lines.append("No worker nodes.")
    if c.deleted_gpu_worker_nodes:
        lines.append(f"Deleted nodes: {len(c.deleted_gpu_worker_nodes)} (not counted above)")
    return clip_escaped("\n".join(lines), NODES_CHARS)


def _node_order(node: GPUClusterGPUWorkerNode) -> tuple[bool, bool, str]:
    return (node_is_running(node), node.latest_remediation is None, node.node_id)


def _node_line(node: GPUClusterGPUWorkerNode, now: datetime) -> str:
    emoji = NODE_OK if node_is_running(node) else NODE_DOWN
    parts = [
        f"{emoji} {node_label(node)} {esc(node.status or 'no status', 30)}",
        f"{node.num_gpus} GPUs",
    ]
    if node.marked_for_deletion:
        parts.append("marked for deletion")
    problem = node_problem(node, now)
    if problem:
        parts.append(problem)
    return " · ".join(parts)


def _phases(c: Cluster) -> str:
    recent = sorted(c.phase_transitions, key=lambda t: t.transition_time, reverse=True)
    return _history(
        "Recent phases",
        [
            f"{stamp(t.transition_time)} {esc(t.phase.value.removeprefix('CLUSTER_PHASE_'), 60)}"
            for t in recent[:HISTORY_ITEMS]
        ],
    )


def _events(c: Cluster) -> str:
    recent = sorted(c.node_lifecycle_events, key=lambda e: e.timestamp, reverse=True)
    return _history(
        "Node events",
        [
            f"{stamp(e.timestamp)} {code(e.node_id, 40)} {esc(e.reason, 40)}"
            + (f": {esc(e.message, 60)}" if e.message else "")
            for e in recent[:HISTORY_ITEMS]
        ],
    )


def _history(title: str, lines: list[str]) -> str:
    """A titled list of the newest entries, clipped; "" when there are none."""
    if not lines:
        return ""
    return clip_escaped(f"*{title}*\n" + "\n".join(lines), HISTORY_CHARS)


def _volumes(c: Cluster) -> str:
    if not c.volumes:
        return ""
    lines = [
        f"{esc(v.volume_name or v.volume_id, 50)} · {v.size_tib} TiB · {esc(v.status or '-', 30)}"
        for v in c.volumes[:6]
    ]
    if len(c.volumes) > 6:
        lines.append(f"…and {len(c.volumes) - 6} more")
    return clip_escaped("*Volumes*\n" + "\n".join(lines), EXTRAS_CHARS)


def _add_ons(c: Cluster) -> str:
    if not c.add_ons:
        return ""
    names = ", ".join(esc(addon.name or addon.add_on_type, 40) for addon in c.add_ons[:10])
    more = f" and {len(c.add_ons) - 10} more" if len(c.add_ons) > 10 else ""
    return clip_escaped(f"*Add-ons*\n{names}{more}", EXTRAS_CHARS)
