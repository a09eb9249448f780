"""Alert messages as Block Kit: incident parents, thread replies, grouped and outage messages.

Pure functions from alert state to `SlackMessage`s. Every string from the API goes through `esc`
(or into a plain_text object) with a length cap; every message has a fallback `text` and stays
within Slack's limits whatever the API sends (checked by the tests with `bot.render.budgets`).
Buttons carry short keys: a snooze button the incident's `incident_key` (the store resolves
it), a Details button the cluster id only when it is of a sane length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.alerts.model import Quarantined, incident_key
from bot.extension import DETAILS_NEW_ACTION
from bot.message import SlackMessage
from bot.render.approval_buttons import approval_actions
from bot.render.mrkdwn import clip, code, context, esc, esc_block, fields_section, header, plain
from bot.render.mrkdwn import section as text_section
from bot.render.nodes import node_problem_line
from bot.render.style import severity_emoji, status_words
from shared.alerts import Incident
from shared.enums import RemediationState
from shared.fleet import Assessment, assess, node_is_running
from shared.timefmt import humanize, stamp

SNOOZE_ACTION_PREFIX = "alert_snooze"
SNOOZE_HOURS: dict[str, int] = {f"{SNOOZE_ACTION_PREFIX}_{h}h": h for h in (1, 4, 24)}

RESOLVED = ":white_check_mark:"
REMINDER = ":alarm_clock:"
FLAPPING = ":repeat:"
FLOOD = ":rotating_light:"
OUTAGE = ":warning:"
GONE = ":wastebasket:"
SNOOZED = ":no_bell:"
SUBSCRIBED = ":bell:"

_MAX_NODES = 12
_NODES_CHARS = 2800
_MAX_FINDINGS = 8
_MAX_CHANGES = 20
_MAX_GROUPED = 40
_GROUPED_CHARS = 10_000  # of the 12,000 characters of block text Slack allows a message
_STATUS_CHARS = 60
_MAX_BUTTON_ID = 255  # a Details button carries the cluster id only up to this length
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_ACTIVE_REMEDIATIONS = {
    RemediationState.PENDING_APPROVAL,
    RemediationState.PENDING,
    RemediationState.RUNNING,
    RemediationState.FAILED,
}


def incident_parent(incident: Incident, now: datetime, *, approvals: bool = False) -> SlackMessage:
    """The one message that stands for an incident: open (with snooze buttons) or resolved.

    With `approvals` (`CLUSTERS_APPROVERS` is set), an open incident's repairs waiting for
    approval get Approve.../Reject... buttons (`bot.render.approval_buttons`).
    """
    a = assess(incident.cluster, now)
    name = incident.cluster.cluster_name
    if incident.is_open:
        title = f"{severity_emoji(a.severity)} {status_words(incident.cluster.status)}: {name}"
        lead = f"*What needs attention*\n{_bullets(_what_is_wrong(incident, a))}"
    else:
        title = f"{RESOLVED} Resolved: {name}"
        lead = f"*{_resolution_words(incident, now)}*"
    blocks = [header(title), text_section(lead), _facts(incident, a, now)]
    nodes = _unhealthy_nodes(a, now)
    if incident.is_open and nodes:
        blocks.append(text_section(nodes))
    blocks.append(context(*_footer(incident, now)))
    repairs = (
        approval_actions(incident.cluster, incident=incident_key(incident.incident_id))
        if approvals and incident.is_open
        else None
    )
    if repairs is not None:
        blocks.append(repairs)
    buttons = _buttons(incident)
    if buttons is not None:
        blocks.append(buttons)
    summary = (
        _what_is_wrong(incident, a)[:1] if incident.is_open else [_resolution_words(incident, now)]
    )
    text = f"{title.split(' ', 1)[1]} ({_where(a)})" + "".join(f": {s}" for s in summary)
    return SlackMessage(clip(esc(text), 3000), blocks)


def incident_changed(incident: Incident, changes: Sequence[str], *, grouped: bool) -> SlackMessage:
    """A thread reply listing what changed in an open incident."""
    lead = f"*{esc(incident.cluster.cluster_name, 150)}*: " if grouped else ""
    body = lead + _fit(
        [f"• {esc(change, 300)}" for change in changes],
        "• … and {} more changes",
        limit=2500,
        most=_MAX_CHANGES,
    )
    return SlackMessage(clip(body, 3000), [text_section(body)])


def incident_reminder(incident: Incident, open_for: timedelta, *, grouped: bool) -> SlackMessage:
    """A thread reply: still open after the reminder interval."""
    status = esc(status_words(incident.cluster.status), _STATUS_CHARS)
    lead = f"*{esc(incident.cluster.cluster_name, 150)}* " if grouped else ""
    body = f"{REMINDER} {lead}Still {status} after {humanize(open_for)}."
    wrong = _what_is_wrong(incident, assess(incident.cluster, incident.last_notified_at))
    if wrong:
        body += "\n" + _bullets(wrong)
    return SlackMessage(clip(body, 3000), [text_section(body)])


def incident_resolved(incident: Incident, now: datetime, *, grouped: bool) -> SlackMessage:
    """A thread reply: how it ended and after how long."""
    lead = f"*{esc(incident.cluster.cluster_name, 150)}*: " if grouped else ""
    body = f"{RESOLVED} {lead}{_resolution_words(incident, now)}."
    return SlackMessage(body, [text_section(body)])


def incident_reopened(incident: Incident, after: timedelta, *, grouped: bool) -> SlackMessage:
    """A thread reply: bad again soon after recovering, so this thread carries on."""
    status = esc(status_words(incident.cluster.status), _STATUS_CHARS)
    lead = f"*{esc(incident.cluster.cluster_name, 150)}* " if grouped else ""
    body = (
        f"{FLAPPING} {lead}{status} again, {humanize(after)} after recovering (flapping). "
        "Following it in this thread."
    )
    return SlackMessage(body, [text_section(body)])


def grouped_parent(incidents: Sequence[Incident], now: datetime) -> SlackMessage:
    """One message for many incidents that opened together, each with its own line and state."""
    still_open = sum(1 for i in incidents if i.is_open)
    title = f"{FLOOD} {len(incidents)} clusters went bad at once ({still_open} still open)"
    blocks: list[dict[str, Any]] = [header(title)]
    used = len(title)
    for incident in incidents[:_MAX_GROUPED]:
        a = assess(incident.cluster, now)
        if incident.is_open:
            mark = severity_emoji(a.severity)
            state = esc(status_words(incident.cluster.status), _STATUS_CHARS)
            first = _what_is_wrong(incident, a)[:1]
            state += "".join(f" · {esc(s, 200)}" for s in first)
        else:
            mark, state = RESOLVED, esc(_resolution_words(incident, now), 300)
        line = f"{mark} *{esc(incident.cluster.cluster_name, 150)}* {code(incident.cluster_id, 80)}"
        line += f" · {esc(_where(a), 120)}\n{state}"
        # Every line fits on its own; together they must stay inside the message's total.
        if used + len(line) > _GROUPED_CHARS:
            break
        used += len(line)
        blocks.append(text_section(line, accessory=_details_button(incident)))
    listed = len(blocks) - 1
    if len(incidents) > listed:
        blocks.append(context(f"… and {len(incidents) - listed} more; `/clusters incidents`"))
    blocks.append(
        context("Each cluster is followed on its own in this thread; snooze from its details.")
    )
    names = ", ".join(clip(i.cluster.cluster_name, 150) for i in incidents[:10])
    more = f" and {len(incidents) - 10} more" if len(incidents) > 10 else ""
    return SlackMessage(esc(f"{title.split(' ', 1)[1]}: {names}{more}", 3000), blocks)


def api_unreachable(since: datetime, error: str, now: datetime) -> SlackMessage:
    """The outage parent: polls have failed for a while, nothing is known about the clusters."""
    title = f"{OUTAGE} Together API unreachable since {stamp(since)}"
    body = (
        f"Polls have failed for {humanize(now - since)}. Last error:\n"
        f"> {esc_block(error, 1000)}\n"
        "Alerts are on hold: nothing opens or resolves until a poll succeeds again."
    )
    return SlackMessage(esc(title.split(" ", 1)[1]), [header(title), text_section(body)])


def api_recovered(since: datetime, down_for: timedelta) -> SlackMessage:
    """The outage's end: a thread reply, and what its parent becomes."""
    body = (
        f"{RESOLVED} Together API reachable again after {humanize(down_for)} "
        f"(unreachable since {stamp(since)}). Alerts are current again."
    )
    return SlackMessage(body, [text_section(body)])


def api_recovered_parent(since: datetime, down_for: timedelta) -> SlackMessage:
    """What the outage parent is updated to once polls succeed again."""
    title = f"{RESOLVED} Together API reachable again"
    body = f"Unreachable from {stamp(since)} for {humanize(down_for)}. Alerts are current again."
    return SlackMessage(
        esc(f"Together API reachable again after {humanize(down_for)}"),
        [
            header(title),
            text_section(body),
        ],
    )


def cluster_gone(name: str, cluster_id: str, last_status: str) -> SlackMessage:
    """A cluster that left the API (rule `deleted`), with no incident to close."""
    body = (
        f"{GONE} *{esc(name, 150)}* {code(cluster_id)} is no longer listed by Together "
        f"(last seen {esc(last_status, 100)})."
    )
    return SlackMessage(clip(body, 3000), [text_section(body)])


def snooze_confirmation(incident: Incident, hours: int, until: datetime) -> str:
    """What the person who snoozed sees (ephemeral)."""
    return (
        f"{SNOOZED} Snoozed *{esc(incident.cluster.cluster_name, 150)}* for {hours} h, until "
        f"{stamp(until)}. Updates and reminders are silenced; its recovery will still be posted."
    )


def quarantine_notice(rows: Sequence[Quarantined]) -> SlackMessage:
    """Said once where every alert goes: stored rows could not be read and were set aside."""
    what = ", ".join(f"{r.source} {code(r.key, 80)}" for r in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    body = (
        f"{OUTAGE} *Alert state:* {len(rows)} stored row(s) could not be read and were set "
        f"aside ({what}{more}). Alerting goes on for everything else; anything they described "
        "is alerted afresh if it is still wrong. The bot's log has the details, and the "
        "`quarantine` table of the state file keeps the rows."
    )
    return SlackMessage(
        f"Alert state: {len(rows)} stored row(s) could not be read and were set aside.",
        [text_section(body)],
    )


def user_mention(user_id: str) -> str:
    """`<@U123>` for a real Slack user id; anything else is shown escaped, not as a mention."""
    return f"<@{user_id}>" if _SLACK_USER.match(user_id) else esc(user_id, 40)


def _what_is_wrong(incident: Incident, a: Assessment) -> list[str]:
    reasons = [p.summary for key, p in incident.problems.items() if not key.startswith("status:")]
    reasons += [f.summary for f in a.findings]
    return (
        list(dict.fromkeys(reasons))[:_MAX_FINDINGS]
        or [p.summary for p in incident.problems.values()][:_MAX_FINDINGS]
    )


def _fit(lines: Sequence[str], more: str, *, limit: int, most: int) -> str:
    """As many of `lines` as fit in `limit` characters (and `most` lines), then a count.

    Args:
        lines: the lines, most important first.
        more: the last line when some are left out, with `{}` for how many.
        limit: the characters the lines (with their newlines) may take.
        most: the lines shown at the most.
    """
    shown: list[str] = []
    used = 0
    for line in lines[:most]:
        if used + len(line) + 1 > limit:
            break
        shown.append(line)
        used += len(line) + 1
    if len(shown) < len(lines):
        shown.append(more.format(len(lines) - len(shown)))
    return "\n".join(shown)


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {esc(line, 300)}" for line in lines) or "• (nothing specific reported)"


def _where(a: Assessment) -> str:
    c = a.cluster
    return f"{c.region or 'no region'}, {c.gpu_type.value} × {c.num_gpus}"


def _facts(incident: Incident, a: Assessment, now: datetime) -> dict[str, Any]:
    c = incident.cluster
    since = a.status_since if incident.is_open and a.status_since else incident.opened_at
    gpus = f"{esc(c.gpu_type.value, 60)} × {c.num_gpus}"
    if a.live_gpus != c.num_gpus:
        gpus += f" ({a.live_gpus} live)"
    facts = [
        f"*Cluster*\n{esc(c.cluster_name, 200)}\n{code(c.cluster_id)}",
        f"*Region*\n{esc(c.region, 100) or '-'}",
        f"*GPUs*\n{gpus}",
        f"*Since*\n{stamp(since)} ({humanize(now - since)} ago)",
        f"*Nodes*\n{a.healthy_nodes}/{a.total_nodes} healthy",
    ]
    if c.project_id:
        facts.append(f"*Project*\n{code(c.project_id, 100)}")
    return fields_section(facts)


def _unhealthy_nodes(a: Assessment, now: datetime) -> str:
    lines = []
    for node in a.cluster.gpu_worker_nodes:
        rem = node.latest_remediation
        active = rem is not None and rem.state in _ACTIVE_REMEDIATIONS
        if node_is_running(node) and not active:
            continue
        lines.append(node_problem_line(node, now))
    if not lines:
        return ""
    # Lines carry their linked alerts, so the cap is on characters as well as on nodes.
    shown = _fit(lines, "… and {} more", limit=_NODES_CHARS, most=_MAX_NODES)
    return "*Unhealthy nodes*\n" + shown


def _resolution_words(incident: Incident, now: datetime) -> str:
    took = humanize(incident.duration(now))
    reason = esc(incident.resolution or "resolved", 200)
    if incident.cluster.status.value == "Ready" and incident.resolution == "back to Ready":
        return f"Recovered after {took} ({reason})"
    return f"Resolved after {took}: {reason}"


def _footer(incident: Incident, now: datetime) -> list[str]:
    parts = [f"Incident {code(incident.incident_id, 120)} · opened {stamp(incident.opened_at)}"]
    if incident.reopened:
        parts[0] += f" · reopened {incident.reopened}×"
    if incident.is_open and incident.snoozed_until and incident.is_snoozed(now):
        parts.append(
            f"{SNOOZED} Snoozed by {user_mention(incident.snoozed_by or '?')} until "
            f"{stamp(incident.snoozed_until)}: updates and reminders silenced, "
            "recovery will still be posted."
        )
    return parts


def _details_button(incident: Incident) -> dict[str, Any] | None:
    """Details for the cluster, or None for an id too long to be a real one (or to carry)."""
    if len(incident.cluster_id) > _MAX_BUTTON_ID:
        return None
    return {
        "type": "button",
        "text": plain("Details", 75),
        "action_id": DETAILS_NEW_ACTION,
        "value": incident.cluster_id,
    }


def _buttons(incident: Incident) -> dict[str, Any] | None:
    details = _details_button(incident)
    elements = [details] if details is not None else []
    if incident.is_open:
        elements += [
            {
                "type": "button",
                "text": plain(f"Snooze {hours} h", 75),
                "action_id": action_id,
                "value": incident_key(incident.incident_id),
            }
            for action_id, hours in SNOOZE_HOURS.items()
        ]
    if not elements:
        return None
    return {"type": "actions", "block_id": "alert_actions", "elements": elements}
