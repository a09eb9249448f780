"""The bot under test and what tests need to drive it: settings, signed requests, reading blocks.

Fixtures that build these live in `tests/bot/conftest.py`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, Unpack

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

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
    view_submission_body,
)
from shared.client import ClustersClient
from shared.settings import TogetherSettings
from shared.simulator import SimulatorState

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


class Clicker(TypedDict, total=False):
    """Who clicks, and where: `BotUnderTest.press`'s keyword arguments."""

    channel: str
    user: str
    user_team: str | None


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

    async def click(self, action_id: str, value: str, **where: Unpack[Clicker]) -> RecordedCall:
        """Click a button as `press` does; return the answer posted to its response_url."""
        return await self.answer_to(await self.press(action_id, value, **where))

    async def press(
        self,
        action_id: str,
        value: str,
        *,
        channel: str = CHANNEL,
        user: str = USER,
        user_team: str | None = None,
    ) -> str:
        """Click a button whose answer may be a modal; return the click's response_url."""
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
        return url

    async def modal(
        self, ready: Callable[[dict[str, Any]], bool] = lambda v: True
    ) -> dict[str, Any]:
        """The newest open modal once `ready(view)` holds for it (a loading view may come first)."""

        def shown() -> bool:
            modals = self.slack.workspace.modals()
            return bool(modals) and ready(modals[-1]["view"])

        assert await self.slack.wait_for_async(shown), "no modal was opened"
        view: dict[str, Any] = self.slack.workspace.modals()[-1]["view"]
        return view

    async def submit(
        self,
        view: dict[str, Any],
        values: dict[str, str | None] | None = None,
        *,
        user: str = USER,
        user_team: str | None = None,
    ) -> dict[str, Any]:
        """Press Submit on `view` with `values` (by input block id); return the app's ack."""
        body = view_submission_body(person(user, user_team=user_team), view, values)
        response = await self.dispatch(body, signed_headers(body))
        assert response.status == 200, response.body
        answer: dict[str, Any] = json.loads(response.body) if response.body else {}
        return answer

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


def button_values(blocks: list[dict[str, Any]], action_id: str | None = None) -> list[str]:
    """The values of every button with `action_id` (of every button, without one), in order."""
    values = []
    for block in blocks:
        elements = list(block.get("elements", [])) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        values += [
            e["value"]
            for e in elements
            if e.get("type") == "button" and action_id in (None, e.get("action_id"))
        ]
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
