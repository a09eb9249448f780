"""`create_server` with its own clusters client: one pool, a 5 s cache, opened per lifespan."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from mcp import Client

from mcp_server.server import create_server
from shared.settings import TogetherSettings
from shared.simulator.server import SimulatorServer

pytestmark = pytest.mark.anyio

SIM_KEY = "tgp_v1_server-test-key-0123456789"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer("demo", api_key=SIM_KEY, time_scale=1000) as sim:
        yield sim


def served(simulator: SimulatorServer) -> int:
    requests: int = simulator.state.stats()["requests"]
    return requests


async def test_calls_within_five_seconds_share_one_answer_from_together(
    simulator: SimulatorServer,
) -> None:
    settings = TogetherSettings(api_key=SIM_KEY, base_url=simulator.url)
    server = create_server(settings)

    async with Client(server) as client:
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(client.call_tool, "list_clusters", {})
        await client.call_tool("get_cluster", {"cluster": "rl-sweeps-h200"})
        await client.read_resource("clusters://fleet")

    assert served(simulator) == 1


async def test_an_explicit_cache_ttl_of_zero_asks_together_every_time(
    simulator: SimulatorServer,
) -> None:
    settings = TogetherSettings(api_key=SIM_KEY, base_url=simulator.url, cache_ttl_s=0)
    server = create_server(settings)

    async with Client(server) as client:
        await client.call_tool("list_clusters", {})
        await client.call_tool("list_clusters", {})

    assert served(simulator) == 2


async def test_the_server_serves_one_session_after_another(simulator: SimulatorServer) -> None:
    settings = TogetherSettings(api_key=SIM_KEY, base_url=simulator.url, cache_ttl_s=0)
    server = create_server(settings)

    for _ in range(2):
        async with Client(server) as client:
            result = await client.call_tool("list_clusters", {"status": "Degraded"})
            assert not result.is_error
            assert result.structured_content["total"] == 1

    assert served(simulator) == 2
