"""The simulator's timeline, through its control API: what will happen, and when it starts.

The demo holds the timeline still while the bot and the MCP server start, so "degrades in about
30 s" counts from the moment the demo says so, and the bot's first poll sees the fleet before
anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True, slots=True)
class Moment:
    """One event of the simulator's timeline, in scenario seconds after start."""

    at_s: float
    description: str


def read_timeline(simulator_url: str) -> list[Moment]:
    """The simulator's timeline; empty when it cannot be read (the banner then says less)."""
    try:
        answer = httpx.get(f"{simulator_url}/_sim/timeline", timeout=5)
        events = answer.json()["events"]
        return [Moment(float(e["at_s"]), str(e["description"])) for e in events]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return []


def set_paused(simulator_url: str, paused: bool) -> bool:
    """Pause or resume the simulator's timeline; whether the simulator agreed."""
    try:
        answer = httpx.post(f"{simulator_url}/_sim/timeline", json={"paused": paused}, timeout=5)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200
