"""`python -m clusters_devkit` serves the page alone and prints how to start a bot against it."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from bot.alerts.settings import AlertSettings
from bot.settings import BotSettings
from clusters_devkit.rig import REPO_ROOT, ChildProcess
from shared.settings import TogetherSettings

pytestmark = pytest.mark.e2e


@contextmanager
def sandbox_alone(**env: str) -> Iterator[tuple[ChildProcess, str]]:
    """The page alone on a free port, and what it printed once ready."""
    argv = [sys.executable, "-m", "clusters_devkit", "--port", "0"]
    with ChildProcess("sandbox", argv, env=env) as page:
        page.wait_for_log("Ctrl-C", timeout_s=30)
        yield page, page.output()


def test_the_sandbox_alone_serves_the_page_and_stops_on_sigterm() -> None:
    with sandbox_alone() as (page, output):
        url = page.wait_for_log(r"Slack sandbox: (http://127\.0\.0\.1:\d+/)").group(1)
        assert httpx.get(url, timeout=5).status_code == 200
        assert "SLACK_API_URL=" in output
        assert "SLACK_SIGNING_SECRET=" in output
        assert page.stop() == 0


def test_secrets_from_the_environment_are_used_but_never_printed() -> None:
    with sandbox_alone(SLACK_BOT_TOKEN="xoxb-mine-123", SLACK_SIGNING_SECRET="my-secret-456") as (
        page,
        output,
    ):
        port = page.wait_for_log(r"127\.0\.0\.1:(\d+)/").group(1)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/auth.test",
            headers={"Authorization": "Bearer xoxb-mine-123"},
            timeout=5,
        )
        assert answer.json()["ok"] is True
    assert "xoxb-mine-123" not in output
    assert "my-secret-456" not in output
    assert "SLACK_SIGNING_SECRET=$SLACK_SIGNING_SECRET" in output


def test_the_printed_bot_command_runs_as_pasted_against_the_bot_url_and_a_simulator() -> None:
    argv = [sys.executable, "-m", "clusters_devkit", "--port", "0"]
    argv += ["--bot-url", "http://127.0.0.1:3005/slack/events"]
    with ChildProcess("sandbox", argv, env={}) as page:
        page.wait_for_log("Ctrl-C", timeout_s=30)
        output = page.output()
        assert page.stop() == 0
    lines = [line.strip() for line in output.splitlines()]
    assert ".venv/bin/clusters-sim --scenario demo --port 8600 --api-key sim-key" in lines
    [line] = [line for line in lines if ".venv/bin/clusters-bot" in line]
    words = shlex.split(line)
    env = dict(word.split("=", 1) for word in words if "=" in word and not word.startswith("-"))
    command = words[len(env) :]
    assert command == [".venv/bin/clusters-bot", "--host", "127.0.0.1", "--port", "3005"]
    assert (REPO_ROOT / command[0]).exists()
    assert env["TOGETHER_BASE_URL"] == "http://127.0.0.1:8600/v1"
    assert env["TOGETHER_API_KEY"] == "sim-key"
    assert env["CLUSTERS_ALERT_CHANNEL"] == "C0ALERTS"
    sandbox_url = re.search(r"Slack sandbox: (http://127\.0\.0\.1:\d+)/", output)
    assert sandbox_url is not None
    assert env["SLACK_API_URL"] == f"{sandbox_url.group(1)}/api/"
    assert env["SLACK_BOT_TOKEN"].startswith("xoxb-") and env["SLACK_SIGNING_SECRET"]
    # Every variable is one the bot reads.
    known = {f"TOGETHER_{name.upper()}" for name in TogetherSettings.model_fields}
    known |= {name.upper() for name in BotSettings.model_fields}
    known |= {f"CLUSTERS_{name.upper()}" for name in AlertSettings.model_fields}
    assert set(env) <= known, set(env) - known
