"""Delivering the outbox to a fake Slack: in order, threaded, once, through 429s, 500s and more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.database import Database
from bot.alerts.outbox import SlackOutbox
from bot.alerts.queue import OutboxQueue, Outgoing
from bot.sandbox import FakeSlack

pytestmark = pytest.mark.anyio

TOKEN = "xoxb-outbox-test"
ALERTS = "C0ALERTS"
OTHER = "C0OTHER"
PACE_S = 0.05


def block(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def post(key: str, text: str, channel: str = ALERTS) -> Outgoing:
    return Outgoing(channel, "post", key, text, block(text))


def reply(key: str, text: str, channel: str = ALERTS) -> Outgoing:
    return Outgoing(channel, "reply", key, text, block(text))


def update(key: str, text: str, channel: str = ALERTS) -> Outgoing:
    return Outgoing(channel, "update", key, text, block(text))


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


@dataclass
class Sender:
    """An outbox on a state file, sending to the fake Slack until the test ends."""

    queue: OutboxQueue
    slack: FakeSlack
    outbox: SlackOutbox | None = None
    task: asyncio.Task[None] | None = None

    def start(self, *, base_url: str | None = None, retry_later_s: float = 0.3) -> None:
        client = AsyncWebClient(
            token=TOKEN, base_url=base_url or self.slack.api_url, retry_handlers=[], timeout=2
        )
        self.outbox = SlackOutbox(
            self.queue, client, pace_s=PACE_S, retry_later_s=retry_later_s, idle_check_s=0.1
        )
        self.task = asyncio.create_task(self.outbox.run())

    async def stop(self) -> None:
        if self.outbox is not None and self.task is not None:
            await self.outbox.stop()
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    def send(self, *messages: Outgoing) -> None:
        self.queue.enqueue(messages)
        if self.outbox is not None:
            self.outbox.notify()

    async def drained(self, within: float = 15.0) -> bool:
        return await self.slack.wait_for_async(
            lambda: self.queue.counts().get("pending", 0) == 0, within
        )


@pytest.fixture
async def sender(tmp_path: Path, slack: FakeSlack) -> AsyncIterator[Sender]:
    db = Database.open(tmp_path / "state.db")
    s = Sender(OutboxQueue(db), slack)
    yield s
    await s.stop()
    db.close()


def posted(slack: FakeSlack) -> list[str]:
    """Texts of successful chat.postMessage calls, in order."""
    return [c.params["text"] for c in slack.calls_to("chat.postMessage") if c.ok]


async def test_a_parent_its_replies_and_its_update_arrive_in_order_and_threaded(
    sender: Sender, slack: FakeSlack
) -> None:
    sender.start()
    sender.send(
        post("p", "parent"), reply("p", "first"), reply("p", "second"), update("p", "now resolved")
    )
    assert await sender.drained()
    parent, *replies = slack.messages(ALERTS)
    assert parent["text"] == "now resolved"
    assert [r["text"] for r in replies] == ["first", "second"]
    assert all(r["thread_ts"] == parent["ts"] for r in replies)
    assert sender.queue.counts() == {"delivered": 4}


async def test_every_message_is_sent_exactly_once(sender: Sender, slack: FakeSlack) -> None:
    sender.start()
    sender.send(*(post(f"p{i}", f"parent {i}", ALERTS if i % 2 else OTHER) for i in range(10)))
    assert await sender.drained()
    assert sorted(posted(slack)) == sorted(f"parent {i}" for i in range(10))
    assert len(slack.messages(ALERTS)) == 5 and len(slack.messages(OTHER)) == 5


async def test_a_429_waits_the_retry_after_then_delivers_once(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=1, count=2)
    sender.start()
    sender.send(post("p", "parent"))
    assert await sender.drained()
    attempts = slack.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95  # Retry-After: 1 was honoured
    assert attempts[2].at - attempts[1].at >= 0.95
    assert posted(slack) == ["parent"]


async def test_server_errors_are_retried_until_delivered(sender: Sender, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", status=500, count=2)
    sender.start()
    sender.send(post("p", "parent"), reply("p", "reply"))
    assert await sender.drained()
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [500, 500, 200, 200]
    assert posted(slack) == ["parent", "reply"]


async def test_a_missing_channel_is_retried_later_without_blocking_other_channels(
    sender: Sender, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", count=1)
    sender.start()
    sender.send(post("p", "first to alerts"))
    assert await slack.wait_for_async(lambda: bool(slack.calls_to("chat.postMessage")))
    sender.send(post("q", "to the other channel", OTHER))
    assert await sender.drained()
    assert posted(slack) == ["to the other channel", "first to alerts"]
    assert "invite the bot there" in caplog.text
    assert "tried again" in caplog.text


async def test_slack_unreachable_keeps_messages_for_a_later_sender(
    tmp_path: Path, sender: Sender, slack: FakeSlack
) -> None:
    sender.start(base_url="http://127.0.0.1:9/api/")  # nothing listens on the discard port
    sender.send(post("p", "parent"), reply("p", "reply"))
    assert await slack.wait_for_async(lambda: _attempted(sender.queue), 10)
    await sender.stop()
    assert sender.queue.counts() == {"pending": 2}
    sender.start()
    assert await sender.drained(20)
    assert posted(slack) == ["parent", "reply"]


def _attempted(queue: OutboxQueue) -> bool:
    rows = queue.db.query("SELECT attempts, last_error FROM outbox WHERE state = 'pending'")
    return any(row["attempts"] > 0 and row["last_error"] for row in rows)


async def test_a_new_sender_continues_where_a_stopped_one_left_off(
    sender: Sender, slack: FakeSlack
) -> None:
    sender.start()
    sender.send(post("p", "parent"))
    assert await sender.drained()
    await sender.stop()
    sender.send(reply("p", "after the restart"), update("p", "parent, updated"))
    sender.start()
    assert await sender.drained()
    parent, answer = slack.messages(ALERTS)
    assert answer["thread_ts"] == parent["ts"] and parent["text"] == "parent, updated"
    assert posted(slack) == ["parent", "after the restart"]


async def test_only_the_latest_of_queued_updates_is_sent(sender: Sender, slack: FakeSlack) -> None:
    sender.start()
    sender.send(post("p", "parent"))
    assert await sender.drained()
    await sender.stop()
    sender.send(update("p", "one"), update("p", "two"), update("p", "three"))
    sender.start()
    assert await sender.drained()
    assert [c.params["text"] for c in slack.calls_to("chat.update")] == ["three"]
    assert sender.queue.counts() == {"delivered": 2, "superseded": 2}


async def test_blocks_slack_refuses_are_sent_again_as_text(
    sender: Sender, slack: FakeSlack
) -> None:
    sender.start()
    too_long = Outgoing(ALERTS, "post", "p", "the fallback", block("x" * 3001))
    sender.send(too_long)
    assert await sender.drained()
    (message,) = slack.messages(ALERTS)
    assert message["text"] == "the fallback"
    assert not message.get("blocks")


async def test_an_update_of_a_message_that_is_gone_is_given_up_and_the_rest_flows(
    sender: Sender, slack: FakeSlack
) -> None:
    sender.start()
    sender.send(post("p", "parent"))
    assert await sender.drained()
    slack.fail("chat.update", error="message_not_found")
    sender.send(update("p", "lost"), post("q", "next"))
    assert await sender.drained()
    assert sender.queue.counts() == {"delivered": 2, "dropped": 1}
    assert posted(slack) == ["parent", "next"]


async def test_a_reply_whose_thread_is_gone_is_posted_on_its_own(
    sender: Sender, slack: FakeSlack
) -> None:
    sender.start()
    sender.send(post("p", "parent"))
    assert await sender.drained()
    slack.fail("chat.postMessage", error="thread_not_found")
    sender.send(reply("p", "orphan"))
    assert await sender.drained()
    assert [m["text"] for m in slack.messages(ALERTS)] == ["parent", "orphan"]
    assert "thread_ts" not in slack.messages(ALERTS)[1]


async def test_messages_to_one_channel_are_paced(sender: Sender, slack: FakeSlack) -> None:
    sender.start()
    sender.send(*(post(f"p{i}", f"m{i}") for i in range(6)))
    assert await sender.drained()
    times = [c.at for c in slack.calls_to("chat.postMessage")]
    # A lower bound only: five gaps of at least PACE_S each, less one message's network jitter.
    assert times[-1] - times[0] >= 5 * PACE_S - 0.03
