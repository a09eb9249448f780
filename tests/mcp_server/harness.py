"""The MCP server in memory, in front of the simulator in process.

`serve()` wires the real pieces end to end without sockets: an `mcp.Client` talks to the server
built by `create_server`, whose `ClustersClient` reaches the simulator's ASGI app through
`httpx.ASGITransport`. Time is frozen at `NOW` on both sides, so durations are repeatable.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from mcp import Client
from mcp.types import CallToolResult, ReadResourceResult, TextContent, TextResourceContents

from mcp_server.server import create_server
from mcp_server.settings import McpSettings
from shared.client import ClustersClient
from shared.settings import TogetherSettings
from shared.simulator.app import create_app, simulator_state
from shared.simulator.faults import parse_faults
from shared.simulator.state import SimulatorState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
API_KEY = "tgp_v1_sim-key-never-to-be-shown"
BASE_URL = "http://sim/v1"
CHARS_PER_TOKEN = 4
# The first JSON-RPC request of a session, for tests that speak raw HTTP to a running server.
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "tests", "version": "0"},
    },
}


def settings(**overrides: Any) -> TogetherSettings:
    values: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": BASE_URL,
        "max_attempts": 1,
        "cache_ttl_s": 0.0,
    }
    values.update(overrides)
    return TogetherSettings(**values)


async def no_sleep(seconds: float) -> None:
    """Retries wait for nothing in tests."""


@dataclass
class Harness:
    """A connected MCP client and the simulator behind the server."""

    client: Client
    sim: SimulatorState

    async def call(self, tool: str, **arguments: Any) -> CallToolResult:
        return await self.client.call_tool(tool, arguments)

    def fault(self, **fault: Any) -> None:
        self.sim.add_faults(parse_faults(fault))


@asynccontextmanager
async def serve(
    scenario: str = "demo",
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    writes: bool = False,
    client_options: dict[str, Any] | None = None,
    **setting_overrides: Any,
) -> AsyncIterator[Harness]:
    """The server in memory over the simulator running `scenario` (or over `transport`).

    `writes` turns on the write tools (`MCP_ENABLE_WRITES`); `client_options` go to `mcp.Client`
    (an `elicitation_callback`, a protocol `mode`).
    """
    app = create_app(scenario, api_key=API_KEY, clock=lambda: 0.0, now=NOW)
    config = settings(**setting_overrides)
    async with ClustersClient(
        config, transport=transport or httpx.ASGITransport(app=app), sleep=no_sleep
    ) as clusters:
        mcp_settings = McpSettings(enable_writes=writes)
        server = create_server(config, clusters, mcp_settings=mcp_settings, now=lambda: NOW)
        async with Client(server, **(client_options or {})) as client:
            yield Harness(client, simulator_state(app))


def text_of(result: CallToolResult) -> str:
    """The text a model reads."""
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def error_text(result: CallToolResult) -> str:
    """The text a model reads of a result that must be an error."""
    assert result.is_error, text_of(result)
    return text_of(result)


def resource_text(result: ReadResourceResult) -> str:
    """The text of a one-part resource."""
    [content] = result.contents
    assert isinstance(content, TextResourceContents)
    return content.text


def json_of(result: CallToolResult) -> str:
    """The structured content as it travels (compact JSON)."""
    return json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)


def tokens(text: str) -> float:
    return len(text) / CHARS_PER_TOKEN


def names_of(result: CallToolResult) -> list[str]:
    assert result.structured_content is not None, text_of(result)
    return [cluster["name"] for cluster in result.structured_content["clusters"]]
