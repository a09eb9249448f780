"""The bot in-process: a Bolt app on the simulator (through httpx's ASGI transport) and a fake
Slack on loopback. Requests are signed as Slack signs them and dispatched into the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.app import create_app
from bot.extension import CommandHandler
from bot.settings import BotSettings
from clusters_devkit import FakeSlack, RecordedCall
from clusters_devkit.payloads import (
    FORM,
    JSON,
    Person,
    app_home_opened_body,
    button_click_body,
    sign,
    slash_command_body,
)
from shared.client import ClustersClient
from shared.settings import TogetherSettings
from shared.simulator import SimulatorState, simulator_state
from shared.simulator import create_app as create_simulator

BOT_TOKEN = "xoxb-test-token"
TOGETHER_KEY = "sim-key-for-bot-tests"
SIGNING_SECRET = "test-signing-secret"
TEAM = "T0001"
USER = "U0ALICE"
CHANNEL = "C0OPS"
CHANNEL_NAME = "ops"


def person(user: str = USER, *, team: str = TEAM, user_team: str | None = None) -> Person:
    """Someone in the test workspace (or, with `user_team`, a guest from another one)."""
    return Person(user, "alice", team, "example", user_team_id=user_team)


def command_body(
    text: str, *, response_url: str, channel: str = CHANNEL, user: str = USER, team: str = TEAM
) -> str:
    """`/clusters <text>` typed by `user` in `channel`, built by the devkit as Slack sends it."""
    return slash_command_body(
        person(user, team=team),
        text=text,
        channel_id=channel,
        channel_name=CHANNEL_NAME,
        response_url=response_url,
    )


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, content_type: str = FORM, now: float | None = None
) -> dict[str, str]:
    """The headers Slack adds to `body`, signed with the tests' secret unless told otherwise."""
    return sign(body, signing_secret=secret, content_type=content_type, now=now).headers


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


@dataclass
class BotUnderTest:
    """A Bolt app wired to the simulator and the fake Slack, with helpers to talk to it."""

    app: AsyncApp
    slack: FakeSlack
    simulator: SimulatorState
    clusters: ClustersClient

    async def dispatch(self, body: str, headers: Mapping[str, str]) -> BoltResponse:
        return await self.app.async_dispatch(AsyncBoltRequest(body=body, headers=dict(headers)))

    async def command(
        self, text: str, *, channel: str = CHANNEL, user: str = USER, team: str = TEAM
    ) -> RecordedCall:
        """Send `/clusters <text>`; return the answer posted to its response_url."""
        url = self.slack.new_response_url(channel=channel, user=user)
        body = command_body(text, response_url=url, channel=channel, user=user, team=team)
        response = await self.dispatch(body, signed_headers(body))
        assert response.status == 200, response.body
        return await self.answer_to(url)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        channel: str = CHANNEL,
        user: str = USER,
        user_team: str | None = None,
    ) -> RecordedCall:
        """Click a button on a message in `channel`; return the answer to its response_url."""
        url = self.slack.new_response_url(channel=channel, user=user)
        body = button_click_body(
            person(user, user_team=user_team),
            action_id=action_id,
            value=value,
            response_url=url,
            channel=(channel, CHANNEL_NAME),
        )
        response = await self.dispatch(body, signed_headers(body))
        assert response.status == 200, response.body
        return await self.answer_to(url)

    async def open_home(self, user: str = USER) -> dict[str, Any]:
        before = len(self.slack.calls_to("views.publish"))
        body = app_home_opened_body(person(user), view=None)
        response = await self.dispatch(body, signed_headers(body, content_type=JSON))
        assert response.status == 200, response.body
        published = await self.slack.wait_for_async(
            lambda: len(self.slack.calls_to("views.publish")) > before
        )
        assert published, "App Home was not published"
        view: dict[str, Any] = self.slack.calls_to("views.publish")[-1].params["view"]
        return view

    async def answer_to(self, url: str) -> RecordedCall:
        arrived = await self.slack.wait_for_async(lambda: bool(self.slack.responses_to(url)))
        assert arrived, "the bot did not answer through response_url"
        return self.slack.responses_to(url)[-1]


def together_settings(**overrides: Any) -> TogetherSettings:
    values: dict[str, Any] = {
        "api_key": TOGETHER_KEY,
        "base_url": "http://simulator.test",
        "max_attempts": 1,
        "timeout_s": 5,
    }
    return TogetherSettings(**{**values, **overrides})


def bot_settings(**overrides: Any) -> BotSettings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
    }
    return BotSettings(**{**values, **overrides})


class MakeBot(Protocol):
    """Builds a bot with chosen settings (`BotSettings` fields as keywords)."""

    def __call__(
        self,
        *,
        extra_commands: Mapping[str, CommandHandler] | None = None,
        together: TogetherSettings | None = None,
        **settings: Any,
    ) -> BotUnderTest: ...


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


def all_text(blocks: Any) -> str:
    """Every text in a Block Kit structure, joined: what a person could read."""
    if isinstance(blocks, dict):
        if isinstance(blocks.get("text"), str):
            return str(blocks["text"])
        return "\n".join(all_text(value) for value in blocks.values())
    if isinstance(blocks, list):
        return "\n".join(all_text(item) for item in blocks)
    return ""


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """The buttons in the blocks, as `{label: value}` (later ones win on equal labels)."""
    found: dict[str, str] = {}
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements = [block["accessory"]]
        for element in elements:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element["value"]
    return found


def button_values(blocks: list[dict[str, Any]], action_id: str) -> list[str]:
    """The values of every button with `action_id`, in order."""
    values = []
    for block in blocks:
        elements = list(block.get("elements", [])) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        values += [e["value"] for e in elements if e.get("action_id") == action_id]
    return values


def mrkdwn_text(node: Any) -> str:
    """The text of every mrkdwn object: where Slack would turn `<...>` into pings and links."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return str(node["text"])
        return "\n".join(mrkdwn_text(value) for value in node.values())
    if isinstance(node, list):
        return "\n".join(mrkdwn_text(item) for item in node)
    return ""
