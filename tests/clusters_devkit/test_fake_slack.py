"""The fake Slack answers slack_sdk's real clients the way Slack does, and records every call."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from clusters_devkit import FakeSlack

pytestmark = pytest.mark.anyio


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token="xoxb-test", team_id="T0TEAM") as fake:
        yield fake


def client(slack: FakeSlack, token: str = "xoxb-test") -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=slack.api_url)


async def test_auth_test_reports_the_configured_team(slack: FakeSlack) -> None:
    answer = await client(slack).auth_test()
    assert answer["team_id"] == "T0TEAM"
    assert slack.calls_to("auth.test")[0].ok


async def test_a_wrong_token_is_refused_with_invalid_auth(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client(slack, token="xoxb-wrong").chat_postMessage(channel="C1", text="hi")
    assert caught.value.response["error"] == "invalid_auth"
    assert slack.messages("C1") == []


async def test_posted_messages_appear_in_the_channel_with_increasing_ts(slack: FakeSlack) -> None:
    web = client(slack)
    first = await web.chat_postMessage(channel="C1", text="one")
    second = await web.chat_postMessage(channel="C1", text="two")
    assert [m["text"] for m in slack.messages("C1")] == ["one", "two"]
    assert float(first["ts"]) < float(second["ts"])


async def test_update_replaces_a_message_in_place_and_replies_carry_thread_ts(
    slack: FakeSlack,
) -> None:
    web = client(slack)
    parent = await web.chat_postMessage(channel="C1", text="degraded", blocks=[_section("x")])
    await web.chat_postMessage(channel="C1", text="node-3 failed", thread_ts=parent["ts"])
    await web.chat_update(channel="C1", ts=parent["ts"], text="resolved", blocks=[_section("ok")])
    messages = slack.messages("C1")
    assert messages[0]["text"] == "resolved"
    assert messages[0]["blocks"] == [_section("ok")]
    assert messages[1]["thread_ts"] == parent["ts"]


async def test_updating_an_unknown_message_fails_with_message_not_found(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client(slack).chat_update(channel="C1", ts="1.000001", text="x")
    assert caught.value.response["error"] == "message_not_found"


async def test_form_encoded_calls_are_understood(slack: FakeSlack) -> None:
    web = client(slack)
    posted = await web.chat_postMessage(channel="C1", text="hi")
    await web.reactions_add(channel="C1", timestamp=posted["ts"], name="white_check_mark")
    assert slack.messages("C1")[0]["reactions"] == ["white_check_mark"]
    assert (await web.conversations_info(channel="C1"))["channel"]["id"] == "C1"


async def test_ephemeral_messages_and_home_views_are_kept_per_user(slack: FakeSlack) -> None:
    web = client(slack)
    await web.chat_postEphemeral(channel="C1", user="U1", text="only you")
    await web.views_publish(user_id="U1", view={"type": "home", "blocks": [_section("home")]})
    assert [m["text"] for m in slack.ephemeral_messages("C1", "U1")] == ["only you"]
    assert slack.messages("C1") == []
    view = slack.home_view("U1")
    assert view is not None and view["blocks"] == [_section("home")]


async def test_a_message_over_slacks_limits_is_refused_with_invalid_blocks(
    slack: FakeSlack,
) -> None:
    blocks = [_section(str(n)) for n in range(51)]
    with pytest.raises(SlackApiError) as caught:
        await client(slack).chat_postMessage(channel="C1", text="many", blocks=blocks)
    assert caught.value.response["error"] == "invalid_blocks"
    assert "51 blocks" in caught.value.response["errors"][0]


async def test_a_scheduled_429_carries_retry_after_and_a_retrying_client_gets_through(
    slack: FakeSlack,
) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as caught:
        await client(slack).chat_postMessage(channel="C1", text="first")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "1"

    slack.fail("chat.postMessage", status=429, retry_after=0)
    patient = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    await patient.chat_postMessage(channel="C1", text="second")
    assert [m["text"] for m in slack.messages("C1")] == ["second"]
    statuses = [call.status for call in slack.calls_to("chat.postMessage")]
    assert statuses == [429, 429, 200]


async def test_scheduled_errors_answer_ok_false_for_count_calls_then_recover(
    slack: FakeSlack,
) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", count=2)
    web = client(slack)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await web.chat_postMessage(channel="C1", text="x")
        assert caught.value.response["error"] == "channel_not_found"
    await web.chat_postMessage(channel="C1", text="x")
    assert len(slack.messages("C1")) == 1


async def test_a_timed_outage_fails_every_call_until_it_ends_then_the_next_fault_applies(
    slack: FakeSlack,
) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=1, for_s=0.3)
    slack.fail("chat.postMessage", status=500)
    web = client(slack)
    for _ in range(4):
        with pytest.raises(SlackApiError) as caught:
            await web.chat_postMessage(channel="C1", text="x")
        assert caught.value.response.status_code == 429
    await asyncio.sleep(0.35)
    with pytest.raises(SlackApiError) as caught:
        await web.chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 500
    await web.chat_postMessage(channel="C1", text="through")
    assert [m["text"] for m in slack.messages("C1")] == ["through"]


async def test_a_500_is_answered_as_a_server_error(slack: FakeSlack) -> None:
    slack.fail("chat.update", status=500)
    with pytest.raises(SlackApiError) as caught:
        await client(slack).chat_update(channel="C1", ts="1.1", text="x")
    assert caught.value.response.status_code == 500


async def test_response_url_posts_are_recorded_and_land_in_the_channel(slack: FakeSlack) -> None:
    url = slack.new_response_url(channel="C1", user="U1")
    hook = AsyncWebhookClient(url)
    first = await hook.send(text="private answer")
    await hook.send(text="public answer", response_type="in_channel")
    assert first.status_code == 200
    assert [r.params["text"] for r in slack.responses_to(url)] == [
        "private answer",
        "public answer",
    ]
    assert [m["text"] for m in slack.ephemeral_messages("C1", "U1")] == ["private answer"]
    assert [m["text"] for m in slack.messages("C1")] == ["public answer"]


async def test_replace_original_through_a_response_url_edits_the_message_it_belongs_to(
    slack: FakeSlack,
) -> None:
    posted = await client(slack).chat_postMessage(channel="C1", text="overview")
    url = slack.new_response_url(channel="C1", user="U1", message_ts=posted["ts"], ephemeral=False)
    await AsyncWebhookClient(url).send(text="detail", replace_original=True)
    assert [m["text"] for m in slack.messages("C1")] == ["detail"]


async def test_a_response_url_takes_five_posts_then_answers_used_url(slack: FakeSlack) -> None:
    hook = AsyncWebhookClient(slack.new_response_url())
    statuses = [(await hook.send(text=str(n))).status_code for n in range(6)]
    assert statuses == [200] * 5 + [404]
    assert slack.responses[-1].error == "used_url"


async def test_wait_for_async_sees_a_condition_become_true(slack: FakeSlack) -> None:
    await client(slack).chat_postMessage(channel="C9", text="hello")
    assert await slack.wait_for_async(lambda: len(slack.messages("C9")) == 1, within=2)
    assert not await slack.wait_for_async(lambda: len(slack.messages("C9")) == 2, within=0.1)


def test_stop_frees_the_port_for_a_new_fake() -> None:
    first = FakeSlack()
    first.start()
    port = first.port
    first.stop()
    with FakeSlack(port=port) as second:
        assert second.port == port


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
