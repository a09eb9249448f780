"""The simulated Together API: `GET /v1/compute/clusters`, with faults served first.

Requests below one cluster (the cluster, its nodes' remediations and the decisions on them) are
answered by `shared.simulator.repair_api`, after the same faults and bearer check.

A raw ASGI endpoint rather than a Starlette view, because breaking a connection halfway through a
body, or dripping and streaming one without end, needs control of the ASGI messages.
"""

from __future__ import annotations

import hmac
import itertools
import json
from collections.abc import Awaitable, Callable
from functools import partial
from http import HTTPStatus
from typing import Any

import anyio
import anyio.lowlevel
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.simulator.faults import ENDLESS_CHUNK, TRUNCATED_JSON, Fault
from shared.simulator.repair_api import ClusterEndpoint
from shared.simulator.state import SimulatorState
from shared.simulator.stats import DROPPED

CLUSTERS_PATH = "/v1/compute/clusters"


class SimulatedDisconnect(httpx.RemoteProtocolError):
    """Raised inside the app to break a connection on purpose (a `drop` fault).

    Under a real server the connection closes mid-body. In-process, `httpx.ASGITransport`
    passes app exceptions through, and since this is an `httpx.TransportError` the client sees
    what it would see on a real broken connection.
    """


def error_document(message: str, *, type_: str, code: str | None) -> dict[str, Any]:
    """An error body in Together's `{"error": {...}}` shape."""
    return {"error": {"message": message, "type": type_, "code": code}}


INVALID_API_KEY = error_document(
    "Invalid API key", type_="invalid_request_error", code="invalid_api_key"
)


class ClustersAPI:
    """The `/v1` endpoint: faults first, then the bearer check, then the cluster list.

    The bearer is the simulator's key, or one of `state.read_only_keys` (reads only).
    """

    def __init__(self, state: SimulatorState) -> None:
        self.state = state
        self._request_ids = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        record = self.state.begin_request(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            user_agent=request.headers.get("user-agent", ""),
        )
        request_id = f"sim-{next(self._request_ids):06d}"

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.state.finish_request(record, message["status"])
                message = {**message, "headers": [*message["headers"], _header(request_id)]}
            await send(message)

        fault = self.state.take_fault()
        if fault is not None and fault.delay_s:
            await anyio.sleep(fault.delay_s)
        if fault is not None and fault.drop:
            self.state.finish_request(record, DROPPED)
            await _drop_connection(send, self.state.clusters_body(None), request_id)
        sender: Send = send_counted
        if fault is not None and fault.drip_s:
            sender = _dripping(send_counted, fault.drip_s)
        answer: Callable[[], Awaitable[None]]
        if fault is not None and fault.endless:
            answer = partial(_endless_body, sender)
        elif fault is not None and (fault.status is not None or fault.malformed):
            answer = partial(_fault_response(fault), scope, receive, sender)
        else:
            answer = partial(self._answer(request), scope, receive, sender)
        if fault is not None and (fault.endless or fault.drip_s):
            await _until_disconnect(receive, answer)
        else:
            await answer()

    def _answer(self, request: Request) -> ASGIApp:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        key = token.strip().encode() if scheme.lower() == "bearer" else b""
        read_only = any(hmac.compare_digest(key, k.encode()) for k in self.state.read_only_keys)
        if not (read_only or hmac.compare_digest(key, self.state.api_key.encode())):
            return JSONResponse(INVALID_API_KEY, status_code=401)
        if (
            request.url.path.startswith(f"{CLUSTERS_PATH}/")
            and request.url.path.rstrip("/") != CLUSTERS_PATH
        ):
            return ClusterEndpoint(self.state, request, may_decide=not read_only)
        if request.url.path.rstrip("/") != CLUSTERS_PATH:
            return JSONResponse(
                error_document(
                    f"Unknown path {request.url.path}; the simulator serves {CLUSTERS_PATH}",
                    type_="invalid_request_error",
                    code="not_found",
                ),
                status_code=404,
            )
        if request.method != "GET":
            return JSONResponse(
                error_document(
                    f"Method {request.method} not allowed",
                    type_="invalid_request_error",
                    code="method_not_allowed",
                ),
                status_code=405,
                headers={"Allow": "GET"},
            )
        # The spec's spelling, and the official SDK's.
        project = request.query_params.get("project_id") or request.query_params.get("projectId")
        return Response(self.state.clusters_body(project), media_type="application/json")


def _fault_response(fault: Fault) -> Response:
    if fault.malformed:
        text = fault.body if isinstance(fault.body, str) else TRUNCATED_JSON
        return Response(text, media_type="application/json", headers=fault.headers)
    status = fault.status or 500
    if isinstance(fault.body, str):
        media = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
        return Response(fault.body, status_code=status, media_type=media, headers=fault.headers)
    body = fault.body if fault.body is not None else _default_error(status)
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/json",
        headers=fault.headers,
    )


def _default_error(status: int) -> dict[str, Any]:
    if status == 401:
        return INVALID_API_KEY
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown status"
    type_ = "invalid_request_error"
    if status == 429:
        type_ = "rate_limit_error"
    elif status >= 500:
        type_ = "server_error"
    return error_document(phrase, type_=type_, code=phrase.lower().replace(" ", "_"))


async def _drop_connection(send: Send, body: bytes, request_id: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                _header(request_id),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
    raise SimulatedDisconnect("The simulator dropped the connection on purpose (a drop fault).")


def _dripping(send: Send, interval_s: float) -> Send:
    """`send`, but each body goes out one byte at a time, `interval_s` apart (a `drip_s` fault)."""

    async def send_slowly(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body: bytes = message.get("body", b"")
        for index in range(len(body)):
            await send(
                {"type": "http.response.body", "body": body[index : index + 1], "more_body": True}
            )
            await anyio.sleep(interval_s)
        await send({**message, "body": b""})

    return send_slowly


async def _endless_body(send: Send) -> None:
    """A 200 whose JSON never ends (an `endless` fault): cluster after cluster, chunk by chunk."""
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json")],
    }
    await send(start)
    await send({"type": "http.response.body", "body": b'{"clusters": [', "more_body": True})
    while True:
        await send({"type": "http.response.body", "body": ENDLESS_CHUNK, "more_body": True})
        await anyio.lowlevel.checkpoint()  # lets the disconnect watcher see the client go


async def _until_disconnect(receive: Receive, answer: Callable[[], Awaitable[None]]) -> None:
    # After a client hangs up, the server drops what is sent without a word: an endless or
    # dripping answer would go on for ever unless someone listens for the disconnect.
    async with anyio.create_task_group() as tasks:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            tasks.cancel_scope.cancel()

        tasks.start_soon(watch)
        await answer()
        tasks.cancel_scope.cancel()


def _header(request_id: str) -> tuple[bytes, bytes]:
    return (b"x-request-id", request_id.encode())
