"""The real `clusters-mcp` process, over stdio and over HTTP, with the simulator upstream."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from clusters_devkit.rig import child_env, free_port, run_until_exit
from clusters_devkit.world import Secrets, World
from tests.mcp_server.harness import INITIALIZE, text_of

pytestmark = pytest.mark.e2e

SIM_KEY = "tgp_v1_e2e-sim-key-0123456789"
TOKEN = "e2e-bearer-token-0123456789abcdef"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # Slow the demo's timeline right down, so that no cluster changes while the tests run.
    secrets = Secrets(api_key=SIM_KEY, mcp_token=TOKEN)
    home = tmp_path_factory.mktemp("clusters-mcp")
    with World(home, scenario="demo", time_scale=1000, secrets=secrets) as started:
        yield started


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])  # today's clients' handshake, and 2026's
async def test_over_stdio_a_client_lists_and_calls_the_tools(world: World, mode: str) -> None:
    command, *args = world.mcp_argv()
    params = StdioServerParameters(command=command, args=args, env=child_env(world.mcp_env()))

    async with Client(params, mode=mode) as client:
        tools = (await client.list_tools()).tools
        listed = await client.call_tool("list_clusters", {"needs_attention": True})
        shown = await client.call_tool("get_cluster", {"cluster": "rl-sweeps-h200"})

    assert {tool.name for tool in tools} == {"list_clusters", "get_cluster", "list_remediations"}
    assert not listed.is_error, text_of(listed)
    assert listed.structured_content["total"] == 4
    assert "rl-sweeps-h200 [critical] Degraded" in text_of(listed)
    assert shown.structured_content["name"] == "rl-sweeps-h200"


def test_without_an_api_key_the_server_exits_with_one_line_saying_so(world: World) -> None:
    done = run_until_exit(world.mcp_argv())

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "clusters-mcp: TOGETHER_API_KEY is not set (the Together API key, from api.together.ai)."
    ]


def test_bad_settings_are_refused_naming_each_environment_variable(world: World) -> None:
    env = world.mcp_env(TOGETHER_TIMEOUT_S="-1", MCP_PORT="abc")
    done = run_until_exit(world.mcp_argv(), env=env)

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "clusters-mcp: TOGETHER_TIMEOUT_S is invalid: Input should be greater than 0.",
        "clusters-mcp: MCP_PORT is invalid: Input should be a valid integer, unable to parse "
        "string as an integer.",
    ]
    assert SIM_KEY not in done.stderr


def test_over_http_it_refuses_to_listen_beyond_loopback_without_a_token(world: World) -> None:
    argv = world.mcp_argv("--transport", "http", "--host", "0.0.0.0", "--port", str(free_port()))
    done = run_until_exit(argv, env=world.mcp_env())

    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("clusters-mcp: Refusing to listen on 0.0.0.0 without a token")


def test_over_http_a_port_in_use_is_refused_in_one_line_without_claiming_to_serve(
    world: World,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = world.mcp_argv("--transport", "http", "--port", str(port), "--log-level", "INFO")
        done = run_until_exit(argv, env=world.mcp_env())
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"clusters-mcp: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "choose another --port or MCP_PORT."
    ]


@pytest.fixture(scope="module")
def http_server(world: World) -> str:
    world.start_mcp()
    return world.mcp_url


def post(url: str, **headers: str) -> httpx.Response:
    return httpx.post(
        url,
        json=INITIALIZE,
        headers={"Accept": "application/json, text/event-stream", **headers},
        timeout=10,
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789abcdef"}, {"Authorization": TOKEN}],
)
def test_over_http_a_missing_or_wrong_token_gets_401(
    http_server: str, headers: dict[str, str]
) -> None:
    response = post(http_server, **headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert TOKEN not in response.text


def test_over_http_a_foreign_host_header_is_refused_even_with_the_token(http_server: str) -> None:
    response = post(http_server, Authorization=f"Bearer {TOKEN}", Host="evil.example.com")

    assert response.status_code == 421


def test_over_http_a_foreign_origin_is_refused(http_server: str) -> None:
    response = post(http_server, Authorization=f"Bearer {TOKEN}", Origin="https://evil.example.com")

    assert response.status_code == 403


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_over_http_a_client_with_the_token_calls_a_tool(http_server: str, mode: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(http_server, http_client=http), mode=mode) as client,
    ):
        result = await client.call_tool("list_clusters", {"status": "Degraded"})

    assert not result.is_error, text_of(result)
    assert [c["name"] for c in result.structured_content["clusters"]] == ["rl-sweeps-h200"]
