"""Who may change where alerts go: `CLUSTERS_ALERT_ADMINS`, the scoped `subscriptions` list.

Driven like `test_alert_service.py`: the real Bolt app, signed commands and clicks, the fake
Slack (which also answers `usergroups.users.list`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot.alerts.admins import AlertAdmins
from bot.alerts.settings import AlertSettings
from clusters_devkit import FakeSlack
from shared.simulator import create_app as create_simulator
from tests.bot.alerts.fleet import degrade
from tests.bot.alerts.harness import Alerts, top_level
from tests.bot.alerts.sending import ALERTS
from tests.bot.slack_app import (
    BOT_TOKEN,
    CHANNEL,
    TOGETHER_KEY,
    USER,
    BotUnderTest,
    all_text,
    button_values,
)

pytestmark = pytest.mark.anyio

BOSS = "U0BOSS"
CAROL = "U0CAROL"
OTHER = "C0OTHER"


@pytest.fixture
def simulator() -> Starlette:
    return create_simulator("empty", api_key=TOGETHER_KEY, seed=7)


async def _listed(alerts: Alerts) -> str:
    assert alerts.bot is not None
    answer = (await alerts.bot.command("subscriptions")).params
    return f"{answer['text']}\n{all_text(answer.get('blocks', []))}"


async def _incident(alerts: Alerts, name: str) -> str:
    cluster_id, (n1, *_) = alerts.add(name)
    alerts.sim.patch_cluster(cluster_id, degrade(n1))
    await alerts.poll()
    (parent,) = top_level(alerts.slack)
    (key,) = button_values(parent["blocks"], "alert_snooze_24h")
    return key


async def test_a_channel_limited_to_a_project_lists_only_that_projects_subscriptions(
    alerts: Alerts, make_bot: Callable[..., BotUnderTest]
) -> None:
    service = alerts.start()
    assert alerts.bot is not None
    await alerts.bot.command("subscribe", channel="C0EVERY", user="U0BOB")
    await alerts.bot.command("subscribe project:proj-b", channel="G0PRIVB", user="U0BOB")
    await alerts.bot.command("subscribe project:proj-a", channel="C0PROJA", user=CAROL)
    scoped = make_bot(
        extra_commands=service.commands(), clusters_channel_projects=f"{CHANNEL}=proj-a"
    )
    await scoped.command("subscribe")

    listed = all_text((await scoped.command("subscriptions")).params["blocks"])

    assert "<#C0PROJA>: project `proj-a`" in listed
    assert f"<#{CHANNEL}>: project `proj-a`" in listed
    for hidden in ("C0EVERY", "G0PRIVB", "proj-b", "U0BOB", ALERTS):
        assert hidden not in listed
    everything = all_text((await alerts.bot.command("subscriptions")).params["blocks"])
    assert "G0PRIVB" in everything  # an unscoped channel still sees them all


async def test_only_alert_admins_subscribe_and_others_are_told_privately(alerts: Alerts) -> None:
    alerts.start(alert_channel=None, alert_admins=BOSS)
    assert alerts.bot is not None
    refused = await alerts.bot.command("subscribe")
    assert refused.params["response_type"] == "ephemeral"
    assert "only alert admins may subscribe" in refused.params["text"]
    assert f"<@{BOSS}>" in refused.params["text"]
    assert "No channel gets cluster alerts" in await _listed(alerts)
    accepted = await alerts.bot.command("subscribe", user=BOSS)
    assert "subscribed this channel" in accepted.params["text"]


async def test_only_alert_admins_unsubscribe_when_admins_are_set(alerts: Alerts) -> None:
    alerts.start(alert_channel=None, alert_admins=BOSS)
    assert alerts.bot is not None
    await alerts.bot.command("subscribe", user=BOSS)
    refused = await alerts.bot.command("unsubscribe")
    assert refused.params["response_type"] == "ephemeral"
    assert "only alert admins may unsubscribe" in refused.params["text"]
    assert f"<#{CHANNEL}>" in await _listed(alerts)
    done = await alerts.bot.command("unsubscribe", user=BOSS)
    assert "unsubscribed this channel" in done.params["text"]


async def test_a_channel_is_unsubscribed_from_elsewhere_only_by_an_admin(alerts: Alerts) -> None:
    alerts.start(alert_channel=None, alert_admins=BOSS)
    assert alerts.bot is not None
    await alerts.bot.command("subscribe", channel=OTHER, user=BOSS)

    refused = await alerts.bot.command(f"unsubscribe channel:{OTHER}")
    assert "only from itself, or by an alert admin" in refused.params["text"]
    assert f"<#{OTHER}>" in await _listed(alerts)

    done = await alerts.bot.command(f"unsubscribe channel:{OTHER}", user=BOSS)
    assert done.params["response_type"] == "ephemeral"  # this channel need not hear of it
    assert f"unsubscribed <#{OTHER}> from cluster alerts" in done.params["text"]
    assert "No channel gets" in await _listed(alerts)


async def test_without_admins_a_channel_cannot_be_unsubscribed_from_another(
    alerts: Alerts,
) -> None:
    alerts.start(alert_channel=None)
    assert alerts.bot is not None
    await alerts.bot.command("subscribe", channel=OTHER)
    refused = await alerts.bot.command(f"unsubscribe channel:{OTHER}")
    assert "only from itself" in refused.params["text"]
    assert f"<#{OTHER}>" in await _listed(alerts)
    assert "unsubscribed" in (await alerts.bot.command("unsubscribe", channel=OTHER)).params["text"]


async def test_only_alert_admins_snooze_and_the_parent_shows_who_did(alerts: Alerts) -> None:
    alerts.start(alert_admins=BOSS)
    assert alerts.bot is not None
    incident_id = await _incident(alerts, "train-admin")

    refused = await alerts.bot.click("alert_snooze_24h", incident_id, channel=ALERTS)
    assert refused.params["response_type"] == "ephemeral"
    assert "only alert admins may snooze alerts" in refused.params["text"]
    assert await alerts.settled()
    assert "Snoozed" not in all_text(top_level(alerts.slack)[0]["blocks"])

    done = await alerts.bot.click("alert_snooze_24h", incident_id, channel=ALERTS, user=BOSS)
    assert "Snoozed *train-admin* for 24 h" in done.params["text"]
    assert await alerts.settled()
    assert f"Snoozed by <@{BOSS}> until" in all_text(top_level(alerts.slack)[0]["blocks"])


async def test_members_of_an_admin_user_group_may_snooze_and_others_may_not(
    alerts: Alerts,
) -> None:
    alerts.slack.workspace.set_usergroup("S0OPS", [CAROL])
    alerts.start(alert_admins="S0OPS")
    assert alerts.bot is not None
    incident_id = await _incident(alerts, "train-group")

    refused = await alerts.bot.click("alert_snooze_1h", incident_id, channel=ALERTS, user=USER)
    assert "<!subteam^S0OPS>" in refused.params["text"]
    done = await alerts.bot.click("alert_snooze_1h", incident_id, channel=ALERTS, user=CAROL)
    assert "Snoozed *train-group*" in done.params["text"]
    assert len(alerts.slack.calls_to("usergroups.users.list")) == 1  # read once, then cached


async def test_a_group_slack_cannot_read_admits_nobody_until_it_can(fake_slack: FakeSlack) -> None:
    now = [0.0]
    web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    admins = AlertAdmins({"S0OPS"}, web, cache_s=60, clock=lambda: now[0])
    fake_slack.workspace.set_usergroup("S0OPS", [CAROL])
    fake_slack.fail("usergroups.users.list", error="missing_scope")
    assert not await admins.is_admin(CAROL)
    assert await admins.is_admin(CAROL)
    fake_slack.workspace.set_usergroup("S0OPS", [])
    assert await admins.is_admin(CAROL)  # cached
    now[0] = 61
    fake_slack.fail("usergroups.users.list", status=500)
    assert await admins.is_admin(CAROL)  # Slack failed: the members last read still count
    assert not await admins.is_admin(CAROL)  # read again: Carol left the group


def test_alert_admins_are_read_from_the_environment_and_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLUSTERS_ALERT_ADMINS", "U0BOSS, W0GRID S0OPS")
    settings = AlertSettings(state_db=tmp_path / "s.db")
    assert settings.alert_admins == {"U0BOSS", "W0GRID", "S0OPS"}
    monkeypatch.setenv("CLUSTERS_ALERT_ADMINS", "U0BOSS,@alice")
    with pytest.raises(ValidationError, match="'@alice' is neither a Slack user id"):
        AlertSettings(state_db=tmp_path / "s.db")
