"""`SlackMessage`: what the bot says in Slack, whether it answers a command or posts an alert.

A command's answer goes back through `response_url` (ephemeral unless `public`); an alert goes
through `chat.postMessage` / `chat.update` from the outbox. Both are a fallback `text` (shown in
notifications and to screen readers) and Block Kit `blocks`. A `Refusal` carries the words to
answer with when the bot will not do what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A Slack message: fallback text and Block Kit blocks.

    Attributes:
        text: the fallback text (mrkdwn, already escaped).
        blocks: Block Kit blocks; empty for a text-only message.
        public: for an answer to a command or a button, show it to the whole channel
            (`in_channel`) rather than only to the person who asked. Alerts are channel messages
            by nature and ignore it.
    """

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    public: bool = False


class Refusal(Exception):
    """Why the bot will not do what was asked; `message` is written to show the person as is.

    Args:
        message: the words to show.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
