"""Why a worker node is in trouble, in one place for every Slack message that shows a node.

`node_problem` is the single formatter of a node's problem: the `/clusters show` node lines
(`bot.render.detail`) append it, and the alert's unhealthy nodes (`bot.alerts.render`) are
`node_problem_line`s built on it (the node by host name, its status, then the problem), so a
person deciding whether to approve a repair reads the same evidence in both: the remediation's
state and mode, why (its reason, or its error once it failed), and the passive health-check
alerts linked to it (`GPU Xid error: Xid 79 GPU has fallen off the bus`, a count, a start).
"""

from __future__ import annotations

from datetime import datetime

from bot.render.mrkdwn import esc
from bot.render.style import NODE_DOWN, node_label
from shared.enums import RemediationState
from shared.fleet import alert_phrases, short_mode
from shared.models import GPUClusterGPUWorkerNode

WHY_CHARS = 200
ALERT_CHARS = 200
ALERTS_SHOWN = 2
ALERT_INDENT = "      ↳ "


def node_problem(node: GPUClusterGPUWorkerNode, now: datetime) -> str | None:
    """The node's remediation and its evidence as escaped mrkdwn; None without a remediation.

    One line for the remediation (`remediation PENDING_APPROVAL (HOST_AWARE): GPU Xid 79: fallen
    off the bus`), then one indented line per linked alert, firing ones first, at most two and a
    count of the rest. `now` decides whether an alert's start is shown as a time or a date.
    """
    rem = node.latest_remediation
    if rem is None:
        return None
    text = f"remediation {esc(rem.state.value, 30)} ({esc(short_mode(rem.mode.value), 40)})"
    if rem.state == RemediationState.FAILED:
        why = rem.error_message or rem.reason
    else:
        why = rem.reason or rem.error_message
    if why:
        text += f": {esc(why, WHY_CHARS)}"
    for phrase in alert_phrases(rem.linked_alerts, now, limit=ALERTS_SHOWN):
        text += f"\n{ALERT_INDENT}{esc(phrase, ALERT_CHARS)}"
    return text


def node_problem_line(node: GPUClusterGPUWorkerNode, now: datetime) -> str:
    """A node in trouble as the alert lists it: `:red_circle: *host* `id` Failed · remediation
    PENDING_APPROVAL (HOST_AWARE): why`, then its linked alerts, one per line."""
    line = f"{NODE_DOWN} {node_label(node)} {esc(node.status or 'no status', 60)}"
    problem = node_problem(node, now)
    return f"{line} · {problem}" if problem else line
