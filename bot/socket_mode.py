"""Socket Mode: the bot connects out to Slack over a websocket; no public URL needed.

Socket Mode connections have been seen to stall silently after reconnects (python-slack-sdk
#1701), so a watchdog checks the connection every `WATCH_INTERVAL_S` and forces a new one when
it has been down for two checks in a row. HTTP mode remains the drop-in alternative.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

WATCH_INTERVAL_S = 30.0
logger = logging.getLogger(__name__)


async def run_socket_mode(
    app: AsyncApp,
    *,
    app_token: str,
    web_client: AsyncWebClient,
    stop: asyncio.Event,
    watch_interval_s: float = WATCH_INTERVAL_S,
) -> None:
    """Connect `app` over Socket Mode and serve until `stop` is set.

    Args:
        app: the Bolt app.
        app_token: the `xapp-` token with `connections:write`.
        web_client: the Web API client (`apps.connections.open` goes through it).
        stop: set it to disconnect and return.
        watch_interval_s: how often the watchdog checks the connection.

    Raises:
        slack_sdk.errors.SlackApiError: Slack refused the app token.
    """
    handler = AsyncSocketModeHandler(app, app_token=app_token, web_client=web_client)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # Bolt leaves it untyped
    logger.info("Connected to Slack over Socket Mode")
    watchdog = asyncio.create_task(_watch(handler, watch_interval_s))
    try:
        await stop.wait()
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
        await handler.close_async()  # type: ignore[no-untyped-call]


async def _watch(handler: AsyncSocketModeHandler, interval_s: float) -> None:
    down_checks = 0
    while True:
        await asyncio.sleep(interval_s)
        try:
            connected = await handler.client.is_connected()
            down_checks = 0 if connected else down_checks + 1
            if down_checks >= 2:
                logger.warning("Socket Mode connection is down; opening a new one")
                await handler.client.connect_to_new_endpoint(force=True)
                down_checks = 0
        except Exception:
            logger.exception("Socket Mode watchdog could not reconnect; will try again")
