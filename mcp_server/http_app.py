"""Streamable HTTP: the ASGI app at /mcp, its Host/Origin checks, and when to refuse to start.

DNS-rebinding protection is always on, whatever the host (the SDK turns it on by itself only
for a loopback host): a web page in the user's browser must not be able to drive the server
through a hostname that resolves to it.
"""

from __future__ import annotations

import ipaddress
import socket

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from mcp_server.metrics import ops_routes
from mcp_server.settings import McpSettings
from mcp_server.source import FleetSource
from shared.listening import listening_socket

MCP_PATH = "/mcp"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an IP, IPv6 with or without brackets) is this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refusal(settings: McpSettings) -> str | None:
    """Why the HTTP server must not start with these settings, in one line; None if it may."""
    if not is_loopback(settings.host) and settings.auth_token is None:
        return (
            f"Refusing to listen on {settings.host} without a token: anyone who can reach it could "
            "read your clusters. Set MCP_AUTH_TOKEN, or use --host 127.0.0.1."
        )
    return None


def transport_security(settings: McpSettings) -> TransportSecuritySettings:
    """Host and Origin allow-lists: loopback always, the bind address, and the configured ones."""
    hosts = [f"{name}:*" for name in LOOPBACK_NAMES]
    bind = settings.host
    if bind not in _WILDCARD_HOSTS and not is_loopback(bind):
        bind = f"[{bind}]" if ":" in bind else bind
        hosts += [bind, f"{bind}:*"]
    hosts += settings.allowed_hosts
    origins = [f"http://{name}:*" for name in LOOPBACK_NAMES] + settings.allowed_origins
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


def build_http_app(server: MCPServer[FleetSource], settings: McpSettings) -> Starlette:
    """The ASGI app serving `server` at /mcp with the Host/Origin checks of `settings`.

    Bearer authentication is part of `server` itself (see `create_server`).
    """
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=settings.stateless_http,
        transport_security=transport_security(settings),
        host=settings.host,
    )
    app.router.routes.extend(ops_routes())  # metrics hook: /metrics, /healthz, no token
    return app


class PortUnavailable(Exception):
    """The HTTP port cannot be bound; the message says which and what to do."""


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port`, bound before anything says the server is serving.

    Raises:
        PortUnavailable: the port is in use, or the host is not an address of this machine.
    """
    try:
        return listening_socket(host.strip("[]"), port, backlog=128)
    except OSError as exc:
        raise PortUnavailable(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port or MCP_PORT."
        ) from None


async def serve_http(
    server: MCPServer[FleetSource],
    settings: McpSettings,
    *,
    sock: socket.socket | None = None,
    log_level: str = "warning",
) -> None:
    """Serve `server` over Streamable HTTP until interrupted (SIGINT or SIGTERM).

    Args:
        server: the MCP server.
        settings: host, port, token and allowed hosts.
        sock: a socket from `listen` (else one is bound here).
        log_level: uvicorn's.

    Raises:
        PortUnavailable: without `sock`, the port cannot be bound.
    """
    config = uvicorn.Config(
        build_http_app(server, settings),
        host=settings.host,
        port=settings.port,
        log_level=log_level.lower(),
        access_log=False,
    )
    bound = sock if sock is not None else listen(settings.host, settings.port)
    try:
        await uvicorn.Server(config).serve(sockets=[bound])
    finally:
        bound.close()
