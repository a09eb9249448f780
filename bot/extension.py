"""The seam between the bot and its features (alerts): subcommands, listeners, a life beside it.

A `Feature` hands `run_bot` a mapping of subcommand word -> `CommandHandler`; the router parses
the text, checks who may ask, and calls the handler with a `CommandRequest`. The feature may add
listeners to the Bolt app (`register`) and run work beside it (`start` / `stop`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.message import SlackMessage

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

# Action ids shared by every message that shows a cluster.
DETAILS_ACTION = "cluster_details"  # replaces the message it sits on with the cluster's detail
DETAILS_NEW_ACTION = "cluster_details_new"  # answers with a new ephemeral message (alert parents)


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """A parsed `/clusters <word> ...` request, after access checks.

    Attributes:
        args: the words after the subcommand word (`public` already removed).
        user_id, channel_id, team_id: who asked, where.
        public: whether the user asked for an in-channel answer.
        project_scope: the project this channel is limited to (CLUSTERS_CHANNEL_PROJECTS), if any.
    """

    args: tuple[str, ...]
    user_id: str
    channel_id: str
    team_id: str
    public: bool = False
    project_scope: str | None = None


CommandHandler = Callable[[CommandRequest], Awaitable[SlackMessage]]


class Feature(Protocol):
    """A part of the bot that runs beside the `/clusters` app (alerts is one).

    `run_bot` asks for `commands()` and calls `register(app)` before serving, awaits `start()`
    after Slack accepted the token and before requests are served, and awaits `stop()` once
    serving stops (even after a failure, and if `start()` itself failed), in reverse order of
    starting. A feature that opened resources closes them in `stop()` or leaves them to whoever
    opened them for it.
    """

    def commands(self) -> Mapping[str, CommandHandler]:
        """The `/clusters` subcommands it adds: word -> handler (its docstring's first line is
        the word's line in `/clusters help`)."""
        ...

    def register(self, app: AsyncApp) -> None:
        """Add its listeners (buttons, events) to the Bolt app."""
        ...

    async def start(self) -> None:
        """Start its background work; return once it runs."""
        ...

    async def stop(self) -> None:
        """Stop its background work; must not raise for work that never started."""
        ...
