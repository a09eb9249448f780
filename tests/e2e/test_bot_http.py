"""The real `clusters-bot` in HTTP mode, between the Together simulator and a fake Slack.

Every request is signed and POSTed to `/slack/events` as Slack would; answers are read from the
fake Slack's response_url records.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.extension import DETAILS_ACTION
from bot.render.actions import BACK_ACTION, REFRESH_ACTION
from clusters_devkit import FakeSlack, RecordedCall
from clusters_devkit.payloads import button_click_body
from clusters_devkit.world import Secrets, World
from shared.simulator import SimulatorServer
from tests.bot.slack_app import (
    CHANNEL,
    CHANNEL_NAME,
    SIGNING_SECRET,
    USER,
    all_text,
    button_values,
    command_body,
    person,
    signed_headers,
)

pytestmark = pytest.mark.e2e

ACK_DEADLINE_S = 3.0  # Slack's: a slower ack shows the user an error
SECRETS = Secrets(signing_secret=SIGNING_SECRET)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world with its bot running (HTTP mode)."""
    home = tmp_path_factory.mktemp("bot")
    with World(home, scenario="demo", seed=3, secrets=SECRETS) as world:
        env = world.bot_env(
            TOGETHER_TIMEOUT_S="3", TOGETHER_MAX_ATTEMPTS="2", TOGETHER_CACHE_TTL_S="0"
        )
        world.start_bot(env)
        yield world


@pytest.fixture(scope="module")
def simulator(bot: World) -> SimulatorServer:
    return bot.server


@pytest.fixture(scope="module")
def slack(bot: World) -> FakeSlack:
    return bot.slack


@pytest.fixture(autouse=True)
def _no_faults_left(simulator: SimulatorServer) -> Iterator[None]:
    yield
    simulator.control.clear_faults()


class Exchange:
    """One request to the bot: when it was sent, when Slack would have seen the ack, the answer."""

    def __init__(self, response: httpx.Response, sent: float, acked: float, url: str) -> None:
        self.response = response
        self.sent = sent
        self.acked = acked
        self.url = url

    def answer(self, slack: FakeSlack, timeout: float = 15) -> RecordedCall:
        assert slack.wait_for(lambda: bool(slack.responses_to(self.url)), timeout)
        return slack.responses_to(self.url)[0]


def post(bot: World, body: str, headers: dict[str, str], url: str) -> Exchange:
    sent = time.monotonic()
    response = bot.post(body, headers)
    return Exchange(response, sent, time.monotonic(), url)


def command(bot: World, slack: FakeSlack, text: str, **options: Any) -> Exchange:
    url = slack.new_response_url(channel=CHANNEL, user=USER)
    body = command_body(text, response_url=url, **options)
    exchange = post(bot, body, signed_headers(body), url)
    assert exchange.response.status_code == 200, bot.bot_log()
    return exchange


def click(bot: World, slack: FakeSlack, action_id: str, value: str) -> RecordedCall:
    url = slack.new_response_url(channel=CHANNEL, user=USER)
    body = button_click_body(
        person(),
        action_id=action_id,
        value=value,
        response_url=url,
        channel=(CHANNEL, CHANNEL_NAME),
    )
    exchange = post(bot, body, signed_headers(body), url)
    assert exchange.response.status_code == 200
    return exchange.answer(slack)


def test_healthz_answers(bot: World) -> None:
    response = httpx.get(f"{bot.bot_url}/healthz")
    assert response.json() == {"ok": True}


def test_the_overview_is_acked_then_answered(bot: World, slack: FakeSlack) -> None:
    exchange = command(bot, slack, "")
    answer = exchange.answer(slack)
    assert exchange.acked - exchange.sent < ACK_DEADLINE_S
    assert exchange.acked <= answer.at
    assert answer.params["response_type"] == "ephemeral"
    assert "rl-sweeps-h200" in all_text(answer.params["blocks"])


def test_filters_narrow_the_list(bot: World, slack: FakeSlack) -> None:
    text = all_text(
        command(bot, slack, "attention region:us-west-2").answer(slack).params["blocks"]
    )
    assert "batch-embed-l40" in text
    assert "rl-sweeps-h200" not in text  # attention, but in eu-north-1


def test_show_help_and_bad_input(bot: World, slack: FakeSlack) -> None:
    shown = command(bot, slack, "show inference-prod").answer(slack)
    assert shown.params["blocks"][0]["text"]["text"] == "inference-prod-h100"
    assert "reservation ends in" in all_text(shown.params["blocks"])
    helped = all_text(command(bot, slack, "help").answer(slack).params["blocks"])
    assert "`/clusters degraded`" in helped
    bad = all_text(command(bot, slack, "gpu:a100").answer(slack).params["blocks"])
    assert "Unknown GPU type 'a100'" in bad
    assert "*Usage*" in bad


def test_public_answers_land_in_the_channel(bot: World, slack: FakeSlack) -> None:
    answer = command(bot, slack, "degraded public").answer(slack)
    assert answer.params["response_type"] == "in_channel"
    assert "rl-sweeps-h200" in all_text(slack.messages(CHANNEL))


def test_buttons_replace_the_message_they_sit_on(bot: World, slack: FakeSlack) -> None:
    overview = command(bot, slack, "degraded").answer(slack)
    [details] = button_values(overview.params["blocks"], DETAILS_ACTION)
    detail = click(bot, slack, DETAILS_ACTION, details)
    assert detail.params["replace_original"] is True
    assert detail.params["blocks"][0]["text"]["text"] == "rl-sweeps-h200"
    [back] = button_values(detail.params["blocks"], BACK_ACTION)
    again = click(bot, slack, BACK_ACTION, back)
    [refresh] = button_values(again.params["blocks"], REFRESH_ACTION)
    assert json.loads(refresh) == {"q": "degraded"}
    refreshed = click(bot, slack, REFRESH_ACTION, refresh)
    assert "rl-sweeps-h200" in all_text(refreshed.params["blocks"])


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {"status": 401, "body": {"error": {"message": "bad key"}}},
            "Together rejected the API key (401). Together said: bad key. Set TOGETHER_API_KEY",
        ),
        ({"status": 429, "headers": {"Retry-After": "7"}, "count": 2}, "Try again in 7 s"),
        ({"status": 500, "count": 2}, "Together is not answering properly (500)"),
    ],
)
def test_together_failures_are_answered_not_swallowed(
    bot: World,
    slack: FakeSlack,
    simulator: SimulatorServer,
    fault: dict[str, Any],
    expected: str,
) -> None:
    simulator.control.add_faults(fault)
    answer = command(bot, slack, "").answer(slack)
    assert expected in answer.params["text"]
    assert "Traceback" not in str(answer.params)


def test_a_20_second_stall_still_gets_an_ack_within_3_seconds(
    bot: World, slack: FakeSlack, simulator: SimulatorServer
) -> None:
    simulator.control.add_faults({"delay_s": 20, "count": 2})
    exchange = command(bot, slack, "")
    assert exchange.acked - exchange.sent < ACK_DEADLINE_S
    answer = exchange.answer(slack, timeout=30)
    assert exchange.acked < answer.at
    assert "Together did not answer in time" in answer.params["text"]
    assert "Try again later, or raise TOGETHER_TIMEOUT_S." in answer.params["text"]


@pytest.mark.parametrize("how", ["unsigned", "tampered", "stale"])
def test_requests_not_signed_by_slack_are_rejected(bot: World, slack: FakeSlack, how: str) -> None:
    url = slack.new_response_url()
    body = command_body("", response_url=url)
    headers = {
        "unsigned": {"content-type": "application/x-www-form-urlencoded"},
        "tampered": signed_headers(body.replace("ops", "0ps")),
        "stale": signed_headers(body, now=int(time.time()) - 600),
    }[how]
    exchange = post(bot, body, headers, url)
    assert exchange.response.status_code == 401
    assert not slack.wait_for(lambda: bool(slack.responses_to(url)), 0.5)


def test_another_team_is_refused(bot: World, slack: FakeSlack) -> None:
    answer = command(bot, slack, "", team="T0SOMEONEELSE").answer(slack)
    assert "only members of the workspace" in answer.params["text"]
    assert "rl-sweeps-h200" not in str(answer.params)


def test_sigterm_stops_the_bot_cleanly(tmp_path: Path) -> None:
    with World(tmp_path, scenario="demo") as world:
        world.start_bot()
        assert world.stop_bot() == 0, world.bot_log()
    assert "Traceback" not in world.bot_log()
