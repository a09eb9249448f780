"""The usage of `/clusters`, shown by `help` and after any command it could not read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.extension import CommandHandler
from bot.message import SlackMessage
from bot.render.mrkdwn import context, esc, header, section
from bot.render.style import HELP_EMOJI

USAGE_LINES = (
    "`/clusters` · the fleet overview (also `/clusters list`)",
    "`/clusters degraded` · clusters in status Degraded",
    "`/clusters attention` · clusters that need a person",
    "`/clusters status:Ready region:us-east-1 gpu:h100 type:kubernetes project:<id>` · filters, "
    "combined with AND",
    "`/clusters train` · clusters whose name or id contains `train` (quote names with spaces)",
    "`/clusters show <name|id>` · one cluster in detail",
    "`/clusters help` · this help",
)
PUBLIC_LINE = "Add `public` to any command to answer in the channel; answers are private otherwise."


def usage_text(extra_commands: Mapping[str, CommandHandler] | None = None) -> str:
    """The usage as mrkdwn lines, with the subcommands features added."""
    lines = [f"• {line}" for line in USAGE_LINES]
    for word, handler in sorted((extra_commands or {}).items()):
        lines.append(f"• {_extra_line(word, handler.__doc__ or '')}")
    return "\n".join(lines)


def _extra_line(word: str, doc: str) -> str:
    """A feature's subcommand from its docstring's first line, `[args] · what it does`.

    The arguments join the command in one code span and the separator is written once, however
    the docstring spells it (`· which channels ...` or `` `[project:ID]` · post ... ``).
    """
    first = (doc.strip().splitlines() or [""])[0]
    args, sep, meaning = first.partition("·")
    if not sep:
        args, meaning = "", first
    args = args.strip().strip("`").strip()
    command = f"/clusters {word} {args}" if args else f"/clusters {word}"
    meaning = meaning.strip()
    return f"`{esc(command, 80)}` · {esc(meaning, 150)}" if meaning else f"`{esc(command, 80)}`"


def render_help(extra_commands: Mapping[str, CommandHandler] | None = None) -> SlackMessage:
    blocks: list[dict[str, Any]] = [
        header("/clusters: Together GPU clusters"),
        section(usage_text(extra_commands)),
        context(f"{HELP_EMOJI} {PUBLIC_LINE}"),
    ]
    return SlackMessage(
        text="How to use /clusters: overview, filters (status:, region:, gpu:, type:, project:),"
        " show <name|id>, help; add public to answer in the channel.",
        blocks=blocks,
    )
