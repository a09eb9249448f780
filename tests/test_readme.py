"""The README works as pasted: its Python runs, its filter example matches the demo, its commands
say where they live."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from bot.commands import Overview, parse_command
from clusters_devkit.rig import REPO_ROOT, run_until_exit
from shared.enums import ClusterType
from shared.fleet import assess_all
from shared.models import Cluster
from shared.simulator import SimulatorServer, create_app, simulator_state
from shared.timefmt import utcnow

README = (REPO_ROOT / "README.md").read_text()
PROJECT_COMMANDS = ("clusters-bot", "clusters-sim", "clusters-mcp", "python -m ")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.DOTALL | re.MULTILINE)


def section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def demo_fleet() -> list[Cluster]:
    state = simulator_state(create_app("demo", api_key="k", seed=7))
    return [Cluster.model_validate(c) for c in json.loads(state.clusters_body(None))["clusters"]]


@pytest.mark.e2e
def test_the_library_snippet_runs_as_a_script_against_the_simulator(tmp_path: Path) -> None:
    [snippet] = [block for block in code_blocks("python") if "ClustersClient" in block]
    script = tmp_path / "fleet.py"
    script.write_text(snippet)
    with SimulatorServer("demo", api_key="sim-key") as sim:
        env = {"TOGETHER_BASE_URL": sim.url, "TOGETHER_API_KEY": "sim-key"}
        done = run_until_exit([sys.executable, str(script)], env=env, timeout_s=60)
    assert done.returncode == 0, done.stderr
    assert "rl-sweeps-h200" in done.stdout  # the demo's Degraded cluster needs attention


def test_the_filter_example_matches_clusters_of_the_demo_fleet() -> None:
    [example] = re.findall(r"^\| `/clusters (status:\S+ [^`|]*type:\S+)` \|", README, re.M)
    action = parse_command(example).action
    assert isinstance(action, Overview)
    matching = action.filter.apply(assess_all(demo_fleet(), utcnow()))
    assert [a.cluster.cluster_name for a in matching] == ["inference-prod-h100"]


def test_the_values_type_accepts_are_documented_with_the_filters() -> None:
    [row] = [line for line in README.splitlines() if line.startswith("| `/clusters status:")]
    for cluster_type in ClusterType.known():
        assert f"`{cluster_type.value.lower()}`" in row.split("`type:`")[1]


def test_the_venv_is_named_before_any_command_and_every_command_runs_as_pasted() -> None:
    for name in ("clusters-bot", "clusters-sim", "clusters-mcp"):
        first = README.index(f"`{name}")
        paragraph = README[README.rindex("\n\n", 0, first) : README.index("\n\n", first)]
        assert "`.venv/bin`" in paragraph and "activate" in paragraph, name
    assert "bot.sandbox" not in README
    shell = code_blocks("sh") + code_blocks("console") + code_blocks("bash")
    lines = [line.strip() for block in shell for line in block.splitlines()]
    for line in lines:
        for command in PROJECT_COMMANDS:
            if command in line.split("#")[0] and "claude mcp add" not in line:
                before = line.split(command)[0]
                installed = ("/.venv/bin/", ".venv/bin/", "~/.local/bin/", "$ ")  # venv, uv tool
                assert before.endswith(installed) or (
                    command == "python -m " and before.endswith(".venv/bin/")
                ), line


def test_the_sandbox_alone_is_shown_with_the_bot_url_its_printed_command_uses() -> None:
    demo = section("Demo")
    assert ".venv/bin/python -m clusters_devkit --port 8710" in demo
    assert "--bot-url http://127.0.0.1:3005/slack/events" in demo
    assert ".venv/bin/clusters-bot --host 127.0.0.1 --port 3005" in demo
