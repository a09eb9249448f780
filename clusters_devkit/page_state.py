"""What the sandbox page shows, as JSON: channels with threads, ephemeral answers, App Home.

Messages are annotated with the ways they break Slack's limits (`violations`, from
`bot.render.budgets`), so the page flags a broken message without checking anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.render.budgets import MESSAGE_LIMITS, VIEW_LIMITS, Limits, budget_problems
from clusters_devkit.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel the page lists, with what it is for."""

    id: str
    name: str
    purpose: str = ""


@dataclass(slots=True)
class LocalEntry:
    """Something the sandbox itself shows in a channel: a typed command and what became of it.

    Attributes:
        ts: where it sorts among the channel's messages.
        text: what the user typed.
        outcome: how the app answered (`sent`, `acknowledged`, or Slack's error text).
        ok: whether the app accepted it.
    """

    ts: str
    user: str
    text: str
    outcome: str = "sending"
    ok: bool = True
    details: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "command",
            "key": f"local-{self.ts}",
            "ts": self.ts,
            "user": self.user,
            "text": self.text,
            "outcome": self.outcome,
            "ok": self.ok,
            "details": list(self.details),
        }


def violations(
    message: Mapping[str, Any], *, limits: Limits = MESSAGE_LIMITS, require_text: bool = True
) -> list[str]:
    """Every Slack limit `message` (or a view) breaks; empty when Slack would accept it."""
    blocks = message.get("blocks")
    if blocks is None:
        blocks = []
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    problems = [
        f"block {index} is not an object"
        for index, b in enumerate(blocks)
        if not isinstance(b, dict)
    ]
    if problems:
        return problems
    text = message.get("text")
    return budget_problems(
        blocks,
        text=text if isinstance(text, str) else None,
        limits=limits,
        require_text=require_text,
    )


def channel_json(
    workspace: Workspace, channel: Channel, *, user: str, local: Iterable[LocalEntry]
) -> dict[str, Any]:
    """One channel: its top-level messages in order, each with its thread's replies."""
    stored = workspace.messages(channel.id)
    replies: dict[str, list[dict[str, Any]]] = {}
    top: list[dict[str, Any]] = []
    for message in stored:
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            replies.setdefault(thread_ts, []).append(_message_json(channel.id, message, False))
        else:
            top.append(_message_json(channel.id, message, False))
    for parent in top:
        parent["replies"] = replies.pop(parent["ts"], [])
    ephemeral = [
        _message_json(channel.id, message, True)
        for message in workspace.ephemeral_messages(channel.id, user)
    ]
    entries = [*top, *ephemeral, *(entry.to_json() for entry in local)]
    entries.sort(key=lambda entry: ts_key(entry["ts"]))
    return {
        "id": channel.id,
        "name": channel.name,
        "purpose": channel.purpose,
        "messages": entries,
    }


def home_json(workspace: Workspace, user: str) -> dict[str, Any] | None:
    """The App Home view published for `user`, with its violations; None before any."""
    view = workspace.view(user)
    if view is None:
        return None
    return {
        "view": view,
        "violations": violations(view, limits=VIEW_LIMITS, require_text=False),
    }


def ts_key(ts: str) -> tuple[int, int]:
    """A message `ts` as a sortable pair (seconds, sequence)."""
    seconds, _, micro = ts.partition(".")
    try:
        return int(seconds), int(micro or 0)
    except ValueError:
        return 0, 0


def _message_json(channel: str, message: dict[str, Any], ephemeral: bool) -> dict[str, Any]:
    kind = "ephemeral" if ephemeral else "bot"
    return {
        "kind": kind,
        "key": f"{kind}-{channel}-{message['ts']}",
        "channel": channel,
        "ts": message["ts"],
        "ephemeral": ephemeral,
        "message": message,
        "violations": violations(message),
    }
