"""How `make demo` reads its settings, shields the bot from the user's, and tells what happens."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from clusters_devkit.banner import Addresses, Moment, banner, moments, when
from clusters_devkit.demo import LOG_DIR, DemoConfig, DemoError, run_directory
from clusters_devkit.rig import REPO_ROOT

ADDRESSES = Addresses(
    page="http://127.0.0.1:8700/",
    mcp="http://127.0.0.1:8000/mcp",
    mcp_token="tok-123",
    simulator="http://127.0.0.1:8600/v1",
    api_key="demo-key",
    alerts_channel="cluster-alerts",
    bot="http://127.0.0.1:8701/slack/events",
)
DEMO_TIMELINE = [
    Moment(30, "llm-train-b200 degrades"),
    Moment(90, "its repair is approved"),
    Moment(150, "llm-train-b200 recovers"),
]


def test_without_settings_the_demo_uses_its_documented_defaults() -> None:
    config = DemoConfig.from_env({})
    assert config == DemoConfig(
        seconds=None,
        time_scale=1.0,
        sandbox_port=8700,
        sim_port=8600,
        bot_port=8701,
        mcp_port=8000,
        poll_interval_s=5.0,
    )


def test_demo_seconds_and_time_scale_are_read_from_the_environment() -> None:
    config = DemoConfig.from_env({"DEMO_SECONDS": "20", "DEMO_TIME_SCALE": "0.1"})
    assert (config.seconds, config.time_scale) == (20.0, 0.1)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DEMO_SECONDS", "soon", "DEMO_SECONDS='soon' is not a number"),
        ("DEMO_TIME_SCALE", "0", "DEMO_TIME_SCALE must be at least"),
        ("DEMO_POLL_INTERVAL_S", "1", "DEMO_POLL_INTERVAL_S must be at least 5"),
        ("DEMO_MCP_PORT", "70000", "DEMO_MCP_PORT='70000' is not a port number"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable: str, value: str, says: str) -> None:
    with pytest.raises(DemoError, match=says):
        DemoConfig.from_env({variable: value})


def test_port_zero_becomes_a_free_port_and_a_taken_port_names_its_variable() -> None:
    chosen = DemoConfig(sandbox_port=0, sim_port=0, bot_port=0, mcp_port=0).with_free_ports()
    assert 0 not in (chosen.sandbox_port, chosen.sim_port, chosen.bot_port, chosen.mcp_port)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DemoError, match="set DEMO_BOT_PORT to another port"):
            DemoConfig(sandbox_port=0, sim_port=0, bot_port=port, mcp_port=0).with_free_ports()


@pytest.mark.parametrize(
    ("time_scale", "timeline", "says"),
    [
        pytest.param(
            1.0,
            DEMO_TIMELINE,
            [
                "Slack sandbox  http://127.0.0.1:8700/",
                "MCP server     http://127.0.0.1:8000/mcp",
                "MCP token      tok-123",
                'Authorization: Bearer tok-123"',
                "every 5 s",
            ],
            id="where everything is",
        ),
        pytest.param(
            1.0,
            DEMO_TIMELINE,
            [
                "in ~30 s   llm-train-b200 degrades",
                "-> an alert appears in #cluster-alerts",
                "in ~2 min 30 s llm-train-b200 recovers",
                "the alert is marked resolved",
            ],
            id="the story at normal speed",
        ),
        pytest.param(
            0.1,
            DEMO_TIMELINE,
            ["in ~3 s    llm-train-b200 degrades", "in ~15 s   llm-train-b200 recovers"],
            id="the story at the speed the timeline will play",
        ),
        pytest.param(
            1.0,
            [],
            ["in ~30 s   a cluster degrades", "in ~2 min 30 s it recovers"],
            id="what will happen without a timeline",
        ),
    ],
)
def test_the_banner_says(time_scale: float, timeline: list[Moment], says: list[str]) -> None:
    text = banner(ADDRESSES, time_scale, 5, timeline)
    for line in says:
        assert line in text


def test_the_story_is_read_from_the_simulators_timeline_and_an_odd_one_gives_none() -> None:
    described = {"events": [{"at_s": 30, "description": "llm-train-b200 degrades"}]}
    assert moments(described) == [Moment(30, "llm-train-b200 degrades")]
    assert moments({"events": [{"at_s": "soon"}]}) == []
    assert moments({}) == []


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0.2, "in ~1 s"), (30, "in ~30 s"), (120, "in ~2 min"), (95, "in ~1 min 35 s")],
)
def test_durations_read_like_a_person_says_them(seconds: float, said: str) -> None:
    assert when(seconds) == said


def test_each_run_keeps_its_logs_in_a_new_directory_under_demo_logs(tmp_path: Path) -> None:
    assert DemoConfig.from_env({}).log_dir == LOG_DIR == REPO_ROOT / ".demo-logs"
    assert ".demo-logs/" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    config = DemoConfig.from_env({"DEMO_LOG_DIR": str(tmp_path / "logs")})
    first, second = run_directory(config.log_dir), run_directory(config.log_dir)
    assert first.is_dir() and second.is_dir() and first != second
    assert first.parent == second.parent == tmp_path / "logs"
