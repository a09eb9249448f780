"""The MCP server's Prometheus metrics, and `/metrics` and `/healthz` beside `/mcp`.

- `clusters_mcp_tool_calls_total{tool, outcome}`: each `tools/call`, by tool (the tools this
  server has; `unknown` for any other name) and outcome (`ok`, `error`: an error result the
  model sees, `failed`: an exception);
- `clusters_mcp_tool_seconds{tool}`: how long each call took (histogram);
- the Together client's metrics (`shared.metrics`).

Both routes answer without the bearer token: they carry no cluster name, no argument and no
secret (labels are closed sets). Reach them only from where you scrape, as with any exporter.
"""

from __future__ import annotations

import time
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult
from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.log_json import log_context
from shared.metrics import exposition

METRICS_PATH = "/metrics"
HEALTH_PATH = "/healthz"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

TOOL_CALLS = Counter(
    "clusters_mcp_tool_calls", "MCP tool calls, by tool and outcome.", ["tool", "outcome"]
)
TOOL_SECONDS = Histogram(
    "clusters_mcp_tool_seconds", "Duration of MCP tool calls.", ["tool"], buckets=_BUCKETS
)


class ObservedMCPServer(MCPServer[Any]):
    """`MCPServer` whose tool calls are counted and timed, and logged with the tool's name."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        known = {tool.name for tool in await self.list_tools()}
        label = name if name in known else "unknown"
        started = time.perf_counter()
        outcome = "failed"
        try:
            with log_context(tool=label):
                result = await super().call_tool(name, arguments, context)
            is_error = isinstance(result, CallToolResult) and result.is_error
            outcome = "error" if is_error else "ok"
            return result
        finally:
            TOOL_SECONDS.labels(tool=label).observe(time.perf_counter() - started)
            TOOL_CALLS.labels(tool=label, outcome=outcome).inc()


def ops_routes() -> list[Route]:
    """`GET /metrics` (Prometheus text) and `GET /healthz` (`{"ok": true}`), no token."""

    async def metrics(request: Request) -> Response:
        payload, content_type = exposition()
        return Response(payload, media_type=content_type)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return [
        Route(METRICS_PATH, metrics, methods=["GET"]),
        Route(HEALTH_PATH, healthz, methods=["GET"]),
    ]
