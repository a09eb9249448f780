"""`/healthz`, `/readyz` and `/metrics`: on the HTTP port in HTTP mode, and on
`CLUSTERS_METRICS_PORT` (a small listener of their own) when it is set, in either mode.

- `GET /healthz`: the process is alive (`{"ok": true}`).
- `GET /readyz`: 200 when this replica can do its job, else 503; the JSON body names each check
  and what is wrong (`bot.readiness`).
- `GET /metrics`: Prometheus' text format (`bot.metrics`, `shared.metrics`). The outbox gauges
  are refreshed from the state store first, so a scrape sees them as they are.

None of them needs a token, and none carries a cluster name, a user or a secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import BotConfigError
from bot.readiness import Readiness
from shared.metrics import exposition

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
logger = logging.getLogger(__name__)


def ops_routes(readiness: Readiness | None) -> list[Route]:
    """The three routes; without `readiness` (a bare app in tests) `/readyz` is always ready."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def readyz(request: Request) -> Response:
        if readiness is None:
            return JSONResponse({"ready": True, "checks": {}, "problems": []})
        ready, body = await readiness.report()
        return JSONResponse(body, status_code=200 if ready else 503)

    async def metrics(request: Request) -> Response:
        if readiness is not None:
            await readiness.refresh()
        payload, content_type = exposition()
        return Response(payload, media_type=content_type)

    return [
        Route(HEALTH_PATH, healthz, methods=["GET"]),
        Route(READY_PATH, readyz, methods=["GET"]),
        Route(METRICS_PATH, metrics, methods=["GET"]),
    ]


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the bot's runner owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def quiet_server(
    app: Starlette, host: str, port: int, *, graceful_s: int, **options: Any
) -> uvicorn.Server:
    """A uvicorn server for `app` that logs only warnings (no access log), runs no lifespan and
    leaves the signals to the bot's runner; `options` are more `uvicorn.Config` settings.

    Args:
        app: the ASGI app to serve.
        host: the interface to bind.
        port: the port (0: any free one).
        graceful_s: seconds requests in flight get to finish on shutdown.
        **options: further `uvicorn.Config` keyword arguments.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=graceful_s,
        **options,
    )
    return _Server(config)


async def start_ops_listener(
    stack: contextlib.AsyncExitStack,
    readiness: Readiness,
    host: str,
    port: int,
    stop: asyncio.Event,
) -> None:
    """Serve the three routes on `host:port`; return once listening. The server stops when
    `stack` closes, or when `stop` is set.

    Raises:
        BotConfigError: the port could not be bound.
    """
    server = quiet_server(Starlette(routes=ops_routes(readiness)), host, port, graceful_s=2)
    serving = asyncio.create_task(server.serve())

    async def shut_down() -> None:
        server.should_exit = True
        with contextlib.suppress(SystemExit):
            await serving

    stack.push_async_callback(shut_down)
    while not server.started:
        if serving.done():
            with contextlib.suppress(SystemExit):  # uvicorn exits on a port it cannot bind
                await serving
            raise BotConfigError(
                f"cannot serve metrics on {host}:{port}; choose another CLUSTERS_METRICS_PORT."
            )
        if stop.is_set():
            return
        await asyncio.sleep(0.02)
    logger.info("Serving /metrics, /healthz and /readyz on http://%s:%s", host, port)
