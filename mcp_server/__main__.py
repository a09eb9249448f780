"""`clusters-mcp`: serve the clusters MCP server over stdio (default) or Streamable HTTP.

    clusters-mcp                                   # stdio, for Claude Desktop, Cursor, ...
    clusters-mcp --transport http --port 8000      # http://127.0.0.1:8000/mcp

Configuration comes from the environment (`TOGETHER_*` and `MCP_*`); flags override `MCP_*`.
Over stdio, stdout carries the protocol: every log line goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import partial
from typing import Any

import anyio
from pydantic import ValidationError

from mcp_server.http_app import MCP_PATH, PortUnavailable, listen, refusal, serve_http
from mcp_server.server import create_server
from mcp_server.settings import McpSettings
from shared.config_errors import settings_problems
from shared.log_json import command_formatter
from shared.logs import add_log_level_argument, configure_logging
from shared.settings import TogetherSettings
from shared.version import add_version_argument


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="clusters-mcp",
        description="MCP server for Together AI GPU clusters (read-only).",
        epilog="Environment: TOGETHER_API_KEY (required), TOGETHER_BASE_URL, TOGETHER_PROJECT_ID, "
        "MCP_AUTH_TOKEN, MCP_ALLOWED_HOSTS, MCP_ALLOWED_ORIGINS.",
    )
    parser.add_argument("--transport", choices=["stdio", "http"], help="default: stdio")
    parser.add_argument("--host", help="HTTP listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="HTTP port (default 8000)")
    add_log_level_argument(parser, default="warning")
    add_version_argument(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until the client disconnects (stdio) or it is interrupted (HTTP)."""
    args = parse_args(argv)
    # stderr: over stdio, stdout carries the protocol
    log_format = command_formatter("clusters-mcp", os.environ.get("LOG_FORMAT"))
    configure_logging(args.log_level, formatter=log_format)
    overrides: dict[str, Any] = {
        key: value
        for key, value in (("transport", args.transport), ("host", args.host), ("port", args.port))
        if value is not None
    }
    try:
        together, mcp_settings = load_settings(overrides)
    except SettingsRefused as refused:
        for line in refused.problems:
            print(f"clusters-mcp: {line}", file=sys.stderr)
        return 2
    server = create_server(together, mcp_settings=mcp_settings)
    try:
        if mcp_settings.transport == "stdio":
            anyio.run(server.run_stdio_async)
            return 0
        reason = refusal(mcp_settings)
        if reason is not None:
            print(f"clusters-mcp: {reason}", file=sys.stderr)
            return 2
        auth = "bearer token required" if mcp_settings.auth_token else "no token: loopback only"
        host, port = mcp_settings.host, mcp_settings.port
        try:
            sock = listen(host, port)  # before saying "serving": a busy port is one line
        except PortUnavailable as exc:
            print(f"clusters-mcp: {exc}", file=sys.stderr)
            return 2
        print(f"clusters-mcp: serving http://{host}:{port}{MCP_PATH} ({auth})", file=sys.stderr)
        anyio.run(partial(serve_http, server, mcp_settings, sock=sock, log_level=args.log_level))
    except KeyboardInterrupt:
        pass
    return 0


class SettingsRefused(Exception):
    """The environment (or a flag) does not make valid settings; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_settings(overrides: dict[str, Any]) -> tuple[TogetherSettings, McpSettings]:
    """Both settings objects from the environment, `overrides` (the flags) winning for `MCP_*`.

    Raises:
        SettingsRefused: every problem of both, each naming its environment variable.
    """
    problems: list[str] = []
    together: TogetherSettings | None = None
    mcp_settings: McpSettings | None = None
    try:
        together = TogetherSettings()
    except ValidationError as exc:
        problems += settings_problems(exc, TogetherSettings)
    try:
        mcp_settings = McpSettings(**overrides)
    except ValidationError as exc:
        problems += settings_problems(exc, McpSettings)
    if together is None or mcp_settings is None:
        raise SettingsRefused(problems)
    return together, mcp_settings


if __name__ == "__main__":
    sys.exit(main())
