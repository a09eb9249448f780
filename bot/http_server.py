"""HTTP mode: Slack POSTs commands, buttons and events to `/slack/events`; `/healthz` for probes.

Bolt verifies each request's signature (unsigned, tampered or older than 5 minutes -> 401) and
answers as soon as the listener acks. But Bolt reads and parses the whole body before it checks
the signature, so the endpoint is guarded for clients that are not Slack:

- a body over `max_body_bytes` (1 MiB; Slack's are a few kB) gets 413 before it is read, from
  its `Content-Length` or while a chunked body streams in;
- a body Bolt could not parse (not UTF-8, JSON that is not an object) gets 400, and a timestamp
  or signature header that is not even well-formed gets 401, each with one WARNING line;
- a connection that does not deliver a whole request in time is closed, and at most
  `max_connections` are open (`bot.http_connections`).

uvicorn serves the Starlette app; shutdown is driven by the caller's `stop` event, not by
uvicorn's own signal handling, so features stop cleanly too.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.app import BotConfigError
from bot.http_connections import MAX_CONNECTIONS, REQUEST_TIMEOUT_S, GuardedH11Protocol
from bot.metrics import note_denied
from bot.ops_http import ops_routes, quiet_server
from bot.readiness import Readiness
from shared.listening import listening_socket

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024
KEEP_ALIVE_S = 5
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """What the endpoint allows a client before it knows the client is Slack.

    Attributes:
        max_body_bytes: larger bodies get 413 without being read.
        request_timeout_s: a connection must deliver a whole request (headers and body) this
            long after it opened or after its previous response, else it is closed.
        max_connections: beyond it, the connection that has waited longest for a request is
            closed to make room.
    """

    max_body_bytes: int = MAX_BODY_BYTES
    request_timeout_s: float = REQUEST_TIMEOUT_S
    max_connections: int = MAX_CONNECTIONS


class _Refused(Exception):
    """A request refused before Bolt saw it; `reason` is logged and answered as plain text."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def create_http_app(
    app: AsyncApp, *, max_body_bytes: int = MAX_BODY_BYTES, readiness: Readiness | None = None
) -> Starlette:
    """The ASGI app serving `POST /slack/events`, and `GET /healthz`, `/readyz`, `/metrics`."""

    async def events(request: Request) -> Response:
        try:
            bolt_request = await _bolt_request(request, max_body_bytes)
        except _Refused as refused:
            client = request.client.host if request.client is not None else "unknown"
            logger.warning(
                "Refused a request from %s: %s (%d)", client, refused.reason, refused.status
            )
            # Closing the connection: the rest of an unread body is never read.
            return PlainTextResponse(
                refused.reason, status_code=refused.status, headers={"connection": "close"}
            )
        answer = await app.async_dispatch(bolt_request)
        if answer.status == 401:  # metrics hook: Bolt found the signature wrong or stale
            _log_bad_signature(request, bolt_request)
        return to_starlette_response(answer)

    return Starlette(routes=[Route(EVENTS_PATH, events, methods=["POST"]), *ops_routes(readiness)])


def _log_bad_signature(request: Request, bolt_request: AsyncBoltRequest) -> None:
    body = bolt_request.body if isinstance(bolt_request.body, dict) else {}
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    who = {
        "client": request.client.host if request.client is not None else "unknown",
        "claimed_user": user if isinstance(user, str) else None,
        "claimed_team": team if isinstance(team, str) else None,
    }
    note_denied("signature", "the Slack signature is wrong or older than 5 minutes (401)", who)


async def _bolt_request(request: Request, max_body_bytes: int) -> AsyncBoltRequest:
    body = await _read_body(request, max_body_bytes)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(400, "the body is not UTF-8") from None
    _check_signature_headers(request.headers)
    headers: dict[str, str | Sequence[str]] = {}
    for name in request.headers:
        headers[name] = request.headers.getlist(name)
    try:
        # Bolt parses the body here, before any signature check: what it raises is our 400.
        return AsyncBoltRequest(body=text, query=request.url.query, headers=headers)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise _Refused(400, f"the body is not a Slack payload ({type(exc).__name__})") from None


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = _Refused(413, f"the body is larger than {limit} bytes")
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isdigit()
        and (len(declared) > 18 or int(declared) > limit)
    ):
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise too_large
    except ClientDisconnect:
        raise _Refused(400, "the client went away before sending the whole body") from None
    return bytes(body)


def _check_signature_headers(headers: Headers) -> None:
    """Bolt's check raises on these (`int("1.5")`, `int()` of 5,000 digits, a non-ASCII
    `compare_digest`); refuse them first."""
    timestamp = headers.get("x-slack-request-timestamp")
    if timestamp is not None and not (
        timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
    ):
        raise _Refused(401, "X-Slack-Request-Timestamp is not a whole number of seconds")
    signature = headers.get("x-slack-signature")
    if signature is not None and not signature.isascii():
        raise _Refused(401, "X-Slack-Signature is not ASCII")


async def serve_http(
    app: AsyncApp,
    *,
    host: str,
    port: int,
    stop: asyncio.Event,
    on_listening: Callable[[int], Awaitable[None]] | None = None,
    limits: HttpLimits = HttpLimits(),  # frozen, so sharing it is safe
    readiness: Readiness | None = None,
) -> None:
    """Serve `app` on `host:port` until `stop` is set.

    Args:
        app: the Bolt app.
        host: the interface to bind (`0.0.0.0` to take Slack's requests from outside).
        port: the port; 0 picks a free one (reported to `on_listening`).
        stop: set it to shut down gracefully.
        on_listening: awaited with the bound port once the server accepts connections.
        limits: what a client may send and hold open (tests shorten the timeout).
        readiness: what `/readyz` checks (None: always ready).

    Raises:
        BotConfigError: the port could not be bound (in use, or not an address of this host).
    """
    sock = _listen(host, port)
    server = quiet_server(
        create_http_app(app, max_body_bytes=limits.max_body_bytes, readiness=readiness),
        host,
        port,
        graceful_s=5,
        http=GuardedH11Protocol.with_limits(
            request_timeout_s=limits.request_timeout_s, max_connections=limits.max_connections
        ),
        ws="none",  # no websocket routes: an Upgrade is answered as plain HTTP
        timeout_keep_alive=KEEP_ALIVE_S,
    )
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
    try:
        return listening_socket(host, port, backlog=512)
    except OSError as exc:
        raise BotConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port or PORT."
        ) from None
