"""Socket Mode refuses an app token Slack rejects, and `stop` ends it whatever state it is in:
connecting to a websocket that never answers, retrying one that refuses, or connected."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.app import BotConfigError, create_app
from bot.settings import BotSettings
from bot.socket_mode import run_socket_mode
from clusters_devkit import FakeSlack
from shared.client import ClustersClient
from tests.bot.slack_app import BOT_TOKEN, TEAM, together_settings
from tests.bot.sockets import APP_TOKEN, silent_websocket_url

pytestmark = pytest.mark.anyio
STOPS_WITHIN_S = 5.0  # a liveness bound; without the race against `stop` it never returns


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A websocket URL that never answers."""
    with silent_websocket_url() as url:
        yield url


@pytest.fixture
async def app(simulator: Starlette) -> AsyncIterator[AsyncApp]:
    settings = BotSettings(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
    transport = httpx.ASGITransport(app=simulator)
    async with ClustersClient(together_settings(), transport=transport) as clusters:
        yield create_app(settings, clusters, web_client=AsyncWebClient(token=BOT_TOKEN))


def web_client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


async def stop_once_connecting(app: AsyncApp, socket_mode_url: str, *, after_s: float) -> None:
    """Run Socket Mode against `socket_mode_url`; `after_s` after it asked Slack for that URL,
    set `stop`, and fail unless it then ends within `STOPS_WITHIN_S`."""
    with FakeSlack(
        bot_token=BOT_TOKEN, app_token=APP_TOKEN, team_id=TEAM, socket_mode_url=socket_mode_url
    ) as slack:
        stop = asyncio.Event()
        running = asyncio.create_task(
            run_socket_mode(app, app_token=APP_TOKEN, web_client=web_client(slack), stop=stop)
        )
        assert await slack.wait_for_async(lambda: bool(slack.calls_to("apps.connections.open")))
        await asyncio.sleep(after_s)
        stop.set()
        await asyncio.wait_for(running, STOPS_WITHIN_S)


@pytest.mark.parametrize("token", ["xapp-revoked-0000", ""], ids=["wrong", "empty"])
async def test_an_app_token_slack_rejects_is_a_configuration_error_naming_the_variable(
    app: AsyncApp, token: str
) -> None:
    with FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, team_id=TEAM) as slack:
        running = run_socket_mode(
            app, app_token=token, web_client=web_client(slack), stop=asyncio.Event()
        )
        with pytest.raises(BotConfigError) as refused:
            await asyncio.wait_for(running, STOPS_WITHIN_S)
        assert slack.socket_mode.connections == 0
    message = str(refused.value)
    assert message.startswith("Slack rejected SLACK_APP_TOKEN (")
    assert "Basic Information > App-Level Tokens" in message
    assert "connections:write" in message
    assert token not in message or not token


async def test_stop_ends_a_websocket_handshake_that_never_answers(
    app: AsyncApp, silent_url: str
) -> None:
    await stop_once_connecting(app, silent_url, after_s=0.2)  # into the handshake


async def test_stop_ends_the_retries_after_slack_refused_the_websocket(app: AsyncApp) -> None:
    with socket.socket() as probe:  # bound, never listening: connections are refused
        probe.bind(("127.0.0.1", 0))
        refusing = f"ws://127.0.0.1:{probe.getsockname()[1]}/socket-mode"
        # After 0.5 s the first attempt failed; Bolt sleeps 10 s before the next.
        await stop_once_connecting(app, refusing, after_s=0.5)
