"""`open_alerts`: the alerts feature for `clusters-bot`, and what happens when its state file
cannot be opened (refuse when CLUSTERS_ALERT_CHANNEL is set, else run without alerts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.alerts.wiring import open_alerts
from bot.app import BotConfigError
from bot.extension import Feature
from shared.client import ClusterList
from tests.bot.slack_app import bot_settings

pytestmark = pytest.mark.anyio


class NoClusters:
    async def list_clusters(
        self, project_id: str | None = None, *, fresh: bool = False
    ) -> ClusterList:
        return ClusterList([])


def not_a_file(tmp_path: Path) -> Path:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    return directory


async def test_the_feature_is_built_on_its_state_file_and_closes_it_once(tmp_path: Path) -> None:
    settings = AlertSettings(alert_channel="C0ALERTS", state_db=tmp_path / "state.db")
    async with open_alerts(bot_settings(), settings, NoClusters()) as alerts:
        assert isinstance(alerts, AlertService)
        feature: Feature = alerts
        assert set(feature.commands()) == {"subscribe", "unsubscribe", "subscriptions", "incidents"}
        await alerts.start()
        await alerts.stop()
        assert await alerts.store.subscriptions() == []  # stopping leaves the store to its owner
    assert (tmp_path / "state.db").exists()


async def test_a_state_file_that_cannot_be_opened_is_refused_with_an_alert_channel(
    tmp_path: Path,
) -> None:
    settings = AlertSettings(alert_channel="C0ALERTS", state_db=not_a_file(tmp_path))
    with pytest.raises(BotConfigError, match=r"alert state file .*CLUSTERS_STATE_DB"):
        async with open_alerts(bot_settings(), settings, NoClusters()):
            pytest.fail("the block must not run")


async def test_without_an_alert_channel_the_bot_runs_without_alerts_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = AlertSettings(alert_channel=None, state_db=not_a_file(tmp_path))
    async with open_alerts(bot_settings(), settings, NoClusters()) as alerts:
        assert alerts is None
    assert "Alerts are off: the alert state file" in caplog.text
