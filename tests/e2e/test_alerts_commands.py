"""Subscribing, listing and snoozing through the real `clusters-bot` over HTTP, with requests
signed as Slack signs them."""

from __future__ import annotations

from typing import Any

import pytest

from clusters_devkit import RecordedCall
from clusters_devkit.payloads import Person, button_click_body, sign, slash_command_body
from clusters_devkit.world import World
from tests.bot.alerts.fleet import degrade, fail_node, recover
from tests.bot.slack_app import all_text, button_values
from tests.e2e.alert_world import ALERTS, POLL_S, add

pytestmark = pytest.mark.e2e

OPS = "C0OPS"
ALICE = Person("U0ALICE", "alice", "T0001", "example")


def post(world: World, body: str) -> None:
    signed = sign(body, signing_secret=world.secrets.signing_secret)
    assert world.post(signed.body, signed.headers).status_code == 200


def command(world: World, text: str, channel: str = OPS) -> RecordedCall:
    url = world.slack.new_response_url(channel=channel, user=ALICE.user_id)
    post(
        world,
        slash_command_body(
            ALICE, text=text, channel_id=channel, channel_name="ops", response_url=url
        ),
    )
    world.wait(lambda: bool(world.slack.responses_to(url)), timeout=10)
    return world.slack.responses_to(url)[-1]


def click(world: World, message: dict[str, Any], action_id: str, channel: str) -> RecordedCall:
    (value,) = button_values(message["blocks"], action_id)
    url = world.slack.new_response_url(
        channel=channel, user=ALICE.user_id, message_ts=message["ts"]
    )
    body = button_click_body(
        ALICE,
        action_id=action_id,
        value=value,
        response_url=url,
        channel=(channel, channel.lower()),
        message_ts=message["ts"],
    )
    post(world, body)
    world.wait(lambda: bool(world.slack.responses_to(url)), timeout=10)
    return world.slack.responses_to(url)[-1]


def test_a_subscribed_channel_gets_alerts_and_a_snooze_silences_them_until_recovery(
    world: World,
) -> None:
    cluster_id, (n1, n2, _) = add(world, "train-a")
    world.start_bot(poll_s=POLL_S)
    answer = command(world, "subscribe")
    assert answer.params["response_type"] == "in_channel"
    assert "subscribed this channel" in answer.params["text"]
    assert f"<#{OPS}>: all projects" in all_text(command(world, "subscriptions").params["blocks"])

    world.sim.set_cluster(cluster_id, **degrade(n1))
    world.wait(lambda: len(world.parents(ALERTS)) == 1 and len(world.parents(OPS)) == 2)
    (ops_parent,) = [m for m in world.parents(OPS) if "blocks" in m and "train-a" in m["text"]]
    incidents = all_text(command(world, "incidents").params["blocks"])
    assert "train-a" in incidents
    # the link Slack gives for the parent (chat.getPermalink): here the fake Slack's own page
    permalink = f"{world.slack.base_url}/archives/{OPS}/p{ops_parent['ts'].replace('.', '')}"
    assert f"<{permalink}|alert>" in incidents

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
