"""Fakes for ClustersClient tests: a recording upstream, a clock that moves only when told.

Deliberately small and self-contained (the simulator in `shared.simulator` is the rich fake);
the client's tests need exact control over each answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared.client import ClustersClient
from shared.settings import TogetherSettings

KEY = "tgp_v1_k3y-that-must-never-show"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def cluster_dict(name: str = "train-a", **overrides: Any) -> dict[str, Any]:
    """A valid GPUClusterInfo entry, as the API sends it."""
    entry: dict[str, Any] = {
        "cluster_id": f"id-{name}",
        "cluster_name": name,
        "cluster_type": "KUBERNETES",
        "region": "us-central-8",
        "gpu_type": "H100_SXM",
        "status": "Ready",
        "num_gpus": 8,
        "kube_config": "apiVersion: v1\nusers: [{token: cluster-admin-secret}]",
    }
    entry.update(overrides)
    return entry


def clusters_body(*names: str) -> dict[str, Any]:
    return {"clusters": [cluster_dict(name) for name in names]}


def make_settings(**overrides: Any) -> TogetherSettings:
    values: dict[str, Any] = {
        "api_key": KEY,
        "base_url": "https://api.together.ai/v1",
        "project_id": None,
        "timeout_s": 10.0,
        "max_attempts": 1,
        "cache_ttl_s": 0.0,
    }
    values.update(overrides)
    return TogetherSettings(**values)


class FakeTime:
    """A clock and a sleep that only move when told; sleeps are recorded, never waited."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Upstream:
    """A MockTransport that records requests and answers through `handler`."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.handler = handler or (lambda request: httpx.Response(200, json=clusters_body("a")))
        self.closed = False
        upstream = self

        class _Transport(httpx.MockTransport):
            async def aclose(self) -> None:
                upstream.closed = True

        self.transport = _Transport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.handler(request)
        return response if isinstance(response, httpx.Response) else await response


def client_for(upstream: Upstream, time: FakeTime | None = None, **settings: Any) -> ClustersClient:
    time = time or FakeTime()
    return ClustersClient(
        make_settings(**settings), transport=upstream.transport, sleep=time.sleep, clock=time.clock
    )
