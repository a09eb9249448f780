"""Starting the real `clusters-bot`: one-line refusals when it cannot work, and Socket Mode."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from clusters_devkit.world import TEAM, World
from tests.bot.slack_app import CHANNEL, USER, all_text

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with World(tmp_path_factory.mktemp("startup"), scenario="demo", seed=5) as started:
        yield started


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        ("SLACK_SIGNING_SECRET", "clusters-bot: SLACK_SIGNING_SECRET is not set"),
        ("SLACK_BOT_TOKEN", "clusters-bot: SLACK_BOT_TOKEN is not set"),
        (
            "TOGETHER_API_KEY",
            "clusters-bot: TOGETHER_API_KEY is not set "
            "(the Together API key, from api.together.ai).",
        ),
    ],
)
def test_a_missing_variable_is_refused_in_one_line(
    world: World, missing: str, expected: str
) -> None:
    env = world.bot_env()
    del env[missing]
    finished = world.run_bot_until_exit(env)
    assert finished.returncode == 2
    assert finished.stderr.strip().startswith(expected)
    assert len(finished.stderr.strip().splitlines()) == 1


def test_a_token_slack_rejects_is_refused_without_repeating_it(world: World) -> None:
    finished = world.run_bot_until_exit(world.bot_env(SLACK_BOT_TOKEN="xoxb-revoked-0000"))
    assert finished.returncode == 2
    last = finished.stderr.strip().splitlines()[-1]
    assert last == (
        "clusters-bot: Slack rejected SLACK_BOT_TOKEN (invalid_auth); "
        "copy the Bot User OAuth Token again."
    )
    assert "xoxb-revoked" not in finished.stderr
    assert "Traceback" not in finished.stderr


def test_a_malformed_setting_is_named(world: World) -> None:
    finished = world.run_bot_until_exit(world.bot_env(TOGETHER_TIMEOUT_S="-1"))
    assert finished.returncode == 2
    assert finished.stderr.startswith("clusters-bot: TOGETHER_TIMEOUT_S is invalid")


def test_a_port_in_use_is_refused_in_one_line(world: World) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = world.run_bot_until_exit(port=port)
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines()[-1] == (
        f"clusters-bot: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "choose another --port or PORT."
    )


def test_with_an_app_token_the_bot_answers_over_socket_mode(world: World) -> None:
    env = world.bot_env(SLACK_APP_TOKEN=world.secrets.app_token)
    del env["SLACK_SIGNING_SECRET"]  # not needed in Socket Mode
    slack = world.slack
    before = slack.socket_mode.connections
    world.start_bot(env, http=False)
    try:
        assert slack.wait_for(lambda: slack.socket_mode.connections > before, 20), world.bot_log()
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
        assert slack.wait_for(lambda: bool(slack.responses_to(url)), 15), world.bot_log()
        assert slack.wait_for(lambda: bool(slack.socket_mode.ack_for(envelope)))
        ack, sent = slack.socket_mode.ack_for(envelope), slack.socket_mode.sent_at(envelope)
        assert ack is not None and sent is not None
        assert ack.at - sent < 3
        [answer] = slack.responses_to(url)
        assert "llm-train-b200" in all_text(answer.params["blocks"])
    finally:
        code = world.stop_bot()
    assert code == 0, world.bot_log()
