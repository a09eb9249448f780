"""Exactly once across a crash: does Slack already have the message an outbox row stands for?

Every alert the outbox posts carries Slack message metadata naming its row:

    {"event_type": "clusters_alert",
     "event_payload": {"outbox_id": "42", "parent_key": "incident:c1#1"}}

A row is claimed (`sending`) before it goes to Slack and settled after. If the process dies in
between, the row is found still in flight after the restart (or by the replica that takes over),
and before it is sent again the channel is searched for that metadata: the parent message in
`conversations.history`, a reply in its thread with `conversations.replies`. Found: the row is
marked delivered with the `ts` Slack has. Not found: it is sent.

Reading history needs the `channels:history` and `groups:history` scopes. Without them
(`missing_scope`) delivery after a crash falls back to at-least-once, said once in the log.
Updates need no search: sending one twice leaves the message as it was.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.model import MessageKind, OutboxRow

EVENT_TYPE = "clusters_alert"
# How far back to look: a row in flight was sent moments before the crash, so it is among the
# channel's newest messages unless the channel is very busy.
MAX_PAGES = 5
PAGE_SIZE = 200
logger = logging.getLogger(__name__)


def metadata_for(row: OutboxRow) -> dict[str, Any]:
    """The message metadata that names `row` in Slack."""
    return {
        "event_type": EVENT_TYPE,
        "event_payload": {"outbox_id": str(row.id), "parent_key": str(row.outgoing.parent_key)},
    }


class Reconciler:
    """Looks for an in-flight row's message in its channel (see the module docstring).

    Args:
        client: the Slack Web API client.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._warned = False

    async def delivered_ts(self, row: OutboxRow) -> str | None:
        """The `ts` of the message Slack already has for `row`, or None to send it.

        None also when the channel's history cannot be read for want of a scope (logged once):
        the message is then sent again, at least once rather than exactly once.

        Raises:
            SlackApiError: Slack refused to answer for another reason (rate limit, 5xx, ...).
            aiohttp.ClientError, TimeoutError, OSError: Slack could not be reached; try later.
        """
        if row.kind is MessageKind.UPDATE:
            return None
        wanted = metadata_for(row)
        try:
            async for message in self._candidates(row):
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == EVENT_TYPE
                    and metadata.get("event_payload") == wanted["event_payload"]
                ):
                    ts = message.get("ts")
                    return ts if isinstance(ts, str) else None
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error not in ("missing_scope", "thread_not_found"):
                raise
            if error == "missing_scope" and not self._warned:
                self._warned = True
                logger.warning(
                    "Slack refused to show channel history (missing_scope): add the "
                    "channels:history and groups:history scopes so that an alert interrupted "
                    "by a crash is not posted twice. Until then it may be (at least once)."
                )
        return None

    async def _candidates(self, row: OutboxRow) -> AsyncIterator[dict[str, Any]]:
        """The channel's newest messages, or the parent's thread for a threaded reply."""
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            if row.kind is MessageKind.REPLY and row.parent_ts is not None:
                page = await self.client.conversations_replies(
                    channel=row.channel,
                    ts=row.parent_ts,
                    include_all_metadata=True,
                    limit=PAGE_SIZE,
                    cursor=cursor,
                )
            else:
                page = await self.client.conversations_history(
                    channel=row.channel, include_all_metadata=True, limit=PAGE_SIZE, cursor=cursor
                )
            for message in page.get("messages") or []:
                if isinstance(message, dict):
                    yield message
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or cursor is None:
                return
