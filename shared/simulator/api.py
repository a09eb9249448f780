"""The simulated Together API: `GET /v1/compute/clusters`, with faults served first.

A raw ASGI endpoint rather than a Starlette view, because breaking a connection halfway through a
body needs control of the ASGI messages.
"""

from __future__ import annotations

import hmac
import itertools
import json
from http import HTTPStatus
from typing import Any

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from shared.simulator.faults import TRUNCATED_JSON, Fault
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
    """The `/v1` endpoint: faults first, then the bearer check, then the cluster list."""

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
        if fault is not None and (fault.status is not None or fault.malformed):
            response = _fault_response(fault)
        else:
            response = self._answer(request)
        await response(scope, receive, send_counted)

    def _answer(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.state.api_key.encode()
        ):
            return JSONResponse(INVALID_API_KEY, status_code=401)
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


def _header(request_id: str) -> tuple[bytes, bytes]:
    return (b"x-request-id", request_id.encode())
