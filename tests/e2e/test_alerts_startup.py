"""How `clusters-bot` starts and stops with alerts: refusals in one line, a clean SIGTERM."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.alerts.process import ALERTS, BOT, BOT_TOKEN, TOGETHER_KEY, AlertWorld
from tests.bot.slack_requests import SIGNING_SECRET

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AlertWorld]:
    with AlertWorld(tmp_path) as w:
        yield w


def run_briefly(world: AlertWorld, **env: str) -> subprocess.CompletedProcess[str]:
    variables = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(world.tmp_path),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": world.slack.api_url,
        "TOGETHER_API_KEY": TOGETHER_KEY,
        "TOGETHER_BASE_URL": world.server.url,
        **env,
    }
    return subprocess.run(
        [str(BOT), "--host", "127.0.0.1", "--port", "0"],
        env=variables,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_bad_alert_setting_is_refused_in_one_line(world: AlertWorld) -> None:
    done = run_briefly(world, CLUSTERS_ALERT_ON="degraded,flooding")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert line.startswith("clusters-bot: CLUSTERS_ALERT_ON is invalid")
    assert "unknown alert 'flooding'" in line


def test_a_state_file_that_cannot_be_opened_is_refused_when_alerts_are_configured(
    world: AlertWorld, tmp_path: Path
) -> None:
    not_a_file = tmp_path / "a-directory"
    not_a_file.mkdir()
    done = run_briefly(world, CLUSTERS_ALERT_CHANNEL=ALERTS, CLUSTERS_STATE_DB=str(not_a_file))
    assert done.returncode == 2
    assert "alert state file" in done.stderr and "CLUSTERS_STATE_DB" in done.stderr


def test_the_state_file_is_created_on_first_run_and_sigterm_stops_cleanly(
    world: AlertWorld,
) -> None:
    world.start_bot()
    assert world.state_db.exists()
    assert world.process is not None
    process = world.process
    world.stop_bot()
    assert process.returncode == 0
    assert "Traceback" not in world.log()
