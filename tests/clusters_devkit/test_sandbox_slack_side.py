"""The sandbox is a Slack for the bot's real slack_sdk client, and shows what it did on the page."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from clusters_devkit.emoji import EMOJI
from clusters_devkit.rig import REPO_ROOT
from clusters_devkit.web import ALERTS_CHANNEL, OPS_CHANNEL, PAGE_DIR, Sandbox

pytestmark = pytest.mark.anyio

TOKEN = "xoxb-sandbox-side"
ALERTS = ALERTS_CHANNEL.id


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    bot_url = "http://127.0.0.1:9/slack/events"
    with Sandbox(bot_url=bot_url, signing_secret="s", bot_token=TOKEN, port=0) as fake:
        yield fake


def client(sandbox: Sandbox) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=sandbox.api_url)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _channel(sandbox: Sandbox, channel_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        c for c in sandbox.page_state()["channels"] if c["id"] == channel_id
    )
    return found


async def test_an_alert_and_its_thread_are_shown_together_with_updates_in_place(
    sandbox: Sandbox,
) -> None:
    web = client(sandbox)
    parent = await web.chat_postMessage(channel=ALERTS, text="degraded", blocks=[_section("bad")])
    await web.chat_postMessage(channel=ALERTS, text="other alert")
    await web.chat_postMessage(channel=ALERTS, text="node failed", thread_ts=parent["ts"])
    await web.chat_postMessage(channel=ALERTS, text="recovered", thread_ts=parent["ts"])
    await web.chat_update(channel=ALERTS, ts=parent["ts"], text="resolved", blocks=[_section("ok")])
    shown = _channel(sandbox, ALERTS)["messages"]
    assert [m["message"]["text"] for m in shown] == ["resolved", "other alert"]
    assert shown[0]["message"]["edited"] is True
    assert [r["message"]["text"] for r in shown[0]["replies"]] == ["node failed", "recovered"]
    assert shown[1]["replies"] == []


async def test_a_message_breaking_slacks_limits_is_shown_with_what_it_breaks(
    sandbox: Sandbox,
) -> None:
    blocks = [_section(f"line {n}") for n in range(51)]
    await client(sandbox).chat_postMessage(channel=ALERTS, text="too long", blocks=blocks)
    shown = _channel(sandbox, ALERTS)["messages"][0]
    assert shown["violations"] == ["51 blocks (limit 50)"]


async def test_a_message_without_fallback_text_is_flagged(sandbox: Sandbox) -> None:
    with pytest.warns(UserWarning, match="top-level `text`"):  # slack_sdk only warns
        await client(sandbox).chat_postMessage(channel=ALERTS, blocks=[_section("no text")])
    assert _channel(sandbox, ALERTS)["messages"][0]["violations"] == ["no top-level text fallback"]


async def test_a_message_within_the_limits_carries_no_flag(sandbox: Sandbox) -> None:
    await client(sandbox).chat_postMessage(channel=ALERTS, text="fine", blocks=[_section("ok")])
    assert _channel(sandbox, ALERTS)["messages"][0]["violations"] == []


async def test_in_strict_mode_the_sandbox_refuses_them_as_slack_does() -> None:
    with Sandbox(bot_url="http://127.0.0.1:9/", signing_secret="s", bot_token=TOKEN, port=0,
                 strict_blocks=True) as strict:  # fmt: skip
        with pytest.raises(SlackApiError) as caught:
            blocks = [_section("x")] * 51
            await client(strict).chat_postMessage(channel=ALERTS, text="t", blocks=blocks)
        assert caught.value.response["error"] == "invalid_blocks"
        assert strict.page_state()["failures"] == [
            {"method": "chat.postMessage", "error": "invalid_blocks", "status": 200}
        ]


async def test_home_views_are_shown_with_the_limits_of_a_view(sandbox: Sandbox) -> None:
    web = client(sandbox)
    user = sandbox.person.user_id
    await web.views_publish(user_id=user, view={"type": "home", "blocks": [_section("a")] * 60})
    assert sandbox.page_state()["home"]["violations"] == []
    await web.views_publish(user_id=user, view={"type": "home", "blocks": [_section("a")] * 101})
    assert sandbox.page_state()["home"]["violations"] == ["101 blocks (limit 100)"]


async def test_only_the_sandbox_users_ephemeral_messages_are_shown(sandbox: Sandbox) -> None:
    web = client(sandbox)
    await web.chat_postEphemeral(channel=ALERTS, user=sandbox.person.user_id, text="for you")
    await web.chat_postEphemeral(channel=ALERTS, user="U0SOMEONE", text="for someone else")
    shown = _channel(sandbox, ALERTS)["messages"]
    assert [(m["kind"], m["message"]["text"]) for m in shown] == [("ephemeral", "for you")]


async def test_a_response_url_post_from_slack_sdks_webhook_client_lands_in_the_channel(
    sandbox: Sandbox,
) -> None:
    url = sandbox.new_response_url(channel=OPS_CHANNEL.id, user=sandbox.person.user_id)
    answer = await AsyncWebhookClient(url).send(text="hello", response_type="in_channel")
    assert answer.status_code == 200
    assert [m["message"]["text"] for m in _channel(sandbox, OPS_CHANNEL.id)["messages"]] == [
        "hello"
    ]


async def test_channels_the_bot_posts_to_are_listed_beside_the_sandboxs_own(
    sandbox: Sandbox,
) -> None:
    await client(sandbox).chat_postMessage(channel="C0ELSEWHERE", text="subscribed here")
    ids = [c["id"] for c in sandbox.page_state()["channels"]]
    assert ids == [OPS_CHANNEL.id, ALERTS, "C0ELSEWHERE"]


async def test_failed_calls_from_the_bot_are_listed_for_the_page(sandbox: Sandbox) -> None:
    with pytest.raises(SlackApiError):
        await client(sandbox).chat_update(channel=ALERTS, ts="1.000001", text="x")
    assert sandbox.page_state()["failures"] == [
        {"method": "chat.update", "error": "message_not_found", "status": 200}
    ]


async def test_the_page_polls_cheaply_until_something_changes(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        first = (await http.get("/sandbox/api/state")).json()
        same = (await http.get("/sandbox/api/state", params={"version": first["version"]})).json()
        await client(sandbox).chat_postMessage(channel=ALERTS, text="new")
        later = (await http.get("/sandbox/api/state", params={"version": first["version"]})).json()
    assert same == {"version": first["version"], "unchanged": True}
    assert later["version"] > first["version"]
    assert _channel(sandbox, ALERTS)["messages"][0]["message"]["text"] == "new"


async def test_the_page_and_its_scripts_are_served_from_the_sandbox(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        index = await http.get("/")
        script = await http.get("/page/app.js")
        sneaky = await http.get("/page/..%2Fweb.py")
        missing = await http.get("/page/nothing.js")
    assert index.status_code == 200
    assert '<script type="module" src="/page/app.js">' in index.text
    assert script.headers["content-type"].startswith("text/javascript")
    assert (sneaky.status_code, missing.status_code) == (404, 404)


def test_the_page_loads_nothing_from_outside_this_machine() -> None:
    for path in PAGE_DIR.iterdir():
        text = path.read_text()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path.name
        assert not re.search(r"""import\s.*from\s+["']https?:""", text), path.name
        assert "@import" not in text, path.name


def test_every_emoji_shortcode_in_the_bots_strings_is_drawn_by_the_page() -> None:
    found: set[str] = set()
    for path in (REPO_ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.update(re.findall(r":([a-z][a-z0-9_+-]*):", node.value))
    assert found, "no shortcodes found: the scan is broken"
    assert found - EMOJI.keys() == set()


def test_the_page_files_stay_small() -> None:
    for path in PAGE_DIR.iterdir():
        assert len(path.read_text().splitlines()) < 400, path.name


async def test_a_permalink_leads_to_the_sandbox_page_open_on_that_channel(
    sandbox: Sandbox,
) -> None:
    web = client(sandbox)
    posted = await web.chat_postMessage(channel=ALERTS, text="degraded")
    answer = await web.chat_getPermalink(channel=ALERTS, message_ts=posted["ts"])
    link = answer["permalink"]
    assert link.startswith(f"{sandbox.base_url}/archives/{ALERTS}/p")
    async with httpx.AsyncClient() as http:
        opened = await http.get(link)
    assert opened.status_code == 302
    assert opened.headers["location"].startswith(f"/#{ALERTS}/")
    with pytest.raises(SlackApiError, match="message_not_found"):
        await web.chat_getPermalink(channel=ALERTS, message_ts="1.000001")


def test_the_page_knows_the_names_of_its_person_and_channels(sandbox: Sandbox) -> None:
    names = sandbox.page_state()["names"]
    assert names["users"]["U0YOU"] == "you"
    assert names["channels"] == {OPS_CHANNEL.id: "gpu-ops", ALERTS: "cluster-alerts"}
