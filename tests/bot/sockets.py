"""What the Socket Mode tests share: the app token, a slash command as Slack sends it over the
websocket, and a websocket URL that never answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.bot.slack_app import CHANNEL, TEAM, USER

APP_TOKEN = "xapp-test-token"


def slash_command(text: str, response_url: str, team: str = TEAM) -> dict[str, Any]:
    """The payload of a `slash_commands` envelope: `/clusters <text>` typed in `CHANNEL`."""
    return {
        "token": "legacy",
        "team_id": team,
        "channel_id": CHANNEL,
        "user_id": USER,
        "command": "/clusters",
        "text": text,
        "api_app_id": "A0CLUSTERS",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


@contextmanager
def silent_websocket_url(backlog: int = 8) -> Iterator[str]:
    """A websocket URL whose port accepts connections (the kernel does, up to `backlog`
    waiting) and never speaks."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(backlog)
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}/socket-mode"
