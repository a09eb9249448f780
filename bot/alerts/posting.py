"""Handing one outbox row to Slack: post, reply or update, and what Slack's answer means.

`deliver` makes the call (with the row's metadata, `bot.alerts.reconcile`), falls back to text
only when Slack refuses the blocks, posts a reply on its own when its thread is gone, and turns
every failure into a `bot.alerts.verdicts` outcome. `token_is_bad` asks `auth.test` whether an
auth error means the token itself is bad.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.model import MessageKind, OutboxRow
from bot.alerts.reconcile import metadata_for
from bot.alerts.verdicts import (
    BAD_BLOCKS,
    NETWORK_ERRORS,
    TOKEN_BAD,
    Drop,
    Outcome,
    RetryPolicy,
    Sent,
    error_code,
)

logger = logging.getLogger(__name__)


async def deliver(client: AsyncWebClient, policy: RetryPolicy, row: OutboxRow) -> Outcome:
    """Send `row` to Slack; what happened, as an outcome the sender settles."""
    try:
        return await _call(client, row, with_blocks=True)
    except SlackApiError as exc:
        error = error_code(exc)
        if error in BAD_BLOCKS:
            logger.error(
                "Slack refused an alert's blocks (%s) in %s; sending it as text only",
                error,
                row.channel,
            )
            return await _fallback(client, policy, row)
        if error == "thread_not_found" and row.kind is MessageKind.REPLY:
            logger.warning("An alert's thread is gone in %s; posting it on its own", row.channel)
            return await _fallback(client, policy, row, threaded=False)
        return policy.judge(row, exc)
    except NETWORK_ERRORS as exc:
        return policy.network(row, exc)


async def token_is_bad(client: AsyncWebClient) -> bool:
    """Whether `auth.test` refuses the token too (so an auth error is no passing fault)."""
    try:
        await client.auth_test()
    except SlackApiError as exc:
        return error_code(exc) in TOKEN_BAD
    except NETWORK_ERRORS:
        return False
    return False


async def _fallback(
    client: AsyncWebClient, policy: RetryPolicy, row: OutboxRow, *, threaded: bool = True
) -> Outcome:
    try:
        return await _call(client, row, with_blocks=False, threaded=threaded)
    except SlackApiError as exc:
        return policy.judge(row, exc)
    except NETWORK_ERRORS as exc:
        return policy.network(row, exc)


async def _call(
    client: AsyncWebClient, row: OutboxRow, *, with_blocks: bool, threaded: bool = True
) -> Sent | Drop:
    if row.kind is MessageKind.UPDATE:
        new_blocks = row.message.blocks if with_blocks else []  # [] clears refused blocks
        if row.parent_ts is None:
            return Drop("the parent message was never delivered")
        await client.chat_update(
            channel=row.channel, ts=row.parent_ts, text=row.message.text, blocks=new_blocks
        )
        return Sent(row.parent_ts)
    blocks = row.message.blocks if with_blocks else None
    thread_ts = row.parent_ts if row.kind is MessageKind.REPLY and threaded else None
    if row.kind is MessageKind.REPLY and row.parent_ts is None:
        logger.warning("An alert reply in %s has no parent; posting it on its own", row.channel)
    response = await client.chat_postMessage(
        channel=row.channel,
        text=row.message.text,
        blocks=blocks,
        thread_ts=thread_ts,
        metadata=metadata_for(row),
        unfurl_links=False,
        unfurl_media=False,
    )
    ts = response.get("ts")
    return Sent(ts if isinstance(ts, str) else None)
