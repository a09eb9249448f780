"""`run_bot`: features run beside the app, started and stopped in the order they are promised."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.app import BotConfigError
from bot.extension import CommandHandler, CommandRequest, Feature
from bot.message import SlackMessage
from bot.runner import run_bot
from clusters_devkit import FakeSlack
from clusters_devkit.rig import free_port
from shared.client import ClustersClient
from tests.bot.slack_app import (
    BOT_TOKEN,
    bot_settings,
    command_body,
    signed_headers,
    together_settings,
)

pytestmark = pytest.mark.anyio


class Recorder:
    """A feature that notes each call in a shared list, and may add a subcommand."""

    def __init__(
        self, name: str, events: list[str], commands: Mapping[str, CommandHandler] | None = None
    ) -> None:
        self.name = name
        self.events = events
        self._commands = dict(commands or {})

    def commands(self) -> Mapping[str, CommandHandler]:
        return self._commands

    def register(self, app: AsyncApp) -> None:
        self.events.append(f"register {self.name}")

    async def start(self) -> None:
        self.events.append(f"start {self.name}")

    async def stop(self) -> None:
        self.events.append(f"stop {self.name}")


async def run_with(web: AsyncWebClient, features: Sequence[Feature], **serving: Any) -> None:
    """`run_bot` with the tests' settings, sending to `web`; `serving` as `run_bot` takes it."""
    await run_bot(bot_settings(), together_settings(), web_client=web, features=features, **serving)


async def test_features_start_in_order_around_serving_stop_in_reverse_and_their_commands_answer(
    fake_slack: FakeSlack, simulator: Starlette
) -> None:
    events: list[str] = []

    async def ping(request: CommandRequest) -> SlackMessage:
        """Answer pong."""
        return SlackMessage(text="pong")

    features: list[Feature] = [
        Recorder("alerts", events, {"ping": ping}),
        Recorder("audit", events),
    ]
    port = free_port()
    stop = asyncio.Event()
    web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    transport = httpx.ASGITransport(app=simulator)
    async with ClustersClient(together_settings(), transport=transport) as clusters:
        serving = asyncio.create_task(
            run_with(web, features, clusters=clusters, host="127.0.0.1", port=port, stop=stop)
        )
        url = fake_slack.new_response_url()
        body = command_body("ping", response_url=url)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            started = ["register alerts", "register audit", "start alerts", "start audit"]
            assert events == started
            acked = await http.post("/slack/events", content=body, headers=signed_headers(body))
        assert acked.status_code == 200
        assert await fake_slack.wait_for_async(lambda: bool(fake_slack.responses_to(url)))
        assert fake_slack.responses_to(url)[0].params["text"] == "pong"
        stop.set()
        await asyncio.wait_for(serving, timeout=10)
    assert events == [*started, "stop audit", "stop alerts"]


async def test_a_feature_that_fails_to_start_is_still_stopped_with_those_before_it(
    fake_slack: FakeSlack, simulator: Starlette
) -> None:
    events: list[str] = []

    class Broken(Recorder):
        async def start(self) -> None:
            await super().start()
            raise RuntimeError("cannot start")

    web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    transport = httpx.ASGITransport(app=simulator)
    async with ClustersClient(together_settings(), transport=transport) as clusters:
        with pytest.raises(RuntimeError, match="cannot start"):
            features = [Recorder("first", events), Broken("broken", events)]
            await run_with(web, features, clusters=clusters, port=0)
    assert events[-2:] == ["stop broken", "stop first"]


async def test_two_features_adding_the_same_subcommand_are_refused(fake_slack: FakeSlack) -> None:
    async def ping(request: CommandRequest) -> SlackMessage:
        return SlackMessage(text="pong")

    twins = [Recorder(name, [], {"ping": ping}) for name in ("a", "b")]
    web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    with pytest.raises(ValueError, match="'ping'"):
        await run_with(web, twins, port=0)


async def test_a_token_slack_rejects_stops_the_bot_before_any_feature_starts(
    fake_slack: FakeSlack,
) -> None:
    events: list[str] = []
    web = AsyncWebClient(token="xoxb-revoked", base_url=fake_slack.api_url)
    with pytest.raises(BotConfigError, match=r"Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)"):
        await run_with(web, [Recorder("alerts", events)], port=0)
    assert events == []
