"""An outbox on a state file sending to the fake Slack, and the messages the tests queue."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.model import MessageKind, Outgoing, ParentKey, ParentKind
from bot.alerts.outbox import SlackOutbox
from bot.alerts.sqlite import SqliteStore
from bot.message import SlackMessage
from clusters_devkit import FakeSlack

TOKEN = "xoxb-outbox-test"
ALERTS = "C0ALERTS"
OTHER = "C0OTHER"
PACE_S = 0.05


def block(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def outgoing(kind: MessageKind, key: str, text: str, channel: str) -> Outgoing:
    return Outgoing(
        channel, kind, ParentKey(ParentKind.INCIDENT, key), SlackMessage(text, block(text))
    )


def post(key: str, text: str, channel: str = ALERTS) -> Outgoing:
    return outgoing(MessageKind.POST, key, text, channel)


def reply(key: str, text: str, channel: str = ALERTS) -> Outgoing:
    return outgoing(MessageKind.REPLY, key, text, channel)


def update(key: str, text: str, channel: str = ALERTS) -> Outgoing:
    return outgoing(MessageKind.UPDATE, key, text, channel)


@dataclass
class Sender:
    """An outbox on a state file, sending to the fake Slack until the test ends."""

    store: SqliteStore
    slack: FakeSlack
    outbox: SlackOutbox | None = None
    task: asyncio.Task[None] | None = None

    def start(
        self, *, base_url: str | None = None, retry_later_s: float = 0.3, **options: Any
    ) -> None:
        """Start sending; `options` go to `SlackOutbox` (`undeliverable_after_s`, `clock`)."""
        client = AsyncWebClient(
            token=TOKEN, base_url=base_url or self.slack.api_url, retry_handlers=[], timeout=2
        )
        self.outbox = SlackOutbox(
            self.store,
            client,
            pace_s=PACE_S,
            retry_later_s=retry_later_s,
            idle_check_s=0.1,
            **options,
        )
        self.task = asyncio.create_task(self.outbox.run())

    async def stop(self) -> None:
        if self.outbox is not None and self.task is not None:
            await self.outbox.stop()
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def send(self, *messages: Outgoing) -> None:
        await self.store.enqueue(messages)
        if self.outbox is not None:
            self.outbox.notify()

    def undelivered(self) -> int:
        rows = self.store.db.query(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
        )
        return int(rows[0][0])

    async def drained(self, within: float = 15.0) -> bool:
        return await self.slack.wait_for_async(lambda: self.undelivered() == 0, within)

    async def deliver(self, *messages: Outgoing, within: float = 15.0, **options: Any) -> bool:
        """Start sending (`options` as for `start`), queue `messages`; whether all went out."""
        self.start(**options)
        await self.send(*messages)
        return await self.drained(within)


def posted(slack: FakeSlack) -> list[str]:
    """Texts of successful chat.postMessage calls, in order."""
    return [c.params["text"] for c in slack.calls_to("chat.postMessage") if c.ok]
