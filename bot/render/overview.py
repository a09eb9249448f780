"""The fleet overview message: totals, counts by status, GPUs by type, one line per cluster.

Clusters come sorted by severity then name (`shared.fleet.assess_all`). A page holds
`PAGE_SIZE` clusters, each capped at `CLUSTER_TEXT_CHARS`, so a page of the longest names and
findings stays under Slack's 50 blocks and 12,000 characters; what does not fit is counted and
reached with Next/Previous, with a hint on how to filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.extension import DETAILS_ACTION
from bot.message import SlackMessage
from bot.render.actions import (
    NEXT_PAGE_ACTION,
    PREVIOUS_PAGE_ACTION,
    REFRESH_ACTION,
    ButtonState,
    actions_block,
    button,
)
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
from bot.render.style import LEVEL_EMOJI, severity_emoji, status_words
from shared.enums import ClusterStatus
from shared.fleet import Assessment, ClusterFilter, Severity, status_severity, summarize
from shared.models import InvalidCluster
from shared.timefmt import humanize

PAGE_SIZE = 12
CLUSTER_TEXT_CHARS = 640
NAME_CHARS = 60
FINDING_CHARS = 100
FINDINGS_SHOWN = 3
LIST_LINES = 8
FILTER_HINT = "`/clusters attention`, `status:`, `region:`, `gpu:` or part of a name"


@dataclass(frozen=True, slots=True)
class FleetView:
    """What an overview shows, decided before rendering.

    Attributes:
        matching: the assessed clusters that match, sorted by severity then name.
        fleet_total: how many clusters the project has before filtering.
        invalid: entries Together returned that could not be read.
        fetched_at: when the data arrived from Together.
        now: the time the assessments were made at.
        filter: the filter applied (for the words shown).
        project: the project listed (None: the default scope).
        query: the `/clusters` text that asked, carried by the buttons.
        page: the page to show (0-based; clamped).
    """

    matching: Sequence[Assessment]
    fleet_total: int
    invalid: Sequence[InvalidCluster]
    fetched_at: datetime
    now: datetime
    filter: ClusterFilter
    project: str | None
    query: str
    page: int = 0

    def pages(self, page_size: int) -> int:
        return max(1, -(-len(self.matching) // page_size))


def render_overview(view: FleetView, *, page_size: int = PAGE_SIZE) -> SlackMessage:
    """The overview as a message: blocks within Slack's limits and a summarising text."""
    page = min(max(view.page, 0), view.pages(page_size) - 1)
    start = page * page_size
    shown = view.matching[start : start + page_size]
    blocks = summary_blocks(view)
    if shown:
        blocks.append(divider())
        blocks.extend(
            cluster_section(a, view.now, DETAILS_ACTION, _state(view, page, a)) for a in shown
        )
    blocks.extend(_invalid_blocks(view.invalid))
    left_out = len(view.matching) - len(shown)
    if left_out:
        blocks.append(context(_paging_note(start, len(shown), len(view.matching), page_size)))
    blocks.append(divider())
    nav = actions_block(
        button("Previous", PREVIOUS_PAGE_ACTION, ButtonState(query=view.query, page=page - 1))
        if page > 0
        else None,
        button("Next", NEXT_PAGE_ACTION, ButtonState(query=view.query, page=page + 1))
        if start + page_size < len(view.matching)
        else None,
        button("Refresh", REFRESH_ACTION, ButtonState(query=view.query, page=page)),
    )
    if nav is not None:
        blocks.append(nav)
    blocks.append(context(scope_line(view)))
    return SlackMessage(text=fallback_text(view, start, len(shown)), blocks=blocks)


def summary_blocks(view: FleetView) -> list[dict[str, Any]]:
    """The header, the filter line and the counts by status and GPU type."""
    summary = summarize(view.matching, invalid=len(view.invalid))
    blocks = [header(_headline(view, summary.needs_attention))]
    if not view.filter.is_empty:
        blocks.append(
            context(
                f"Filter {code(view.filter.describe(), 300)}: {len(view.matching)} of "
                f"{view.fleet_total} clusters match."
            )
        )
    if not view.matching:
        blocks.append(section(_empty_text(view)))
        return blocks
    by_status = [
        f"{severity_emoji(_status_severity(status))} {esc(status, 60)}: {count}"
        for status, count in summary.by_status.items()
    ]
    gpus = [
        f"{esc(gpu, 40)}: {tally.live}/{tally.ordered}"
        for gpu, tally in summary.gpus_by_type.items()
    ]
    blocks.append(
        fields_section(
            [
                "*By status*\n" + _capped_lines(by_status),
                "*GPUs live/ordered*\n" + (_capped_lines(gpus) if gpus else "none"),
            ]
        )
    )
    return blocks


def cluster_section(
    assessment: Assessment, now: datetime, action_id: str, state: ButtonState
) -> dict[str, Any]:
    """One cluster as a section: status, name, where, GPUs, nodes, findings, a Details button."""
    cluster = assessment.cluster
    since = assessment.time_in_status(now)
    status = esc(status_words(cluster.status), 60)
    if since is not None:
        status += f" for {humanize(since)}"
    where = " · ".join(
        part
        for part in (
            esc(cluster.region, 30) if cluster.region else "",
            f"{esc(cluster.gpu_type.value, 30)} × {cluster.num_gpus}",
            f"nodes {assessment.healthy_nodes}/{assessment.total_nodes} running",
        )
        if part
    )
    name = esc(cluster.cluster_name, NAME_CHARS)
    lines = [f"{severity_emoji(assessment.severity)} *{name}* · {status}", where]
    for finding in assessment.findings[:FINDINGS_SHOWN]:
        lines.append(f"{LEVEL_EMOJI[finding.level]} {esc(finding.summary, FINDING_CHARS)}")
    if len(assessment.findings) > FINDINGS_SHOWN:
        lines.append(f"+{len(assessment.findings) - FINDINGS_SHOWN} more in Details")
    details = button("Details", action_id, state)
    return section(clip_escaped("\n".join(lines), CLUSTER_TEXT_CHARS), accessory=details)


def scope_line(view: FleetView) -> str:
    project = f"Project {code(view.project, 100)}" if view.project else "Default project"
    age = humanize(view.now - view.fetched_at)
    return f"{project} · data from {view.fetched_at:%H:%M:%S} UTC ({age} ago)"


def fallback_text(view: FleetView, start: int, shown: int) -> str:
    """The top-level text: notifications and screen readers read this, not the blocks."""
    attention = [a for a in view.matching if a.severity.needs_attention]
    text = _headline(view, len(attention)) + "."
    if attention:
        names = ", ".join(
            f"{esc(a.cluster.cluster_name, 60)} ({esc(a.cluster.status.value, 40)})"
            for a in attention[:5]
        )
        more = f" and {len(attention) - 5} more" if len(attention) > 5 else ""
        text += f" Needs attention: {names}{more}."
    if shown < len(view.matching):
        text += f" Showing {start + 1}-{start + shown} of {len(view.matching)}."
    return text


def _headline(view: FleetView, needs_attention: int) -> str:
    total = len(view.matching)
    noun = "cluster" if total == 1 else "clusters"
    if not view.filter.is_empty:
        head = f"{total} of {view.fleet_total} clusters match"
    else:
        head = f"{total} GPU {noun}"
    return f"{head} · {needs_attention} need attention" if needs_attention else head


def _empty_text(view: FleetView) -> str:
    if view.fleet_total == 0:
        where = f"project {code(view.project, 100)}" if view.project else "the default project"
        return f"Together lists no GPU clusters in {where}."
    return (
        f"No cluster matches {code(view.filter.describe(), 300)}. "
        f"Try `/clusters` for all {view.fleet_total}, or `/clusters help`."
    )


def _status_severity(status: str) -> Severity:
    return status_severity(ClusterStatus(status))


def _capped_lines(lines: list[str]) -> str:
    if len(lines) <= LIST_LINES:
        return "\n".join(lines)
    return "\n".join([*lines[: LIST_LINES - 1], f"…and {len(lines) - LIST_LINES + 1} more"])


def _paging_note(start: int, shown: int, total: int, page_size: int) -> str:
    page, pages = start // page_size + 1, -(-total // page_size)
    # Only the buttons that the message carries are named: the last page has no Next.
    moves = [word for word, there in (("Next", page < pages), ("Previous", page > 1)) if there]
    return (
        f"Showing {start + 1}-{start + shown} of {total} (page {page} of {pages}); "
        f"{total - shown} not shown. Use {' or '.join(moves)}, or narrow the list with "
        f"{FILTER_HINT}."
    )


def _state(view: FleetView, page: int, assessment: Assessment) -> ButtonState:
    return ButtonState(
        cluster_id=assessment.cluster.cluster_id,
        query=view.query,
        page=page,
        project=view.project,
    )


def _invalid_blocks(invalid: Sequence[InvalidCluster]) -> list[dict[str, Any]]:
    if not invalid:
        return []
    shown = "; ".join(esc(entry.describe(), 200) for entry in invalid[:3])
    more = f" and {len(invalid) - 3} more" if len(invalid) > 3 else ""
    return [
        context(
            f":warning: {len(invalid)} cluster entries from Together could not be read and are "
            f"left out: {shown}{more}."
        )
    ]
