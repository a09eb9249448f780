"""The seam between the `/clusters` command router and features that add subcommands (alerts).

A feature hands `create_app` a mapping of subcommand word -> `CommandHandler`; the router parses
the text, checks who may ask, and calls the handler with a `CommandRequest`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(slots=True)
class Reply:
    """What a handler answers: a fallback text, Block Kit blocks, and whether to post publicly."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    public: bool = False


CommandHandler = Callable[[CommandRequest], Awaitable[Reply]]
