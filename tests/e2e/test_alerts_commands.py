"""Subscribing, listing and snoozing through the real `clusters-bot` over HTTP, with requests
signed as Slack signs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import RecordedCall
from tests.bot.alerts.fleet import degrade, fail_node, recover
from tests.bot.alerts.process import ALERTS, AlertWorld
from tests.bot.conftest import all_text, button_values
from tests.bot.slack_requests import action_body, action_payload, command_body, signed_headers

pytestmark = pytest.mark.e2e

OPS = "C0OPS"
ALICE = "U0ALICE"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AlertWorld]:
    with AlertWorld(tmp_path) as w:
        yield w


def command(world: AlertWorld, text: str, channel: str = OPS) -> RecordedCall:
    url = world.slack.new_response_url(channel=channel, user=ALICE)
    body = command_body(text, response_url=url, channel=channel, user=ALICE)
    assert world.post(body, signed_headers(body)).status_code == 200
    world.wait(lambda: bool(world.slack.responses_to(url)), timeout=10)
    return world.slack.responses_to(url)[-1]


def click(world: AlertWorld, message: dict[str, Any], action_id: str, channel: str) -> RecordedCall:
    (value,) = button_values(message["blocks"], action_id)
    url = world.slack.new_response_url(channel=channel, user=ALICE, message_ts=message["ts"])
    body = action_body(action_payload(action_id, value, response_url=url, channel=channel))
    assert world.post(body, signed_headers(body)).status_code == 200
    world.wait(lambda: bool(world.slack.responses_to(url)), timeout=10)
    return world.slack.responses_to(url)[-1]


def test_a_subscribed_channel_gets_alerts_and_a_snooze_silences_them_until_recovery(
    world: AlertWorld,
) -> None:
    cluster_id, (n1, n2, _) = world.add("train-a")
    world.start_bot()
    answer = command(world, "subscribe")
    assert answer.params["response_type"] == "in_channel"
    assert "subscribed this channel" in answer.params["text"]
    assert f"<#{OPS}>: all projects" in all_text(command(world, "subscriptions").params["blocks"])

    world.sim.set_cluster(cluster_id, **degrade(n1))
    world.wait(lambda: len(world.parents(ALERTS)) == 1 and len(world.parents(OPS)) == 2)
    (ops_parent,) = [m for m in world.parents(OPS) if "blocks" in m and "train-a" in m["text"]]
    incidents = all_text(command(world, "incidents").params["blocks"])
    assert "train-a" in incidents
    assert f"https://slack.com/archives/{OPS}/p{ops_parent['ts'].replace('.', '')}" in incidents

    snoozed = click(world, ops_parent, "alert_snooze_1h", OPS)
    assert snoozed.params["response_type"] == "ephemeral"
    assert "Snoozed *train-a* for 1 h" in snoozed.params["text"]

    def shows_snooze(channel: str) -> bool:
        return any(
            "Snoozed by <@U0ALICE>" in all_text(m.get("blocks", [])) for m in world.parents(channel)
        )

    world.wait(lambda: shows_snooze(ALERTS) and shows_snooze(OPS))

    polls = world.server.state.stats()["requests"]
    world.sim.set_cluster(cluster_id, **fail_node(n2))
    world.wait(lambda: world.server.state.stats()["requests"] >= polls + 2)
    assert world.replies(ops_parent, OPS) == []  # the failure of n2 was silenced
    world.sim.set_cluster(cluster_id, **recover(n1, n2))
    world.wait(lambda: any("Recovered after" in r for r in world.replies(ops_parent, OPS)))
    assert len(world.replies(ops_parent, OPS)) == 1
    (alerts_parent,) = world.parents(ALERTS)
    world.wait(lambda: any("Recovered after" in r for r in world.replies(alerts_parent)))

    gone = command(world, "unsubscribe")
    assert "unsubscribed this channel" in gone.params["text"]
    assert f"<#{OPS}>" not in all_text(command(world, "subscriptions").params["blocks"])
