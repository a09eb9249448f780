"""Socket Mode: the app connects to a fake Socket Mode server, acks envelopes and answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
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


@pytest.fixture
async def connected(simulator: Starlette) -> AsyncIterator[FakeSlack]:
    """A bot connected over Socket Mode to a fake Slack; disconnected afterwards."""
    with FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, team_id=TEAM) as slack:
        settings = BotSettings(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
        web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        transport = httpx.ASGITransport(app=simulator)
        async with ClustersClient(together_settings(), transport=transport) as clusters:
            app = create_app(settings, clusters, web_client=web)
            stop = asyncio.Event()
            running = asyncio.create_task(
                run_socket_mode(app, app_token=APP_TOKEN, web_client=web, stop=stop)
            )
            assert await slack.wait_for_async(lambda: slack.socket_mode.connected)
            yield slack
            stop.set()
            await asyncio.wait_for(running, timeout=10)


async def test_the_app_opens_its_connection_with_the_app_token(connected: FakeSlack) -> None:
    [opened] = connected.calls_to("apps.connections.open")
    assert opened.ok
    assert connected.socket_mode.connections == 1


async def test_a_slash_command_envelope_is_acked_then_answered(connected: FakeSlack) -> None:
    url = connected.new_response_url(channel=CHANNEL, user=USER)
    envelope = connected.socket_mode.send_envelope("slash_commands", slash_command("degraded", url))
    assert await connected.wait_for_async(lambda: bool(connected.responses_to(url)))
    assert await connected.wait_for_async(lambda: bool(connected.socket_mode.ack_for(envelope)))
    ack, sent = connected.socket_mode.ack_for(envelope), connected.socket_mode.sent_at(envelope)
    assert ack is not None and sent is not None
    assert ack.at - sent < 3  # Slack's deadline; the answer may race the ack, which is fine
    [answer] = connected.responses_to(url)
    assert "rl-sweeps-h200" in all_text(answer.params["blocks"])


async def test_the_app_reconnects_after_slack_closes_the_socket(connected: FakeSlack) -> None:
    connected.socket_mode.disconnect_all()
    assert await connected.wait_for_async(
        lambda: connected.socket_mode.connections == 2 and connected.socket_mode.connected
    )
    url = connected.new_response_url(channel=CHANNEL, user=USER)
    connected.socket_mode.send_envelope("slash_commands", slash_command("help", url))
    assert await connected.wait_for_async(lambda: bool(connected.responses_to(url)))
