"""Several `clusters-mcp` replicas behind a load balancer: stateless HTTP needs no sticky sessions.

The "load balancer" is an HTTP transport that sends each request to the next replica in turn,
so a client's initialize, its tools/list and its tools/call each land on a different process.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from clusters_devkit.world import World
from tests.mcp_server.harness import text_of

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


class RoundRobin(httpx2.AsyncHTTPTransport):
    """Sends each request to the next of `ports` in turn, as a load balancer without affinity."""

    def __init__(self, ports: list[int]) -> None:
        super().__init__()
        self._ports = itertools.cycle(ports)
        self.sent_to: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = next(self._ports)
        self.sent_to.append(port)
        request.url = request.url.copy_with(port=port)
        return await super().handle_async_request(request)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with World(tmp_path, scenario="demo", time_scale=1000) as w:
        yield w


def replicas(world: World, count: int, **env: str) -> list[int]:
    ports = []
    for _ in range(count):
        world.start_mcp(env=env)
        ports.append(world.mcp_port)
    return ports


async def call_through(balancer: RoundRobin, world: World) -> tuple[list[str], str]:
    headers = {"Authorization": f"Bearer {world.secrets.mcp_token}"}
    async with (
        httpx2.AsyncClient(transport=balancer, headers=headers, timeout=30) as http,
        Client(streamable_http_client(world.mcp_url, http_client=http), mode="legacy") as client,
    ):
        tools = [tool.name for tool in (await client.list_tools()).tools]
        result = await client.call_tool("list_clusters", {"status": "Degraded"})
    assert not result.is_error, text_of(result)
    return tools, text_of(result)


async def test_with_stateless_http_a_client_spread_over_two_replicas_lists_and_calls_tools(
    world: World,
) -> None:
    balancer = RoundRobin(replicas(world, 2, MCP_STATELESS_HTTP="1"))

    tools, text = await call_through(balancer, world)

    assert "list_clusters" in tools
    assert "rl-sweeps-h200" in text
    assert len(set(balancer.sent_to)) == 2  # both replicas answered part of the conversation


async def test_without_it_a_session_opened_on_one_replica_is_unknown_to_the_other(
    world: World,
) -> None:
    balancer = RoundRobin(replicas(world, 2))

    with pytest.RaisesGroup(
        pytest.RaisesGroup(pytest.RaisesExc(MCPError, match="Session not found"))
    ):
        await call_through(balancer, world)
