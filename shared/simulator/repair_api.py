"""The simulated API below one cluster: the cluster itself, and its nodes' remediations.

The paths are the official SDK's (`client.clusters.retrieve`, `client.clusters.remediations`):

    GET  /v1/compute/clusters/{cluster_id}
    GET  /v1/compute/clusters/{cluster_id}/instances/{instance_id}/remediations   (`-`: all)
    GET  .../instances/{instance_id}/remediations/{remediation_id}
    POST .../remediations/{remediation_id}/approve   {"comment": str, "mode": optional}
    POST .../remediations/{remediation_id}/reject    {"comment": str}
    POST .../remediations/{remediation_id}/cancel

A key in `SimulatorState.read_only_keys` reads all of them and is refused (403) every decision.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from shared.simulator.repairs import VERBS, RepairError
from shared.simulator.state import SimulatorState, UnknownClusterError

_FORBIDDEN = "permission denied: this API key may not approve, reject or cancel remediations"


class ClusterEndpoint:
    """An ASGI app answering one request under `/v1/compute/clusters/{cluster_id}`."""

    def __init__(self, state: SimulatorState, request: Request, *, may_decide: bool) -> None:
        self.state = state
        self.request = request
        self.may_decide = may_decide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self.request.body()
        response = self._respond(self.request.method, self.request.url.path, body)
        await response(scope, receive, send)

    def _respond(self, method: str, path: str, body: bytes) -> Response:
        # /v1/compute/clusters/{cid}[/instances/{iid}/remediations[/{rid}[/{verb}]]]
        parts = path.strip("/").split("/")[3:]
        shape = len(parts)
        try:
            if shape == 1:
                return self._only(method, "GET") or _json_bytes(self.state.cluster_body(parts[0]))
            if shape >= 4 and parts[1] == "instances" and parts[3] == "remediations":
                cid, iid = parts[0], parts[2]
                if shape == 4:
                    return self._only(method, "GET") or _ok(self.state.remediations(cid, iid))
                if shape == 5:
                    refused = self._only(method, "GET")
                    return refused or _ok(self.state.remediation(cid, iid, parts[4]))
                if shape == 6 and parts[5] in VERBS:
                    return self._only(method, "POST") or self._decide(
                        cid, iid, parts[4], parts[5], body
                    )
        except UnknownClusterError:
            return _error(404, f"cluster {parts[0]} not found", "not_found")
        except RepairError as exc:
            return _error(exc.status, exc.message, exc.code)
        return _error(404, f"Unknown path {path}", "not_found")

    def _decide(self, cid: str, iid: str, rid: str, verb: str, body: bytes) -> Response:
        if not self.may_decide:
            return _error(403, _FORBIDDEN, "permission_denied")
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError:
            return _error(400, "the request body is not JSON", "invalid_argument")
        return _ok(self.state.decide(cid, iid, rid, verb, document))

    def _only(self, method: str, allowed: str) -> Response | None:
        if method == allowed:
            return None
        return JSONResponse(
            _document(f"Method {method} not allowed", "method_not_allowed"),
            status_code=405,
            headers={"Allow": allowed},
        )


def _ok(document: Any) -> Response:
    return JSONResponse(document)


def _json_bytes(content: bytes) -> Response:
    return Response(content, media_type="application/json")


def _document(message: str, code: str) -> dict[str, Any]:
    type_ = "permission_denied" if code == "permission_denied" else "invalid_request_error"
    return {"error": {"message": message, "type": type_, "code": code}}


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(_document(message, code), status_code=status)
