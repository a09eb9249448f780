"""HTTP mode: Slack POSTs commands, buttons and events to `/slack/events`; `/healthz` for probes.

Bolt verifies each request's signature (unsigned, tampered or older than 5 minutes -> 401) and
answers as soon as the listener acks. uvicorn serves the Starlette app; shutdown is driven by the
caller's `stop` event, not by uvicorn's own signal handling, so features stop cleanly too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import BotConfigError

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
logger = logging.getLogger(__name__)


def create_http_app(app: AsyncApp) -> Starlette:
    """The ASGI app serving `POST /slack/events` and `GET /healthz`."""
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route(HEALTH_PATH, healthz, methods=["GET"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the bot's runner owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_http(
    app: AsyncApp,
    *,
    host: str,
    port: int,
    stop: asyncio.Event,
    on_listening: Callable[[int], Awaitable[None]] | None = None,
) -> None:
    """Serve `app` on `host:port` until `stop` is set.

    Args:
        app: the Bolt app.
        host: the interface to bind (`0.0.0.0` to take Slack's requests from outside).
        port: the port; 0 picks a free one (reported to `on_listening`).
        stop: set it to shut down gracefully.
        on_listening: awaited with the bound port once the server accepts connections.

    Raises:
        BotConfigError: the port could not be bound (in use, or not an address of this host).
    """
    sock = _listen(host, port)
    config = uvicorn.Config(
        create_http_app(app),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                await serving
                raise BotConfigError(f"the HTTP server on {host}:{port} stopped while starting")
            await asyncio.sleep(0.02)
        bound = sock.getsockname()[1]
        logger.info("Listening for Slack on http://%s:%s%s", host, bound, EVENTS_PATH)
        if on_listening is not None:
            await on_listening(bound)
        waiting = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
    finally:
        server.should_exit = True
        await serving
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(512)
    except OSError as exc:
        sock.close()
        raise BotConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port or PORT."
        ) from None
    return sock
