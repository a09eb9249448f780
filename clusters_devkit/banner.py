"""What `make demo` prints once everything answers: where things are and what will happen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Addresses:
    """Where the demo's parts listen, and the made-up credentials a person needs to try them."""

    page: str
    mcp: str
    mcp_token: str
    simulator: str
    api_key: str
    alerts_channel: str
    bot: str


@dataclass(frozen=True, slots=True)
class Moment:
    """One event of the simulator's timeline, in scenario seconds after start."""

    at_s: float
    description: str


def moments(timeline: Mapping[str, Any]) -> list[Moment]:
    """The events of a timeline as the simulator describes it (`/_sim/timeline`); empty when
    it is not the expected shape (the banner then says less)."""
    try:
        return [Moment(float(e["at_s"]), str(e["description"])) for e in timeline["events"]]
    except (KeyError, TypeError, ValueError):
        return []


def when(seconds: float) -> str:
    """`in ~30 s`, `in ~2 min 30 s`."""
    rounded = max(1, round(seconds))
    minutes, rest = divmod(rounded, 60)
    if minutes == 0:
        return f"in ~{rest} s"
    return f"in ~{minutes} min {rest} s" if rest else f"in ~{minutes} min"


def banner(
    addresses: Addresses, time_scale: float, poll_interval_s: float, timeline: list[Moment]
) -> str:
    """The text printed when the demo is up."""
    channel = f"#{addresses.alerts_channel}"
    lines = [
        "",
        "The clusters demo is running, all on this machine: no Slack workspace, no Together key.",
        "",
        f"  Slack sandbox  {addresses.page}   <- open this in a browser",
        f"  MCP server     {addresses.mcp}   (Streamable HTTP)",
        f"  MCP token      {addresses.mcp_token}",
        "                 e.g. claude mcp add --transport http clusters "
        f'{addresses.mcp} --header "Authorization: Bearer {addresses.mcp_token}"',
        f"  Together API   {addresses.simulator}   (simulated; API key {addresses.api_key})",
        f"  Slack bot      {addresses.bot}   (HTTP mode, talking to the sandbox)",
        "",
        f"What will happen (the bot checks the fleet every {poll_interval_s:g} s):",
        "  now        the demo fleet; in #gpu-ops type /clusters, /clusters degraded, "
        "/clusters show <name>, or open the Home tab",
    ]
    if not timeline:
        lines += [
            f"  {when(30 * time_scale):<10} a cluster degrades: an alert appears in {channel}",
            f"  {when(150 * time_scale):<10} it recovers: a reply in the alert's thread, "
            "and the alert is marked resolved",
        ]
    for index, moment in enumerate(timeline):
        if index == 0:
            effect = f"an alert appears in {channel}"
        elif index == len(timeline) - 1:
            effect = "a reply in the alert's thread, and the alert is marked resolved"
        else:
            effect = "a reply in the alert's thread"
        lines.append(f"  {when(moment.at_s * time_scale):<10} {moment.description}")
        lines.append(f"  {'':<10}   -> {effect}")
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)
