"""Socket Mode: the bot connects out to Slack over a websocket; no public URL needed.

Starting: the app token is tried once with `apps.connections.open` before Bolt takes over, so a
token Slack rejects stops the bot with one line (`BotConfigError`), as a rejected bot token
does, instead of Bolt logging a traceback every 10 s forever. The URL Slack answered is handed
to Bolt, so the first connection is still opened once.

Stopping: Bolt's `connect()` retries until it succeeds and a websocket handshake may hang for
minutes, so the connection, its retries and the serving are all raced against `stop`, and
closing is bounded: SIGINT and SIGTERM stop the bot within seconds in every state.

Socket Mode connections have been seen to stall silently after reconnects (python-slack-sdk
#1701), so a watchdog checks the connection every `WATCH_INTERVAL_S` and forces a new one when
it has been down for two checks in a row. A Socket Mode client whose aiohttp session was closed
cannot recover in some slack_sdk versions (it retries forever on the closed session,
python-slack-sdk #1922), so when the session is found closed, or forcing a new connection did
not bring it back within two more checks, the watchdog throws the client away and connects a
new handler. HTTP mode remains the drop-in alternative.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BotConfigError

WATCH_INTERVAL_S = 30.0
CLOSE_TIMEOUT_S = 3.0
MIN_PATIENCE_S = 5.0
# Slack's answers to a token it will never accept; anything else (ratelimited, 5xx) may pass.
REJECTED_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "not_allowed_token_type",
        "token_revoked",
        "token_expired",
        "account_inactive",
    }
)
logger = logging.getLogger(__name__)
T = TypeVar("T")


async def run_socket_mode(
    app: AsyncApp,
    *,
    app_token: str,
    web_client: AsyncWebClient,
    stop: asyncio.Event,
    watch_interval_s: float = WATCH_INTERVAL_S,
    close_timeout_s: float = CLOSE_TIMEOUT_S,
    new_handler: Callable[[], AsyncSocketModeHandler] | None = None,
    on_link: Callable[[Callable[[], Awaitable[bool]]], None] | None = None,
) -> None:
    """Connect `app` over Socket Mode and serve until `stop` is set.

    Args:
        app: the Bolt app.
        app_token: the `xapp-` token with `connections:write`.
        web_client: the Web API client (`apps.connections.open` goes through it).
        stop: set it to disconnect and return, whether connected, connecting or retrying.
        watch_interval_s: how often the watchdog checks the connection.
        close_timeout_s: how long closing the connection may take before it is abandoned.
        new_handler: builds a Bolt Socket Mode handler for `app` (the first one, and each one
            the watchdog replaces a broken one with); by default `AsyncSocketModeHandler`.
        on_link: given, once the link exists, how to ask whether it is connected (readiness).

    Raises:
        BotConfigError: Slack rejected the app token.
    """
    checked = await _until_stopped(open_connection_url(web_client, app_token), stop)
    if checked is None:
        return
    if new_handler is None:

        def new_handler() -> AsyncSocketModeHandler:
            return AsyncSocketModeHandler(app, app_token=app_token, web_client=web_client)

    link = _Link(new_handler(), new_handler, close_timeout_s)
    link.handler.client.wss_uri = checked.result()  # Bolt asks Slack again only if this is None
    if on_link is not None:  # readiness hook
        on_link(link.is_connected)
    watchdog: asyncio.Task[None] | None = None
    try:
        connecting = link.handler.connect_async()  # type: ignore[no-untyped-call]  # untyped
        if await _until_stopped(connecting, stop) is None:
            logger.info("Stopped before the Socket Mode connection was open")
            return
        logger.info("Connected to Slack over Socket Mode")
        watchdog = asyncio.create_task(_watch(link, watch_interval_s))
        await stop.wait()
    finally:
        if watchdog is not None:
            watchdog.cancel()
            await asyncio.wait({watchdog})
        await link.close()


async def open_connection_url(web_client: AsyncWebClient, app_token: str) -> str | None:
    """Ask Slack for a Socket Mode URL with the app token, once.

    Returns:
        The websocket URL, or None when Slack could not answer now (Bolt then asks again).

    Raises:
        BotConfigError: Slack rejected the app token.
    """
    try:
        answer = await web_client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown error"))
        if error in REJECTED_TOKEN_ERRORS:
            raise BotConfigError(
                f"Slack rejected SLACK_APP_TOKEN ({error}); create an app-level token with "
                "the connections:write scope under Slack app settings > Basic Information > "
                "App-Level Tokens."
            ) from None
        logger.warning("Slack did not open a Socket Mode connection (%s); retrying", error)
        return None
    except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as exc:
        logger.warning("Slack could not be reached for Socket Mode (%s); retrying", exc)
        return None
    url = answer.get("url")
    return url if isinstance(url, str) and url else None


async def _until_stopped(
    work: Coroutine[Any, Any, T], stop: asyncio.Event
) -> asyncio.Task[T] | None:
    """Run `work` until it ends (its finished task) or `stop` is set first (None; cancelled).

    Raises:
        Exception: whatever `work` raised.
    """
    task = asyncio.create_task(work)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    if task.cancelled():
        return None
    task.result()  # raises what `work` raised
    return task


async def _close(handler: AsyncSocketModeHandler, timeout_s: float) -> None:
    try:
        await asyncio.wait_for(handler.close_async(), timeout_s)  # type: ignore[no-untyped-call]
    except TimeoutError:
        logger.warning("Socket Mode did not close within %g s; leaving it", timeout_s)


class _Link:
    """The Socket Mode handler in use, and how to replace it with a new one."""

    def __init__(
        self,
        handler: AsyncSocketModeHandler,
        new_handler: Callable[[], AsyncSocketModeHandler],
        close_timeout_s: float,
    ) -> None:
        self.handler = handler
        self._new_handler = new_handler
        self._close_timeout_s = close_timeout_s
        self._connecting: asyncio.Task[None] | None = None

    async def is_connected(self) -> bool:
        """Whether the handler in use has its websocket open (readiness)."""
        return bool(await self.handler.client.is_connected())

    def session_closed(self) -> bool:
        """Whether the client's aiohttp session was closed under it (not by our `close`)."""
        client = self.handler.client
        session = getattr(client, "aiohttp_client_session", None)
        return bool(session is not None and session.closed and not client.closed)

    async def replace(self, connect_timeout_s: float) -> None:
        """Close the handler in use and connect a new one in its place.

        Raises:
            TimeoutError: the new handler did not connect in time (it is in use all the same,
                still connecting, and the next check looks at it again).
        """
        await self.close()
        self.handler = self._new_handler()
        connecting = self.handler.connect_async()  # type: ignore[no-untyped-call]  # untyped
        self._connecting = asyncio.ensure_future(connecting)
        await asyncio.wait_for(asyncio.shield(self._connecting), connect_timeout_s)

    async def close(self) -> None:
        """Stop connecting, if a replacement still is, and close the handler in use."""
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            await asyncio.wait({self._connecting})
        await _close(self.handler, self._close_timeout_s)


async def _watch(link: _Link, interval_s: float) -> None:
    # A reconnect that takes longer than this is stuck (slack_sdk retries inside it forever).
    patience_s = max(2 * interval_s, MIN_PATIENCE_S)
    down_checks = 0
    while True:
        await asyncio.sleep(interval_s)
        try:
            if link.session_closed():
                down_checks = 0
                logger.warning(
                    "Socket Mode's HTTP session was closed; starting a new Socket Mode client"
                )
                await link.replace(patience_s)
                logger.info("Connected to Slack over Socket Mode with a new client")
                continue
            connected = await link.handler.client.is_connected()
            down_checks = 0 if connected else down_checks + 1
            if down_checks == 2:
                logger.warning("Socket Mode connection is down; opening a new one")
                reconnecting = link.handler.client.connect_to_new_endpoint(force=True)
                await asyncio.wait_for(reconnecting, patience_s)
            elif down_checks >= 4:
                logger.warning("Socket Mode connection is still down; starting a new client")
                down_checks = 0
                await link.replace(patience_s)
                logger.info("Connected to Slack over Socket Mode with a new client")
        except Exception:
            logger.exception("Socket Mode watchdog could not reconnect; will try again")
