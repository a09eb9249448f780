"""`run_bot`: the hooks features use to run beside the app, in the order they are promised."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.app import BotConfigError
from bot.extension import CommandRequest, Reply
from bot.runner import run_bot
from bot.sandbox import FakeSlack
from shared.client import ClustersClient
from tests.bot.bot_process import free_port
from tests.bot.conftest import BOT_TOKEN, bot_settings, together_settings
from tests.bot.slack_requests import command_body, signed_headers

pytestmark = pytest.mark.anyio


async def test_hooks_run_in_order_around_serving_and_extra_commands_answer(
    fake_slack: FakeSlack, simulator: Starlette
) -> None:
    events: list[str] = []

    async def ping(request: CommandRequest) -> Reply:
        """Answer pong."""
        return Reply(text="pong")

    async def record(name: str) -> None:
        events.append(name)

    port = free_port()
    stop = asyncio.Event()
    web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    transport = httpx.ASGITransport(app=simulator)
    async with ClustersClient(together_settings(), transport=transport) as clusters:
        serving = asyncio.create_task(
            run_bot(
                bot_settings(),
                together_settings(),
                clusters=clusters,
                web_client=web,
                extra_commands={"ping": ping},
                configure_app=[lambda app: events.append("configure")],
                on_startup=[lambda: record("start")],
                on_shutdown=[lambda: record("stop watcher"), lambda: record("close store")],
                host="127.0.0.1",
                port=port,
                stop=stop,
            )
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
            assert events == ["configure", "start"]
            acked = await http.post("/slack/events", content=body, headers=signed_headers(body))
        assert acked.status_code == 200
        assert await fake_slack.wait_for_async(lambda: bool(fake_slack.responses_to(url)))
        assert fake_slack.responses_to(url)[0].params["text"] == "pong"
        stop.set()
        await asyncio.wait_for(serving, timeout=10)
    assert events == ["configure", "start", "stop watcher", "close store"]


async def test_a_token_slack_rejects_stops_the_bot_before_any_hook_runs(
    fake_slack: FakeSlack,
) -> None:
    events: list[str] = []

    async def start() -> None:
        events.append("start")

    web = AsyncWebClient(token="xoxb-revoked", base_url=fake_slack.api_url)
    with pytest.raises(BotConfigError, match=r"Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)"):
        await run_bot(
            bot_settings(), together_settings(), web_client=web, on_startup=[start], port=0
        )
    assert events == []
