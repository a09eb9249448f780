"""The README's MCP client setup, run as written by the real clients against the simulator.

`claude mcp add` (Claude Code) and `npx @modelcontextprotocol/inspector --cli` run the README's
commands through bash, with a temporary `HOME`, against `clusters-mcp` and the simulator on
loopback. Only the checkout's path, the keys and the addresses are substituted. The clients are
the pinned versions of `clusters_devkit.npm_clients`; without Node.js or them, these tests skip
locally and fail in CI. The JSON snippets for Claude Desktop, Cursor and VS Code are checked
against the shape each client documents, and the stdio ones start the server for real.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from clusters_devkit import npm_clients
from clusters_devkit.rig import REPO_ROOT, run_until_exit
from clusters_devkit.world import World
from tests import readme_clients as readme
from tests.e2e.needs import tool_missing

# One client run on 2 shared cores: Node starting, then the server starting under it.
CLIENT_TIMEOUT_S = 180.0
# Claude Code waits this long (ms) for a server to answer its health check.
CLAUDE_MCP_TIMEOUT_MS = "120000"
SERVER = "together-clusters"
SERVER_BINARY = str(REPO_ROOT / ".venv" / "bin" / "clusters-mcp")
DEMO_CLUSTERS = ("llm-train-b200", "rl-sweeps-h200", "batch-embed-l40")


def require_clients() -> None:
    """Skip (fail in CI) unless Node.js, npm and the pinned clients are here."""
    reason = npm_clients.missing()
    if reason is not None:
        tool_missing(reason, needed_by="the MCP client tests")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The demo fleet in the simulator and `clusters-mcp` over HTTP with a bearer token."""
    require_clients()
    with World(tmp_path / "world", scenario="demo") as world:
        world.start_mcp()
        yield world


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A new user's home: no client configuration yet."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def placeholders(world: World) -> dict[str, str]:
    return {
        readme.CHECKOUT: str(REPO_ROOT),
        readme.TOGETHER_KEY: world.secrets.api_key,
        readme.SIMULATOR_URL: world.simulator_url,
        readme.SIMULATOR_KEY: world.secrets.api_key,
        readme.MCP_URL: world.mcp_url,
    }


def run_shell(
    command: str, *, home: Path, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`command` run by bash as a user would paste it, with the clients on PATH."""
    variables = {**npm_clients.client_env(home), **(env or {})}
    return run_until_exit(
        ["bash", "-c", command], env=variables, cwd=cwd, timeout_s=CLIENT_TIMEOUT_S
    )


def run_readme_block(
    name: str, world: World, *, home: Path, cwd: Path, env: Mapping[str, str] | None = None
) -> list[subprocess.CompletedProcess[str]]:
    """Every command of the README's block `name`, each of which must succeed."""
    block = readme.substitute(readme.snippet(name), placeholders(world))
    results = []
    for command in readme.shell_commands(block):
        result = run_shell(command, home=home, cwd=cwd, env=env)
        assert result.returncode == 0, (
            f"the README's {name} command failed ({result.returncode}):\n{command}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
        results.append(result)
    return results


def claude_project(home: Path) -> Path:
    """The directory Claude Code runs in (its `local` scope belongs to it)."""
    project = home / "project"
    project.mkdir(exist_ok=True)
    return project


def claude_env(world: World) -> dict[str, str]:
    # Claude Code hands its environment to the stdio servers it starts: this keeps the README's
    # stdio server on the simulator, never on Together.
    return {"MCP_TIMEOUT": CLAUDE_MCP_TIMEOUT_MS, "TOGETHER_BASE_URL": world.simulator_url}


def tool_result(output: str) -> dict[str, Any]:
    """The JSON the Inspector's CLI printed."""
    start = output.index("{")
    parsed: dict[str, Any] = json.loads(output[start:])
    return parsed


def assert_lists_our_tools(output: str) -> None:
    names = {tool["name"] for tool in tool_result(output)["tools"]}
    assert {"list_clusters", "get_cluster"} <= names, names


def assert_lists_the_demo_fleet(output: str) -> None:
    result = tool_result(output)
    assert result.get("isError") is not True, result
    text = "\n".join(part["text"] for part in result["content"] if part["type"] == "text")
    assert "Fleet: 8 clusters" in text, text
    for name in DEMO_CLUSTERS:
        assert name in text, text


# -- Claude Code ---------------------------------------------------------------------------


def claude_server(home: Path, project: Path) -> dict[str, Any]:
    """What `claude mcp add` wrote for our server: the user scope's entry, else the
    project's (`local` scope)."""
    config = json.loads((home / ".claude.json").read_text())
    user: dict[str, Any] = config.get("mcpServers", {})
    local: dict[str, Any] = config.get("projects", {}).get(str(project), {}).get("mcpServers", {})
    found: dict[str, Any] = {**user, **local}[SERVER]
    return found


# The README gives stdio and HTTP as alternatives under one name, so each is a new user's only
# server: Claude Code shows one server per name (the closest scope wins).
@pytest.mark.e2e
def test_claude_code_adds_the_readme_stdio_server_and_lists_it_connected(
    world: World, home: Path
) -> None:
    project = claude_project(home)
    run_readme_block("claude-code-stdio", world, home=home, cwd=project, env=claude_env(world))

    server = claude_server(home, project)
    assert server["command"] == SERVER_BINARY
    assert server["env"] == {"TOGETHER_API_KEY": world.secrets.api_key}
    assert claude_connected(world, home, project) == [SERVER_BINARY]


@pytest.mark.e2e
def test_claude_code_adds_the_readme_http_server_with_its_token_and_lists_it_connected(
    world: World, home: Path
) -> None:
    project = claude_project(home)
    token = {"MCP_AUTH_TOKEN": world.secrets.mcp_token}
    run_readme_block("claude-code-http", world, home=home, cwd=project, env=token)

    server = claude_server(home, project)
    assert server["url"] == world.mcp_url
    assert server["headers"] == {"Authorization": f"Bearer {world.secrets.mcp_token}"}
    assert claude_connected(world, home, project) == [world.mcp_url]


def claude_connected(world: World, home: Path, project: Path) -> list[str]:
    """The endpoints of our server that `claude mcp list` reports as connected."""
    listed = run_shell("claude mcp list", home=home, cwd=project, env=claude_env(world))
    assert listed.returncode == 0, listed.stderr
    return re.findall(rf"^{SERVER}: (\S+).* ✔ Connected$", listed.stdout, re.MULTILINE)


# -- MCP Inspector -------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_inspector_lists_the_tools_and_the_clusters_over_stdio_as_the_readme_says(
    world: World, home: Path
) -> None:
    # npx finds the pinned Inspector in the clients' own directory, never on the registry.
    tools, clusters = run_readme_block("inspector-stdio", world, home=home, cwd=npm_clients.PREFIX)

    assert_lists_our_tools(tools.stdout)
    assert_lists_the_demo_fleet(clusters.stdout)


@pytest.mark.e2e
def test_the_inspector_lists_the_tools_and_the_clusters_over_http_with_the_bearer_token(
    world: World, home: Path
) -> None:
    token = {"MCP_AUTH_TOKEN": world.secrets.mcp_token}
    tools, clusters = run_readme_block(
        "inspector-http", world, home=home, cwd=npm_clients.PREFIX, env=token
    )

    assert_lists_our_tools(tools.stdout)
    assert_lists_the_demo_fleet(clusters.stdout)


@pytest.mark.e2e
def test_the_readme_http_inspector_command_is_refused_with_another_token(
    world: World, home: Path
) -> None:
    block = readme.substitute(readme.snippet("inspector-http"), placeholders(world))
    command = readme.shell_commands(block)[0]

    refused = run_shell(
        command,
        home=home,
        cwd=npm_clients.PREFIX,
        env={"MCP_AUTH_TOKEN": "not-the-token-0123456789"},
    )

    assert refused.returncode != 0
    assert "list_clusters" not in refused.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["claude-desktop", "cursor-stdio"])
def test_the_readme_mcp_servers_json_starts_the_server_in_a_real_client(
    name: str, world: World, home: Path
) -> None:
    config = home / "mcp.json"
    config.write_text(readme.substitute(readme.snippet(name), placeholders(world)))
    # The Inspector reads the `mcpServers` format; `-e` adds only the simulator's address to
    # the snippet's own `env`.
    command = (
        f"npx @modelcontextprotocol/inspector@{npm_clients.PINS[npm_clients.INSPECTOR]} --cli"
        f" --config {config} --server {SERVER} -e TOGETHER_BASE_URL={world.simulator_url}"
        " --method tools/call --tool-name list_clusters"
    )

    result = run_shell(command, home=home, cwd=npm_clients.PREFIX)

    assert result.returncode == 0, result.stderr[-3000:]
    assert_lists_the_demo_fleet(result.stdout)
