"""How `clusters-bot` starts and stops with alerts: refusals in one line, a clean SIGTERM."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusters_devkit.world import World
from tests.e2e.alert_world import ALERTS, POLL_S

pytestmark = pytest.mark.e2e


def test_a_bad_alert_setting_is_refused_in_one_line(world: World) -> None:
    done = world.run_bot_until_exit(world.bot_env(CLUSTERS_ALERT_ON="degraded,flooding"))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert line.startswith("clusters-bot: CLUSTERS_ALERT_ON is invalid")
    assert "unknown alert 'flooding'" in line


def test_a_state_file_that_cannot_be_opened_is_refused_when_alerts_are_configured(
    world: World, tmp_path: Path
) -> None:
    not_a_file = tmp_path / "a-directory"
    not_a_file.mkdir()
    env = world.bot_env(CLUSTERS_ALERT_CHANNEL=ALERTS, CLUSTERS_STATE_DB=str(not_a_file))
    done = world.run_bot_until_exit(env)
    assert done.returncode == 2
    assert "alert state file" in done.stderr and "CLUSTERS_STATE_DB" in done.stderr


def test_the_state_file_is_created_on_first_run_and_sigterm_stops_cleanly(
    world: World,
) -> None:
    world.start_bot(poll_s=POLL_S)
    assert world.state_db.exists()
    assert world.stop_bot() == 0
    assert "Traceback" not in world.bot_log()
