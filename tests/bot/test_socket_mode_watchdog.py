"""The Socket Mode watchdog replaces a client that cannot recover (python-slack-sdk #1922).

The bot runs over Socket Mode against the fake Slack with a fast watchdog; the SDK's own
pinging is slowed down so that only the watchdog can notice a broken connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.app import create_app
from bot.settings import BotSettings
from bot.socket_mode import run_socket_mode
from clusters_devkit import FakeSlack
from shared.client import ClustersClient
from tests.bot.slack_app import BOT_TOKEN, CHANNEL, TEAM, USER, all_text, together_settings
from tests.bot.sockets import APP_TOKEN, slash_command

pytestmark = pytest.mark.anyio
RECOVERS_WITHIN_S = 30.0  # a liveness bound: without a new client it never recovers


@dataclass
class Running:
    slack: FakeSlack
    handlers: list[AsyncSocketModeHandler]

    async def command_is_answered(self) -> bool:
        url = self.slack.new_response_url(channel=CHANNEL, user=USER)
        self.slack.socket_mode.send_envelope("slash_commands", slash_command("degraded", url))
        if not await self.slack.wait_for_async(lambda: bool(self.slack.responses_to(url))):
            return False
        return "rl-sweeps-h200" in all_text(self.slack.responses_to(url)[0].params["blocks"])

    async def reconnected(self) -> bool:
        socket = self.slack.socket_mode
        return await self.slack.wait_for_async(
            lambda: socket.connections >= 2 and socket.connected, within=RECOVERS_WITHIN_S
        )


class LostSession:
    """An aiohttp session as slack_sdk before 3.48 is left with (#1922): closed for good, and
    never replaced by the client, which retries on it forever."""

    closed = False  # the old SDK never looked

    async def ws_connect(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Session is closed")

    async def close(self) -> None:
        return None


@pytest.fixture
async def running(simulator: Starlette) -> AsyncIterator[Running]:
    with FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, team_id=TEAM) as slack:
        web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        settings = BotSettings(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
        transport = httpx.ASGITransport(app=simulator)
        async with ClustersClient(together_settings(), transport=transport) as clusters:
            app = create_app(settings, clusters, web_client=web)
            handlers: list[AsyncSocketModeHandler] = []

            def new_handler() -> AsyncSocketModeHandler:
                handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN, web_client=web)
                handler.client.ping_interval = 3600  # no self-healing: only the watchdog looks
                handlers.append(handler)
                return handler

            stop = asyncio.Event()
            serving = run_socket_mode(
                app,
                app_token=APP_TOKEN,
                web_client=web,
                stop=stop,
                watch_interval_s=0.2,
                new_handler=new_handler,
            )
            task = asyncio.create_task(serving)
            try:
                assert await slack.wait_for_async(lambda: slack.socket_mode.connected)
                yield Running(slack, handlers)
            finally:
                stop.set()
                await asyncio.wait_for(task, timeout=10)


async def test_a_client_whose_aiohttp_session_was_closed_is_replaced_and_serves_again(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.socket_mode"):
        await running.handlers[0].client.aiohttp_client_session.close()
        assert await running.reconnected()
    assert await running.command_is_answered()
    assert "HTTP session was closed; starting a new Socket Mode client" in caplog.text
    assert len(running.handlers) == 2
    assert running.handlers[0].client.closed  # the broken client was closed, not leaked


async def test_a_client_stuck_retrying_on_a_lost_session_is_replaced_and_serves_again(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    client = running.handlers[0].client
    with caplog.at_level(logging.INFO, logger="bot.socket_mode"):
        await client.aiohttp_client_session.close()
        setattr(client, "aiohttp_client_session", LostSession())  # noqa: B010  # not its type
        assert await running.reconnected()
    assert await running.command_is_answered()
    assert "Socket Mode connection is still down; starting a new client" in caplog.text
