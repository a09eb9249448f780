"""The control API under `/_sim/`: how tests and demos steer a running simulator.

No authentication, and answered only for loopback clients (403 otherwise). Requests that change
state must also pass `shared.simulator.same_origin` (JSON bodies, no foreign `Origin`, a loopback
`Host`), so a web page open in a browser cannot steer the simulator:

    GET    /_sim/stats                  requests served on the API, by path and status
    POST   /_sim/reset                  back to the start: clusters, timeline, faults, stats
    GET    /_sim/clusters/{id}          one stored cluster, raw
    POST   /_sim/clusters/{id}          apply a patch: status, phase, nodes, fields
    PUT    /_sim/clusters/{id}          store any JSON under that id (malformed entries too)
    DELETE /_sim/clusters/{id}          remove it
    POST   /_sim/clusters               append any JSON; answers {"key": ...}
    GET    /_sim/faults                 faults waiting
    POST   /_sim/faults                 queue one fault or a list (see `shared.simulator.faults`)
    DELETE /_sim/faults                 clear them
    PUT    /_sim/read_only_keys         {"keys": [...]}: bearer tokens that read but may not
                                        approve, reject or cancel repairs (403); the main key too
    GET    /_sim/timeline               elapsed scenario time and events
    POST   /_sim/timeline               {"paused": true|false} and/or {"advance_s": N}
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.simulator.faults import parse_faults
from shared.simulator.same_origin import cross_site_refusal, is_loopback
from shared.simulator.state import SimulatorState, UnknownClusterError

Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequest(ValueError):
    """A control request the simulator cannot act on."""


__all__ = ["BadRequest", "LoopbackOnly", "control_app", "is_loopback"]


class LoopbackOnly:
    """Answer 403 to clients that are not on this machine, and refuse cross-site requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if not (client and is_loopback(client[0])):
            response = _error(403, "The simulator's control API answers loopback clients only.")
            await response(scope, receive, send)
            return
        if scope["type"] == "http":
            refusal = cross_site_refusal(scope["method"], Headers(scope=scope))
            if refusal is not None:
                await _error(refusal.status, refusal.message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def control_app(state: SimulatorState) -> ASGIApp:
    """The `/_sim` routes over `state`, for mounting at `/_sim`."""

    def endpoint(handler: Callable[[Request], Any]) -> Endpoint:
        async def run(request: Request) -> Response:
            try:
                return JSONResponse(await handler(request))
            except UnknownClusterError as exc:
                return _error(404, str(exc))
            except ValueError as exc:  # BadRequest, PatchError, bad faults or advance
                return _error(400, str(exc))

        return run

    async def stats(request: Request) -> Any:
        return state.stats()

    async def reset(request: Request) -> Any:
        state.reset()
        return {"reset": state.scenario}

    async def get_cluster(request: Request) -> Any:
        return state.cluster(request.path_params["cluster_id"])

    async def patch_cluster(request: Request) -> Any:
        return state.patch_cluster(request.path_params["cluster_id"], await _json(request))

    async def put_cluster(request: Request) -> Any:
        key = request.path_params["cluster_id"]
        state.put_cluster(key, await _json(request))
        return {"key": key}

    async def delete_cluster(request: Request) -> Any:
        state.delete_cluster(request.path_params["cluster_id"])
        return {"deleted": request.path_params["cluster_id"]}

    async def add_cluster(request: Request) -> Any:
        return {"key": state.add_cluster(await _json(request))}

    async def list_faults(request: Request) -> Any:
        return {"faults": state.faults()}

    async def add_faults(request: Request) -> Any:
        return {"pending": state.add_faults(parse_faults(await _json(request)))}

    async def clear_faults(request: Request) -> Any:
        state.clear_faults()
        return {"pending": 0}

    async def set_read_only_keys(request: Request) -> Any:
        body = await _json(request)
        keys = body.get("keys") if isinstance(body, dict) else None
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise BadRequest('Send {"keys": ["key", ...]}.')
        return {"keys": state.set_read_only_keys(keys)}

    async def get_timeline(request: Request) -> Any:
        return state.timeline()

    async def move_timeline(request: Request) -> Any:
        body = await _json(request)
        if not isinstance(body, dict) or set(body) - {"paused", "advance_s"}:
            raise BadRequest('Send {"paused": true|false} and/or {"advance_s": seconds}.')
        paused, advance = body.get("paused"), body.get("advance_s", 0)
        if paused is not None and not isinstance(paused, bool):
            raise BadRequest("'paused' must be true or false.")
        if isinstance(advance, bool) or not isinstance(advance, int | float):
            raise BadRequest("'advance_s' must be a number of seconds.")
        return state.timeline(paused=paused, advance_s=float(advance))

    cluster_path = "/clusters/{cluster_id:path}"
    return LoopbackOnly(
        Router(
            routes=[
                Route("/stats", endpoint(stats), methods=["GET"]),
                Route("/reset", endpoint(reset), methods=["POST"]),
                Route("/clusters", endpoint(add_cluster), methods=["POST"]),
                Route(cluster_path, endpoint(get_cluster), methods=["GET"]),
                Route(cluster_path, endpoint(patch_cluster), methods=["POST"]),
                Route(cluster_path, endpoint(put_cluster), methods=["PUT"]),
                Route(cluster_path, endpoint(delete_cluster), methods=["DELETE"]),
                Route("/faults", endpoint(list_faults), methods=["GET"]),
                Route("/faults", endpoint(add_faults), methods=["POST"]),
                Route("/faults", endpoint(clear_faults), methods=["DELETE"]),
                Route("/read_only_keys", endpoint(set_read_only_keys), methods=["PUT"]),
                Route("/timeline", endpoint(get_timeline), methods=["GET"]),
                Route("/timeline", endpoint(move_timeline), methods=["POST"]),
            ]
        )
    )


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The request body is not JSON ({exc}).") from None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
