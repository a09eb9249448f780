"""The bot in-process: a Bolt app on the simulator (through httpx's ASGI transport) and a fake
Slack on loopback. Requests are signed as Slack signs them and dispatched into the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.app import create_app
from bot.extension import CommandHandler
from clusters_devkit import FakeSlack
from shared.client import ClustersClient
from shared.settings import TogetherSettings
from shared.simulator import create_app as create_simulator
from shared.simulator import simulator_state
from tests.bot.slack_app import (
    BOT_TOKEN,
    TEAM,
    TOGETHER_KEY,
    BotUnderTest,
    MakeBot,
    bot_settings,
    together_settings,
)


@pytest.fixture(autouse=True)
def _no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Bolt falls back to os.environ (SLACK_CLIENT_ID turns on OAuth): keep tests independent.
    for name in (
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM) as slack:
        yield slack


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Starlette:
    """The `demo` scenario, or another one with `@pytest.mark.parametrize(..., indirect=True)`."""
    scenario = getattr(request, "param", "demo")
    return create_simulator(scenario, api_key=TOGETHER_KEY, seed=7)


@pytest.fixture
async def make_bot(fake_slack: FakeSlack, simulator: Starlette) -> AsyncIterator[MakeBot]:
    """Build bots with chosen settings; each gets its own Together client, closed afterwards."""
    clients: list[ClustersClient] = []

    def build(
        *,
        extra_commands: Mapping[str, CommandHandler] | None = None,
        together: TogetherSettings | None = None,
        **settings: Any,
    ) -> BotUnderTest:
        clusters = ClustersClient(
            together or together_settings(), transport=httpx.ASGITransport(app=simulator)
        )
        clients.append(clusters)
        web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
        app = create_app(
            bot_settings(**settings), clusters, web_client=web, extra_commands=extra_commands
        )
        return BotUnderTest(app, fake_slack, simulator_state(simulator), clusters)

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
async def bot(make_bot: MakeBot) -> BotUnderTest:
    return make_bot()
