"""Delivering the outbox to a fake Slack: in order, threaded, once, through 429s, 500s and more."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.alerts.model import MessageKind, Outgoing, ParentKey
from bot.alerts.sqlite import SqliteStore
from bot.message import SlackMessage
from clusters_devkit import FakeSlack
from tests.bot.alerts.sending import (
    ALERTS,
    OTHER,
    PACE_S,
    Sender,
    block,
    post,
    posted,
    reply,
    update,
)

pytestmark = pytest.mark.anyio


async def test_a_parent_its_replies_and_its_update_arrive_in_order_and_threaded(
    sender: Sender, slack: FakeSlack
) -> None:
    sender.start()
    await sender.send(
        post("p", "parent"), reply("p", "first"), reply("p", "second"), update("p", "now resolved")
    )
    assert await sender.drained()
    parent, *replies = slack.messages(ALERTS)
    assert parent["text"] == "now resolved"
    assert [r["text"] for r in replies] == ["first", "second"]
    assert all(r["thread_ts"] == parent["ts"] for r in replies)
    assert await sender.store.counts() == {"delivered": 4}


async def test_every_message_is_sent_exactly_once(sender: Sender, slack: FakeSlack) -> None:
    sender.start()
    await sender.send(
        *(post(f"p{i}", f"parent {i}", ALERTS if i % 2 else OTHER) for i in range(10))
    )
    assert await sender.drained()
    assert sorted(posted(slack)) == sorted(f"parent {i}" for i in range(10))
    assert len(slack.messages(ALERTS)) == 5 and len(slack.messages(OTHER)) == 5


async def test_a_429_waits_the_retry_after_then_delivers_once(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=1, count=2)
    assert await sender.deliver(post("p", "parent"))
    attempts = slack.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95  # Retry-After: 1 was honoured
    assert attempts[2].at - attempts[1].at >= 0.95
    assert posted(slack) == ["parent"]


async def test_server_errors_are_retried_until_delivered(sender: Sender, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", status=500, count=2)
    assert await sender.deliver(post("p", "parent"), reply("p", "reply"))
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [500, 500, 200, 200]
    assert posted(slack) == ["parent", "reply"]


async def test_a_missing_channel_is_retried_later_without_blocking_other_channels(
    sender: Sender, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", count=1)
    sender.start()
    await sender.send(post("p", "first to alerts"))
    assert await slack.wait_for_async(lambda: bool(slack.calls_to("chat.postMessage")))
    await sender.send(post("q", "to the other channel", OTHER))
    assert await sender.drained()
    assert posted(slack) == ["to the other channel", "first to alerts"]
    assert "invite the bot there" in caplog.text
    assert "tried again" in caplog.text


async def test_slack_unreachable_keeps_messages_for_a_later_sender(
    tmp_path: Path, sender: Sender, slack: FakeSlack
) -> None:
    sender.start(base_url="http://127.0.0.1:9/api/")  # nothing listens on the discard port
    await sender.send(post("p", "parent"), reply("p", "reply"))
    assert await slack.wait_for_async(lambda: _attempted(sender.store), 10)
    await sender.stop()
    assert await sender.store.counts() == {"pending": 2}
    sender.start()
    assert await sender.drained(20)
    assert posted(slack) == ["parent", "reply"]


def _attempted(store: SqliteStore) -> bool:
    rows = store.db.query("SELECT attempts, last_error FROM outbox WHERE state = 'pending'")
    return any(row["attempts"] > 0 and row["last_error"] for row in rows)


async def test_a_new_sender_continues_where_a_stopped_one_left_off(
    sender: Sender, slack: FakeSlack
) -> None:
    assert await sender.deliver(post("p", "parent"))
    await sender.stop()
    await sender.send(reply("p", "after the restart"), update("p", "parent, updated"))
    sender.start()
    assert await sender.drained()
    parent, answer = slack.messages(ALERTS)
    assert answer["thread_ts"] == parent["ts"] and parent["text"] == "parent, updated"
    assert posted(slack) == ["parent", "after the restart"]


async def test_only_the_latest_of_queued_updates_is_sent(sender: Sender, slack: FakeSlack) -> None:
    assert await sender.deliver(post("p", "parent"))
    await sender.stop()
    await sender.send(update("p", "one"), update("p", "two"), update("p", "three"))
    sender.start()
    assert await sender.drained()
    assert [c.params["text"] for c in slack.calls_to("chat.update")] == ["three"]
    assert await sender.store.counts() == {"delivered": 2, "superseded": 2}


async def test_blocks_slack_refuses_are_sent_again_as_text(
    sender: Sender, slack: FakeSlack
) -> None:
    sender.start()
    too_long = Outgoing(
        ALERTS,
        MessageKind.POST,
        ParentKey.incident("p"),
        SlackMessage("the fallback", block("x" * 3001)),
    )
    await sender.send(too_long)
    assert await sender.drained()
    (message,) = slack.messages(ALERTS)
    assert message["text"] == "the fallback"
    assert not message.get("blocks")


async def test_an_update_of_a_message_that_is_gone_is_given_up_and_the_rest_flows(
    sender: Sender, slack: FakeSlack
) -> None:
    assert await sender.deliver(post("p", "parent"))
    slack.fail("chat.update", error="message_not_found")
    await sender.send(update("p", "lost"), post("q", "next"))
    assert await sender.drained()
    assert await sender.store.counts() == {"delivered": 2, "dropped": 1}
    assert posted(slack) == ["parent", "next"]


async def test_a_reply_whose_thread_is_gone_is_posted_on_its_own(
    sender: Sender, slack: FakeSlack
) -> None:
    assert await sender.deliver(post("p", "parent"))
    slack.fail("chat.postMessage", error="thread_not_found")
    await sender.send(reply("p", "orphan"))
    assert await sender.drained()
    assert [m["text"] for m in slack.messages(ALERTS)] == ["parent", "orphan"]
    assert "thread_ts" not in slack.messages(ALERTS)[1]


async def test_messages_to_one_channel_are_paced(sender: Sender, slack: FakeSlack) -> None:
    assert await sender.deliver(*(post(f"p{i}", f"m{i}") for i in range(6)))
    times = [c.at for c in slack.calls_to("chat.postMessage")]
    # A lower bound only: five gaps of at least PACE_S each, less one message's network jitter.
    assert times[-1] - times[0] >= 5 * PACE_S - 0.03
