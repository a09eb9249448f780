"""The real `clusters-mcp` process, over stdio and over HTTP, with the simulator upstream."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from shared.simulator.server import SimulatorServer
from tests.mcp_server.harness import text_of

pytestmark = pytest.mark.e2e

COMMAND = str(Path(sys.executable).parent / "clusters-mcp")
SIM_KEY = "tgp_v1_e2e-sim-key-0123456789"
TOKEN = "e2e-bearer-token-0123456789abcdef"
START_TIMEOUT_S = 30.0
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "e2e", "version": "0"},
    },
}


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    # Slow the demo's timeline right down, so that no cluster changes while the tests run.
    with SimulatorServer("demo", api_key=SIM_KEY, time_scale=1000) as sim:
        yield sim


def environment(simulator: SimulatorServer, **extra: str) -> dict[str, str]:
    """Only what the server needs: a real client launches it with little more."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TOGETHER_API_KEY": SIM_KEY,
        "TOGETHER_BASE_URL": simulator.url,
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])  # today's clients' handshake, and 2026's
async def test_over_stdio_a_client_lists_and_calls_the_tools(
    simulator: SimulatorServer, mode: str
) -> None:
    params = StdioServerParameters(command=COMMAND, args=[], env=environment(simulator))

    async with Client(params, mode=mode) as client:
        tools = (await client.list_tools()).tools
        listed = await client.call_tool("list_clusters", {"needs_attention": True})
        shown = await client.call_tool("get_cluster", {"cluster": "rl-sweeps-h200"})

    assert {tool.name for tool in tools} == {"list_clusters", "get_cluster"}
    assert not listed.is_error, text_of(listed)
    assert listed.structured_content["total"] == 4
    assert "rl-sweeps-h200 [critical] Degraded" in text_of(listed)
    assert shown.structured_content["name"] == "rl-sweeps-h200"


def test_without_an_api_key_the_server_exits_with_one_line_saying_so() -> None:
    done = subprocess.run(
        [COMMAND],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "clusters-mcp: TOGETHER_API_KEY is not set (the Together API key, from api.together.ai)"
    ]


def test_over_http_it_refuses_to_listen_beyond_loopback_without_a_token(
    simulator: SimulatorServer,
) -> None:
    done = subprocess.run(
        [COMMAND, "--transport", "http", "--host", "0.0.0.0", "--port", str(free_port())],
        env=environment(simulator),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )

    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("clusters-mcp: Refusing to listen on 0.0.0.0 without a token")


@pytest.fixture(scope="module")
def http_server(
    simulator: SimulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("clusters-mcp") / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [COMMAND, "--transport", "http", "--host", "127.0.0.1", "--port", str(port)],
            env=environment(simulator, MCP_AUTH_TOKEN=TOKEN),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"clusters-mcp exited with {process.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("clusters-mcp did not start listening")


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
