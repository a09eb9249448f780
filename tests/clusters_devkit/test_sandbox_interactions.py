"""The sandbox sends a real Bolt app what Slack would: signed commands, clicks and Home events.

The app here is a small Bolt `AsyncApp` served on loopback, so Bolt itself checks the signatures
and parses the payloads; its answers go back through the sandbox's Web API and response_urls,
and the test reads the page's state as the page would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from clusters_devkit.rig import free_port
from clusters_devkit.web import ALERTS_CHANNEL, OPS_CHANNEL, Sandbox

pytestmark = pytest.mark.anyio

TOKEN = "xoxb-sandbox-test"
SECRET = "sandbox-signing-secret"
OPS = OPS_CHANNEL.id


def _details_button(value: str) -> dict[str, Any]:
    button = {"type": "button", "action_id": "details", "value": value, "text": _plain("Details")}
    return {"type": "actions", "elements": [button]}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def build_app(sandbox: Sandbox, seen: list[dict[str, Any]]) -> AsyncApp:
    client = AsyncWebClient(token=TOKEN, base_url=sandbox.api_url)
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.command("/clusters")
    async def clusters(ack: Any, command: dict[str, Any], respond: Any) -> None:
        seen.append(command)
        if command["text"] == "quick":
            await ack(text="answered in the ack")
            return
        await ack()
        public = command["text"] == "public"
        await respond(
            text=f"you asked: {command['text']}",
            blocks=[_section(f"*you asked:* `{command['text']}`"), _details_button("rl-sweeps")],
            response_type="in_channel" if public else "ephemeral",
        )

    @app.action("details")
    async def details(ack: Any, body: dict[str, Any], respond: Any, client: Any) -> None:
        await ack()
        seen.append(body)
        value = body["actions"][0]["value"]
        if body["container"]["type"] == "view":
            view = {"type": "home", "blocks": [_section(f"home details of {value}")]}
            await client.views_publish(user_id=body["user"]["id"], view=view)
            return
        await respond(
            replace_original=True, text=f"details of {value}", blocks=[_section(f"node of {value}")]
        )

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: Any) -> None:
        seen.append(event)
        blocks = [_section("the fleet, at home"), _details_button("home-cluster")]
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    return app


@pytest.fixture
def bot_port() -> int:
    return free_port()


@pytest.fixture
def sandbox(bot_port: int) -> Iterator[Sandbox]:
    bot_url = f"http://127.0.0.1:{bot_port}/slack/events"
    with Sandbox(bot_url=bot_url, signing_secret=SECRET, bot_token=TOKEN, port=0) as fake:
        yield fake


@pytest.fixture
async def seen(sandbox: Sandbox, bot_port: int) -> AsyncIterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []
    runner = web.AppRunner(build_app(sandbox, received).web_app(), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", bot_port).start()
    try:
        yield received
    finally:
        await runner.cleanup()


async def _post(sandbox: Sandbox, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=sandbox.base_url, timeout=10) as http:
        answer = await http.post(path, json=body)
    document: dict[str, Any] = answer.json()
    return document


def _channel(sandbox: Sandbox, channel_id: str) -> dict[str, Any]:
    state = sandbox.page_state()
    found: dict[str, Any] = next(c for c in state["channels"] if c["id"] == channel_id)
    return found


def _shown(sandbox: Sandbox, channel_id: str, kind: str) -> list[dict[str, Any]]:
    return [m for m in _channel(sandbox, channel_id)["messages"] if m["kind"] == kind]


async def _until(sandbox: Sandbox, predicate: Any) -> None:
    assert await sandbox.wait_for_async(predicate, within=10)


async def _answered(
    sandbox: Sandbox, text: str, kind: str, channel: str = OPS
) -> list[dict[str, Any]]:
    """Types `text` in `channel` and waits until a message of `kind` shows there; those messages."""
    await _post(sandbox, "/sandbox/api/command", {"channel": channel, "text": text})
    await _until(sandbox, lambda: _shown(sandbox, channel, kind))
    return _shown(sandbox, channel, kind)


async def _click_on_answer(sandbox: Sandbox, text: str, kind: str) -> str:
    """Types `text` in #ops and clicks the first button of the answer of `kind` once it shows
    (the button of its second block, as the person would); the answer's ts."""
    ts: str = (await _answered(sandbox, text, kind))[0]["ts"]
    click = {"channel": OPS, "ts": ts, "ephemeral": kind == "ephemeral", "block": 1, "element": 0}
    assert (await _post(sandbox, "/sandbox/api/action", click))["ok"] is True
    return ts


async def test_a_typed_command_reaches_the_app_signed_like_slacks(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    answer = await _post(
        sandbox, "/sandbox/api/command", {"channel": OPS, "text": "/clusters degraded"}
    )
    assert answer["ok"] is True
    assert answer["entry"]["outcome"].startswith("acknowledged")
    command = seen[0]
    assert command["command"] == "/clusters"
    assert command["text"] == "degraded"
    assert command["channel_id"] == OPS
    assert command["team_id"] == sandbox.team_id
    assert command["response_url"].startswith(f"{sandbox.base_url}/response/")


async def test_an_ephemeral_answer_is_shown_only_to_the_person_after_their_command(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    await _answered(sandbox, "/clusters degraded", "ephemeral")
    kinds = [m["kind"] for m in _channel(sandbox, OPS)["messages"]]
    assert kinds == ["command", "ephemeral"]
    answer = _shown(sandbox, OPS, "ephemeral")[0]
    assert answer["message"]["text"] == "you asked: degraded"
    assert sandbox.messages(OPS) == []


async def test_a_public_answer_is_posted_in_the_channel(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    answer = (await _answered(sandbox, "/clusters public", "bot"))[0]
    assert answer["message"]["text"] == "you asked: public"


async def test_a_message_in_the_ack_is_shown_as_slack_shows_it(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    await _post(sandbox, "/sandbox/api/command", {"channel": OPS, "text": "/clusters quick"})
    assert [m["message"]["text"] for m in _shown(sandbox, OPS, "ephemeral")] == [
        "answered in the ack"
    ]


async def test_clicking_a_button_on_an_ephemeral_answer_replaces_it(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    ts = await _click_on_answer(sandbox, "/clusters x", "ephemeral")
    await _until(
        sandbox,
        lambda: _shown(sandbox, OPS, "ephemeral")[0]["message"]["text"] == "details of rl-sweeps",
    )
    payload = seen[-1]
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": OPS,
        "is_ephemeral": True,
    }
    assert "message" not in payload
    assert payload["actions"][0]["action_id"] == "details"
    assert payload["actions"][0]["block_id"]
    assert len(_shown(sandbox, OPS, "ephemeral")) == 1


async def test_clicking_a_button_on_a_channel_message_updates_it_in_place(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    ts = await _click_on_answer(sandbox, "/clusters public", "bot")
    await _until(sandbox, lambda: sandbox.messages(OPS)[0].get("edited"))
    assert sandbox.messages(OPS)[0]["text"] == "details of rl-sweeps"
    assert seen[-1]["message"]["ts"] == ts
    assert seen[-1]["channel"]["id"] == OPS


async def test_opening_home_sends_app_home_opened_and_shows_the_published_view(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    assert (await _post(sandbox, "/sandbox/api/home", {}))["ok"] is True
    await _until(sandbox, lambda: sandbox.page_state()["home"] is not None)
    assert seen[0]["type"] == "app_home_opened"
    assert seen[0]["user"] == sandbox.person.user_id
    click = {"surface": "home", "block": 1, "element": 0}
    assert (await _post(sandbox, "/sandbox/api/action", click))["ok"] is True
    await _until(
        sandbox,
        lambda: "home-cluster" in str(sandbox.page_state()["home"]["view"]["blocks"]),
    )
    assert seen[-1]["container"]["type"] == "view"
    assert "response_url" not in seen[-1]


async def test_a_command_other_than_clusters_never_reaches_the_app(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    answer = await _post(sandbox, "/sandbox/api/command", {"channel": OPS, "text": "/deploy now"})
    assert answer["ok"] is False
    assert "try /clusters help" in answer["entry"]["outcome"]
    assert seen == []


async def test_a_wrong_signing_secret_shows_slacks_dispatch_failed(bot_port: int) -> None:
    bot_url = f"http://127.0.0.1:{bot_port}/slack/events"
    with Sandbox(bot_url=bot_url, signing_secret="not-the-secret", bot_token=TOKEN, port=0) as box:
        received: list[dict[str, Any]] = []
        runner = web.AppRunner(build_app(box, received).web_app(), handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", bot_port).start()
        try:
            answer = await _post(box, "/sandbox/api/command", {"channel": OPS, "text": "/clusters"})
        finally:
            await runner.cleanup()
    assert answer["ok"] is False
    assert answer["entry"]["outcome"] == '/clusters failed with the error "dispatch_failed"'
    assert "401" in answer["entry"]["details"][0]
    assert received == []


async def test_a_bot_that_is_not_running_is_reported_not_hidden(sandbox: Sandbox) -> None:
    answer = await _post(sandbox, "/sandbox/api/command", {"channel": OPS, "text": "/clusters"})
    assert answer["entry"]["ok"] is False
    assert "not reachable" in answer["entry"]["details"][0]


async def test_an_app_that_does_not_ack_in_time_shows_operation_timeout(bot_port: int) -> None:
    async def never(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response()

    slow = web.Application()
    slow.router.add_post("/slack/events", never)
    runner = web.AppRunner(slow, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", bot_port).start()
    bot_url = f"http://127.0.0.1:{bot_port}/slack/events"
    try:
        with Sandbox(bot_url=bot_url, signing_secret=SECRET, port=0, ack_timeout_s=0.2) as box:
            answer = await _post(box, "/sandbox/api/command", {"channel": OPS, "text": "/clusters"})
    finally:
        await runner.cleanup()
    assert answer["entry"]["outcome"] == '/clusters failed with the error "operation_timeout"'


async def test_commands_typed_in_the_alerts_channel_are_answered_there(
    sandbox: Sandbox, seen: list[dict[str, Any]]
) -> None:
    alerts = ALERTS_CHANNEL.id
    await _answered(sandbox, "/clusters hi", "ephemeral", channel=alerts)
    assert seen[0]["channel_name"] == ALERTS_CHANNEL.name
    assert _shown(sandbox, OPS, "ephemeral") == []
