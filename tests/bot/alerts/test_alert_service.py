"""The alert service in-process: the simulator upstream, the fake Slack, the real Bolt app.

Polls are driven one at a time (`poll`), the outbox runs for real, and commands and buttons go
through signed requests dispatched into the app.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette

from shared.simulator import create_app as create_simulator
from tests.bot.alerts.fleet import degrade, fail_node, recover
from tests.bot.alerts.harness import Alerts, replies, top_level
from tests.bot.alerts.sending import ALERTS
from tests.bot.slack_app import CHANNEL, TOGETHER_KEY, BotUnderTest, all_text, button_values

pytestmark = pytest.mark.anyio


@pytest.fixture
def simulator() -> Starlette:
    return create_simulator("empty", api_key=TOGETHER_KEY, seed=7)


async def test_an_incident_is_one_parent_with_its_story_in_the_thread(alerts: Alerts) -> None:
    alerts.start()
    cluster_id, (n1, n2, _) = alerts.add("train-a")
    await alerts.poll()
    assert alerts.slack.messages(ALERTS) == []

    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    assert "Degraded: train-a" in all_text(parent["blocks"])

    alerts.sim.patch_cluster(cluster_id, fail_node(n2))
    await alerts.poll()
    assert len(top_level(alerts.slack)) == 1
    assert any(f"({n2}) changed: Running → Failed" in r for r in replies(alerts.slack, parent))
    (parent,) = top_level(alerts.slack)
    assert "1/3 healthy" in all_text(parent["blocks"])

    alerts.sim.patch_cluster(cluster_id, recover(n1, n2))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    assert "Recovered after" in replies(alerts.slack, parent)[-1]
    assert "Resolved: train-a" in all_text(parent["blocks"])
    assert parent.get("edited")


async def test_a_restart_neither_reposts_nor_loses_the_thread(alerts: Alerts) -> None:
    alerts.start()
    cluster_id, (n1, *_) = alerts.add("train-b")
    await alerts.poll()
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    await alerts.stop()

    alerts.start()
    await alerts.poll()
    assert len(top_level(alerts.slack)) == 1
    alerts.sim.patch_cluster(cluster_id, recover(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    assert "Recovered after" in replies(alerts.slack, parent)[-1]


async def test_a_channel_subscribes_and_unsubscribes_with_the_slash_command(alerts: Alerts) -> None:
    alerts.start(alert_channel=None)
    bot = alerts.bot
    assert bot is not None
    cluster_id, (n1, *_) = alerts.add("train-c")

    answer = await bot.command("subscribe")
    assert answer.params["response_type"] == "in_channel"
    assert "subscribed this channel to cluster alerts for all projects" in answer.params["text"]
    again = await bot.command("subscribe")
    assert "already gets alerts" in again.params["text"]
    listed = await bot.command("subscriptions")
    assert f"<#{CHANNEL}>: all projects" in all_text(listed.params["blocks"])

    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    assert "Degraded: train-c" in all_text(top_level(alerts.slack, CHANNEL)[-1]["blocks"])

    gone = await bot.command("unsubscribe")
    assert "unsubscribed this channel" in gone.params["text"]
    assert "No channel gets cluster alerts" in (await bot.command("subscriptions")).params["text"]


async def test_a_project_subscription_only_hears_about_that_project(alerts: Alerts) -> None:
    alerts.start(alert_channel=None)
    bot = alerts.bot
    assert bot is not None
    a_id, (a1, *_) = alerts.add("proj-a-cluster", project="proj-a")
    b_id, (b1, *_) = alerts.add("proj-b-cluster", project="proj-b")
    answer = await bot.command("subscribe project:proj-b")
    assert "for project `proj-b`" in answer.params["text"]
    alerts.sim.patch_cluster(a_id, degrade(a1))
    alerts.sim.patch_cluster(b_id, degrade(b1))
    await alerts.poll()
    posted = [all_text(m["blocks"]) for m in top_level(alerts.slack, CHANNEL) if "blocks" in m]
    assert any("proj-b-cluster" in text for text in posted)
    assert not any("proj-a-cluster" in text for text in posted)


async def test_a_channel_limited_to_a_project_cannot_subscribe_to_another(
    alerts: Alerts, make_bot: Callable[..., BotUnderTest]
) -> None:
    service = alerts.start(alert_channel=None)
    bot = make_bot(extra_commands=service.commands(), clusters_channel_projects=f"{CHANNEL}=proj-a")
    refused = await bot.command("subscribe project:proj-b")
    assert "sees only project `proj-a`" in refused.params["text"]
    scoped = await bot.command("subscribe")
    assert "for project `proj-a`" in scoped.params["text"]


async def test_bad_subcommand_arguments_are_named_with_the_usage(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    answer = await alerts.bot.command("subscribe everything please")
    assert "Usage: `/clusters subscribe [project:&lt;id&gt;]`" in answer.params["text"]
    assert "`everything please`" in answer.params["text"]


async def test_help_lists_the_alert_subcommands(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    text = all_text((await alerts.bot.command("help")).params["blocks"])
    for word in ("subscribe", "unsubscribe", "subscriptions", "incidents"):
        assert f"/clusters {word}" in text


async def test_snoozing_silences_updates_but_not_the_recovery(alerts: Alerts) -> None:
    alerts.start()
    bot = alerts.bot
    assert bot is not None
    cluster_id, (n1, n2, _) = alerts.add("train-d")
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    (incident_id,) = button_values(parent["blocks"], "alert_snooze_4h")

    answer = await bot.click("alert_snooze_4h", incident_id, channel=ALERTS)
    assert answer.params["response_type"] == "ephemeral"
    assert "Snoozed *train-d* for 4 h" in answer.params["text"]
    assert await alerts.settled()
    (parent,) = top_level(alerts.slack)
    assert "Snoozed by <@U0ALICE> until" in all_text(parent["blocks"])

    alerts.sim.patch_cluster(cluster_id, fail_node(n2))
    await alerts.poll()
    assert replies(alerts.slack, parent) == []

    alerts.sim.patch_cluster(cluster_id, recover(n1, n2))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    (only,) = replies(alerts.slack, parent)
    assert "Recovered after" in only
    assert "Snoozed" not in all_text(parent["blocks"])


async def test_a_snooze_from_another_workspace_is_refused(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    cluster_id, (n1, *_) = alerts.add("train-e")
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (incident_id,) = button_values(top_level(alerts.slack)[0]["blocks"], "alert_snooze_1h")
    answer = await alerts.bot.click(
        "alert_snooze_1h", incident_id, channel=ALERTS, user_team="T0EVIL"
    )
    assert "only members of the workspace" in answer.params["text"]
    assert "Snoozed" not in all_text(top_level(alerts.slack)[0]["blocks"])


async def test_snoozing_an_unknown_or_resolved_incident_says_so(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    answer = await alerts.bot.click("alert_snooze_1h", "nope#1", channel=ALERTS)
    assert "not known to this bot" in answer.params["text"]


async def test_incidents_lists_open_incidents_with_links_to_their_messages(alerts: Alerts) -> None:
    alerts.start()
    assert alerts.bot is not None
    assert "No open cluster incidents" in (await alerts.bot.command("incidents")).params["text"]
    cluster_id, (n1, *_) = alerts.add("train-f")
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    text = all_text((await alerts.bot.command("incidents")).params["blocks"])
    assert "1 open cluster incident\n" in text
    assert "train-f" in text
    # The link is the workspace's own permalink, asked of Slack (here the fake's URL).
    link = f"{alerts.slack.base_url}/archives/{ALERTS}/p{parent['ts'].replace('.', '')}"
    assert f"<{link}|alert>" in text


async def test_a_failing_together_posts_one_outage_message_and_its_end(alerts: Alerts) -> None:
    from shared.simulator.faults import Fault

    alerts.start(api_down_alert_s=0)
    alerts.add("train-g")
    await alerts.poll()
    alerts.sim.add_faults([Fault(status=503, count=3)])
    for _ in range(3):
        await alerts.poll()
    (outage,) = top_level(alerts.slack)
    assert "Together API unreachable since" in outage["text"]
    assert "503" in all_text(outage["blocks"])
    await alerts.poll()
    (outage,) = top_level(alerts.slack)
    assert "reachable again" in replies(alerts.slack, outage)[-1]
    assert "reachable again" in all_text(outage["blocks"])
