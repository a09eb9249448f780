"""`make demo` starts the simulator, the sandbox, the bot and the MCP server, and stops them all."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clusters_devkit.rig import port_is_free as is_free
from clusters_devkit.rig import run_until_exit
from tests.e2e.demo_harness import (
    RunningDemo,
    all_gone,
    demo_env,
    make_demo,
    python_demo,
    start_demo,
    survivors,
)
from tests.mcp_server.harness import INITIALIZE

pytestmark = pytest.mark.e2e


@pytest.fixture
def running() -> Iterator[list[RunningDemo]]:
    """Demos started by a test; killed afterwards if the test left one running."""
    started: list[RunningDemo] = []
    yield started
    for demo in started:
        demo.kill()


def test_make_demo_with_demo_seconds_runs_everything_then_stops_by_itself(
    running: list[RunningDemo], tmp_path: Path
) -> None:
    demo = start_demo(make_demo(), demo_env(DEMO_SECONDS="4", DEMO_LOG_DIR=str(tmp_path)))
    running.append(demo)
    with httpx.Client(timeout=5) as http:
        page = http.get(demo.address("Slack sandbox"))
        bot = http.get(demo.address("Slack bot").replace("/slack/events", "/healthz"))
        state = http.get(demo.address("Slack sandbox") + "sandbox/api/state").json()
    assert "Slack sandbox" in page.text
    assert bot.status_code == 200
    assert [c["name"] for c in state["channels"]][:2] == ["gpu-ops", "cluster-alerts"]
    assert demo.wait(within_s=60) == 0
    assert "DEMO_SECONDS=4 reached" in demo.output
    assert all_gone([*demo.pids, demo.pid])
    assert all(is_free(port) for port in demo.ports)
    # The logs outlive the demo, where it said they would be.
    [kept] = tmp_path.iterdir()
    assert f"Its logs are in {kept}" in demo.output
    assert "Listening for Slack" in "".join(p.read_text() for p in kept.glob("bot-*.log"))


def test_ctrl_c_on_make_demo_stops_every_process_and_frees_every_port(
    running: list[RunningDemo],
) -> None:
    demo = start_demo(make_demo(), demo_env())
    running.append(demo)
    assert len(demo.pids) == 4  # simulator, bot, MCP server, and the demo holding the sandbox
    assert not any(is_free(port) for port in demo.ports)
    demo.interrupt()
    demo.wait(within_s=30)  # make reports the interrupt with its own status; the demo's is below
    assert "Demo stopped" in demo.output
    assert survivors([*demo.pids, demo.pid]) == []
    assert all(is_free(port) for port in demo.ports)


def test_the_printed_mcp_token_opens_the_mcp_server_and_nothing_else_does(
    running: list[RunningDemo],
) -> None:
    demo = start_demo(python_demo(), demo_env(DEMO_SECONDS="30"))
    running.append(demo)
    url = demo.address("MCP server")
    token = demo.value(r"MCP token\s+(\S+)")
    headers = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(timeout=10) as http:
        without = http.post(url, json=INITIALIZE, headers=headers)
        wrong = http.post(url, json=INITIALIZE, headers={**headers, "Authorization": "Bearer x"})
        right = http.post(
            url, json=INITIALIZE, headers={**headers, "Authorization": f"Bearer {token}"}
        )
    assert (without.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    demo.interrupt()
    demo.wait(within_s=30)


def test_the_bot_uses_only_the_demos_settings_never_the_users(
    running: list[RunningDemo],
) -> None:
    # A real Socket Mode token in the user's shell would take the bot away from the sandbox.
    env = demo_env(SLACK_APP_TOKEN="xapp-real-user-token", TOGETHER_API_KEY="real-user-key")
    demo = start_demo(python_demo(), env)
    running.append(demo)
    with httpx.Client(timeout=5) as http:
        health = http.get(demo.address("Slack bot").replace("/slack/events", "/healthz"))
    assert health.status_code == 200
    demo.interrupt()
    assert demo.wait(within_s=30) == 0


def test_a_taken_port_is_reported_with_the_variable_that_moves_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_until_exit(
            python_demo(), env=demo_env(DEMO_SANDBOX_PORT=str(port)), timeout_s=60
        )
    assert done.returncode == 2
    assert f"port {port} is in use" in done.stderr
    assert "DEMO_SANDBOX_PORT" in done.stderr


def test_when_a_part_dies_the_demo_says_which_and_stops_the_rest(
    running: list[RunningDemo],
) -> None:
    demo = start_demo(python_demo(), demo_env())
    running.append(demo)
    bot_pid = int(demo.value(r"bot: pid (\d+)"))
    os.kill(bot_pid, signal.SIGKILL)
    assert demo.wait(within_s=30) == 1
    assert "the bot stopped unexpectedly" in demo.output
    assert survivors([*demo.pids, demo.pid]) == []
    assert all(is_free(port) for port in demo.ports)
