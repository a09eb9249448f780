"""Starting the real `clusters-bot`: one-line refusals when it cannot work, and Socket Mode."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox import FakeSlack
from shared.simulator import SimulatorServer
from tests.bot.bot_process import BotProcess, bot_environment, run_to_exit
from tests.bot.conftest import all_text
from tests.bot.slack_requests import CHANNEL, SIGNING_SECRET, TEAM, USER

pytestmark = pytest.mark.e2e

BOT_TOKEN = "xoxb-startup-token"
APP_TOKEN = "xapp-startup-token"
TOGETHER_KEY = "sim-key-startup-0123"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, team_id=TEAM) as fake:
        yield fake


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer("demo", api_key=TOGETHER_KEY, seed=5) as server:
        yield server


def complete_env(home: Path, slack: FakeSlack, simulator: SimulatorServer) -> dict[str, str]:
    return bot_environment(
        home,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        TOGETHER_API_KEY=TOGETHER_KEY,
        TOGETHER_BASE_URL=simulator.url,
    )


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        ("SLACK_SIGNING_SECRET", "clusters-bot: SLACK_SIGNING_SECRET is not set"),
        ("SLACK_BOT_TOKEN", "clusters-bot: SLACK_BOT_TOKEN is not set"),
        ("TOGETHER_API_KEY", "clusters-bot: TOGETHER_API_KEY is not set."),
    ],
)
def test_a_missing_variable_is_refused_in_one_line(
    tmp_path: Path, slack: FakeSlack, simulator: SimulatorServer, missing: str, expected: str
) -> None:
    env = complete_env(tmp_path, slack, simulator)
    del env[missing]
    finished = run_to_exit(env)
    assert finished.returncode == 2
    assert finished.stderr.strip().startswith(expected)
    assert len(finished.stderr.strip().splitlines()) == 1


def test_a_token_slack_rejects_is_refused_without_repeating_it(
    tmp_path: Path, slack: FakeSlack, simulator: SimulatorServer
) -> None:
    env = complete_env(tmp_path, slack, simulator)
    env["SLACK_BOT_TOKEN"] = "xoxb-revoked-0000"
    finished = run_to_exit(env)
    assert finished.returncode == 2
    last = finished.stderr.strip().splitlines()[-1]
    assert last == (
        "clusters-bot: Slack rejected SLACK_BOT_TOKEN (invalid_auth); "
        "copy the Bot User OAuth Token again."
    )
    assert "xoxb-revoked" not in finished.stderr
    assert "Traceback" not in finished.stderr


def test_a_malformed_setting_is_named(
    tmp_path: Path, slack: FakeSlack, simulator: SimulatorServer
) -> None:
    env = complete_env(tmp_path, slack, simulator)
    env["TOGETHER_TIMEOUT_S"] = "-1"
    finished = run_to_exit(env)
    assert finished.returncode == 2
    assert finished.stderr.startswith("clusters-bot: TOGETHER_TIMEOUT_S is invalid")


def test_a_port_in_use_is_refused_in_one_line(
    tmp_path: Path, slack: FakeSlack, simulator: SimulatorServer
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = run_to_exit(complete_env(tmp_path, slack, simulator), port=port)
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines()[-1] == (
        f"clusters-bot: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "choose another --port or PORT."
    )


def test_with_an_app_token_the_bot_answers_over_socket_mode(
    tmp_path: Path, slack: FakeSlack, simulator: SimulatorServer
) -> None:
    env = complete_env(tmp_path, slack, simulator)
    del env["SLACK_SIGNING_SECRET"]  # not needed in Socket Mode
    env["SLACK_APP_TOKEN"] = APP_TOKEN
    before = slack.socket_mode.connections
    with BotProcess(env, tmp_path / "bot.log", http=False) as bot:
        assert slack.wait_for(lambda: slack.socket_mode.connections > before, 20), bot.output()
        url = slack.new_response_url(channel=CHANNEL, user=USER)
        envelope = slack.socket_mode.send_envelope(
            "slash_commands",
            {
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "user_id": USER,
                "command": "/clusters",
                "text": "show llm-train",
                "response_url": url,
            },
        )
        assert slack.wait_for(lambda: bool(slack.responses_to(url)), 15), bot.output()
        assert slack.wait_for(lambda: bool(slack.socket_mode.ack_for(envelope)))
        ack, sent = slack.socket_mode.ack_for(envelope), slack.socket_mode.sent_at(envelope)
        assert ack is not None and sent is not None
        assert ack.at - sent < 3
        [answer] = slack.responses_to(url)
        assert "llm-train-b200" in all_text(answer.params["blocks"])
        assert bot.stop() == 0, bot.output()
