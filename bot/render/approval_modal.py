"""The repair decision modal and what a decision says in Slack, as Block Kit.

Pure functions: the modal a person fills in (the repair's facts, a comment, for approval an
optional mode), the loading and outcome views around it, and the note a decision leaves in the
incident's thread ("Approved by <@U...>: comment (mode)"). Every string from Together is escaped
and capped; the comment is the approver's own words, escaped too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.message import SlackMessage
from bot.render.mrkdwn import code, context, esc, fields_section, plain, section
from bot.render.style import node_label
from shared.enums import RemediationMode
from shared.fleet import alert_phrases, short_mode
from shared.models import Cluster, GPUClusterGPUWorkerNode, Remediation
from shared.timefmt import humanize, stamp

DECISION_CALLBACK = "remediation_decision"
COMMENT_BLOCK = "comment"
MODE_BLOCK = "mode"
COMMENT_CHARS = 500
POWER_CYCLE = "REMEDIATION_MODE_HOST_POWER_CYCLE"
MODE_WORDS = {
    RemediationMode.VM_ONLY.value: "new VM on any host",
    RemediationMode.HOST_AWARE.value: "cordon the host, new VM elsewhere",
    RemediationMode.EVICT_WITHOUT_REPLACEMENT.value: "evict the VM, no replacement",
    RemediationMode.REBOOT_VM.value: "reboot the VM",
}
_TITLES = {"approve": ("Approve repair", "Approve"), "reject": ("Reject repair", "Reject")}
_ALERTS_SHOWN = 5


def loading_view(decision: str, metadata: str) -> dict[str, Any]:
    """What opens at once on a click, while the repair is read from Together."""
    title, _ = _TITLES[decision]
    return _modal(
        title, [section(":hourglass_flowing_sand: Reading the repair from Together…")], metadata
    )


def message_view(decision: str, text: str, metadata: str = "") -> dict[str, Any]:
    """A modal that only says something (the outcome, or why nothing can be decided)."""
    title, _ = _TITLES[decision]
    return _modal(title, [section(text)], metadata)


def decision_view(
    decision: str,
    cluster: Cluster,
    node: GPUClusterGPUWorkerNode,
    rem: Remediation,
    now: datetime,
    metadata: str,
) -> dict[str, Any]:
    """The form: the repair's facts, a comment (required to reject) and, to approve, a mode."""
    title, verb = _TITLES[decision]
    waited = (
        f"{humanize(now - rem.create_time)} (since {stamp(rem.create_time)})"
        if rem.create_time
        else "-"
    )
    instance = rem.instance_id or node.instance_id or "-"
    mode_words = MODE_WORDS.get(rem.mode.value, "as Together defines it")
    facts = [
        f"*Cluster*\n{esc(cluster.cluster_name, 150)}\n{code(cluster.cluster_id, 120)}",
        f"*Node*\n{node_label(node)}\ninstance {code(instance, 120)}",
        f"*Mode*\n{esc(short_mode(rem.mode.value), 60)}: {esc(mode_words, 80)}",
        f"*Trigger*\n{esc(rem.trigger.value.removeprefix('REMEDIATION_TRIGGER_').lower(), 60)}"
        + (f" (by {esc(rem.requested_by, 60)})" if rem.requested_by else ""),
        f"*State*\n{esc(rem.state.value, 40)}",
        f"*Waiting for*\n{waited}",
    ]
    blocks: list[dict[str, Any]] = [
        fields_section(facts),
        section(f"*Reason*\n{esc(rem.reason or 'none given', 1000)}"),
    ]
    phrases = alert_phrases(rem.linked_alerts, now, limit=_ALERTS_SHOWN)
    if phrases:
        lines = "\n".join(f"• {esc(p, 300)}" for p in phrases)
        blocks.append(section(f"*Linked alerts*\n{lines}"))
    if decision == "approve":
        blocks.append(
            context(
                "Approving cordons and drains the node, then repairs it as the mode says: its "
                "running jobs stop. Nothing is sent until you press Approve."
            )
        )
    else:
        blocks.append(
            context("Rejecting cancels this repair. Nothing is sent until you press Reject.")
        )
    blocks.append(_comment_input(required=decision == "reject"))
    if decision == "approve":
        blocks.append(_mode_input(rem.mode.value))
    view = _modal(title, blocks, metadata)
    view["submit"] = plain(verb, 24)
    return view


def decided_words(rem: Remediation) -> str:
    """Who already decided a repair and when, or its state when nobody reviewed it (mrkdwn)."""
    state = esc(rem.state.value, 40)
    if rem.reviewed_by:
        when = f" at {stamp(rem.review_time)}" if rem.review_time else ""
        comment = f": {esc(rem.review_comment, 300)}" if rem.review_comment else ""
        return f"Already reviewed by {esc(rem.reviewed_by, 100)}{when}{comment}; now *{state}*."
    return f"This repair is no longer waiting for approval: now *{state}*."


def thread_note(
    decision: str, user_id: str, comment: str, mode: str | None, rem: Remediation
) -> SlackMessage:
    """The incident's thread reply for a decision: "Approved by <@U...>: comment (mode)"."""
    word = "Approved" if decision == "approve" else "Rejected"
    emoji = ":white_check_mark:" if decision == "approve" else ":no_entry_sign:"
    said = f": {esc(comment, COMMENT_CHARS)}" if comment else ""
    shown_mode = mode or rem.mode.value
    how = f" ({esc(short_mode(shown_mode), 60)})" if decision == "approve" else ""
    node = esc(rem.instance_name or rem.instance_id, 100)
    body = (
        f"{emoji} {word} by <@{user_id}>{said}{how}\n"
        f"Repair of {node} {code(rem.id, 80)} is now {esc(rem.state.value, 40)}."
    )
    return SlackMessage(body, [section(body)])


def _comment_input(*, required: bool) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": COMMENT_BLOCK,
        "optional": not required,
        "label": plain("Comment (required to reject)" if required else "Comment", 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": COMMENT_BLOCK,
            "multiline": True,
            "max_length": COMMENT_CHARS,
            "placeholder": plain("Why; it goes to Together and the incident's thread", 150),
        },
    }


def _mode_input(current: str) -> dict[str, Any]:
    options = [
        {"text": plain(f"{short_mode(mode)}: {words}", 75), "value": mode}
        for mode, words in MODE_WORDS.items()
    ]
    return {
        "type": "input",
        "block_id": MODE_BLOCK,
        "optional": True,
        "label": plain("Mode (optional override)", 2000),
        "hint": plain(
            f"Leave empty to keep {short_mode(current)}. HOST_POWER_CYCLE cannot be chosen here.",
            2000,
        ),
        "element": {
            "type": "static_select",
            "action_id": MODE_BLOCK,
            "placeholder": plain(f"Keep {short_mode(current)}", 150),
            "options": options,
        },
    }


def _modal(title: str, blocks: list[dict[str, Any]], metadata: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": DECISION_CALLBACK,
        "title": plain(title, 24),
        "close": plain("Close", 24),
        "blocks": blocks,
        "private_metadata": metadata,
    }
