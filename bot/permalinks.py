"""Links to Slack messages, as Slack itself words them (`chat.getPermalink`).

A permalink is the workspace's own URL for a message (`https://acme.slack.com/archives/...`), and
the local sandbox answers with a link to its page, so a list of alerts (`/clusters incidents`)
links to where the messages really are. When Slack cannot be asked, the generic
`https://slack.com/archives/...` form, which Slack redirects, is the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

PermalinkLookup = Callable[[str, str], Awaitable[str]]
"""`(channel, ts) -> URL` of that message."""

_REMEMBERED = 1000


def archive_link(channel: str, ts: str) -> str:
    """The generic link to a message, worked out without asking Slack."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


async def archive_lookup(channel: str, ts: str) -> str:
    """A `PermalinkLookup` that never asks Slack (tests, and no Web API client at hand)."""
    return archive_link(channel, ts)


class Permalinks:
    """A `PermalinkLookup` that asks Slack once per message and remembers the answer.

    Args:
        client: a Slack Web API client (its own timeout bounds each lookup).
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._known: dict[tuple[str, str], str] = {}

    async def __call__(self, channel: str, ts: str) -> str:
        """The permalink of the message `ts` in `channel`; the generic form if Slack fails."""
        key = (channel, ts)
        if key in self._known:
            return self._known[key]
        try:
            response = await self._client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            logger.debug("chat.getPermalink failed for %s/%s: %s", channel, ts, exc)
            return archive_link(channel, ts)
        link = response.get("permalink")
        if not isinstance(link, str) or not link:
            return archive_link(channel, ts)
        if len(self._known) >= _REMEMBERED:
            self._known.pop(next(iter(self._known)))
        self._known[key] = link
        return link
