"""Exactly once across a crash: a row left in flight is looked for in Slack before it is resent.

A `kill -9` between Slack's answer and the commit that records it leaves the state file with the
row still `sending` and its parent's `ts` unknown. These tests leave the file in exactly that
state (by rewinding the commit), then start a new sender on it.
"""

from __future__ import annotations

import pytest

from bot.alerts.reconcile import EVENT_TYPE
from clusters_devkit import FakeSlack
from tests.bot.alerts.sending import ALERTS, Sender, post, posted, reply

pytestmark = pytest.mark.anyio


def rewind_last_commit(sender: Sender) -> None:
    """The state a kill -9 leaves just after Slack answered the newest row: still in flight."""
    db = sender.store.db
    with db.transaction() as tx:
        (row_id,) = tx.execute("SELECT MAX(id) FROM outbox").fetchone()
        tx.execute("UPDATE outbox SET state = 'sending', ts = NULL WHERE id = ?", (row_id,))
        tx.execute(
            "UPDATE parents SET ts = NULL WHERE (parent_key, channel) IN "
            "(SELECT parent_key, channel FROM outbox WHERE id = ? AND kind = 'post')",
            (row_id,),
        )


async def test_a_parent_slack_already_has_is_not_posted_again_and_its_thread_continues(
    sender: Sender, slack: FakeSlack
) -> None:
    assert await sender.deliver(post("p", "parent"))
    await sender.stop()
    rewind_last_commit(sender)
    (original,) = slack.messages(ALERTS)

    assert await sender.deliver(reply("p", "after the restart"))

    assert posted(slack) == ["parent", "after the restart"]
    parent, answer = slack.messages(ALERTS)
    assert parent["ts"] == original["ts"]
    assert answer["thread_ts"] == original["ts"]
    history = slack.calls_to("conversations.history")
    assert history and history[0].params["channel"] == ALERTS
    assert await sender.store.counts() == {"delivered": 2}


async def test_a_reply_slack_already_has_is_found_in_its_thread_and_not_sent_again(
    sender: Sender, slack: FakeSlack
) -> None:
    assert await sender.deliver(post("p", "parent"), reply("p", "first reply"))
    await sender.stop()
    rewind_last_commit(sender)

    assert await sender.deliver(reply("p", "second reply"))

    assert posted(slack) == ["parent", "first reply", "second reply"]
    assert [c.params["ts"] for c in slack.calls_to("conversations.replies")] == [
        slack.messages(ALERTS)[0]["ts"]
    ]


async def test_a_row_that_never_reached_slack_is_sent_once_after_the_restart(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", status=500, count=1)
    sender.start()
    await sender.send(post("p", "parent"))
    assert await slack.wait_for_async(lambda: bool(slack.calls_to("chat.postMessage")))
    await sender.stop()
    with sender.store.db.transaction() as tx:  # killed after the claim, before the call
        tx.execute("UPDATE outbox SET state = 'sending', due_at = 0")

    sender.start()
    assert await sender.drained()
    assert posted(slack) == ["parent"]
    assert slack.calls_to("conversations.history")


async def test_every_alert_carries_metadata_naming_its_outbox_row(
    sender: Sender, slack: FakeSlack
) -> None:
    assert await sender.deliver(post("p", "parent"), reply("p", "reply"))
    rows = sender.store.db.query("SELECT id, parent_key FROM outbox ORDER BY id")
    sent = [c.params["metadata"] for c in slack.calls_to("chat.postMessage")]
    assert sent == [
        {
            "event_type": EVENT_TYPE,
            "event_payload": {"outbox_id": str(r["id"]), "parent_key": r["parent_key"]},
        }
        for r in rows
    ]


async def test_a_timeout_after_slack_took_the_message_does_not_post_it_twice(
    sender: Sender, slack: FakeSlack
) -> None:
    slack.stall("chat.postMessage", seconds=3)  # the client gives up after 2 s
    assert await sender.deliver(post("p", "parent"), reply("p", "reply"), within=20)
    assert [m["text"] for m in slack.messages(ALERTS)] == ["parent", "reply"]
    parent, answer = slack.messages(ALERTS)
    assert answer["thread_ts"] == parent["ts"]


async def test_without_the_history_scopes_delivery_falls_back_to_at_least_once_and_says_so(
    sender: Sender, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    assert await sender.deliver(post("p", "parent"), post("q", "other"))
    await sender.stop()
    rewind_last_commit(sender)
    slack.fail("conversations.history", error="missing_scope", count=5)

    sender.start()
    assert await sender.drained()
    assert posted(slack) == ["parent", "other", "other"]
    warnings = [r for r in caplog.records if "missing_scope" in r.getMessage()]
    assert len(warnings) == 1
    assert "channels:history and groups:history" in warnings[0].getMessage()
