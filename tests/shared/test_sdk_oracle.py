"""The official SDK as oracle: everything the simulator serves is a valid `together` Cluster.

`together==3.1.1` (dev group) generates its pydantic models from Together's own OpenAPI spec,
which runs ahead of the seed spec in tests/data/. Validating every served document against them
(each scenario, `demo` at every step of its timeline) keeps the simulator from drifting from the
published API again, as its invented linked-alert shape once did.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from together.types.cluster import Cluster as SDKCluster
from together.types.cluster_list_response import ClusterListResponse
from together.types.clusters.remediation import Remediation as SDKRemediation

from shared.simulator import create_app, simulator_state
from shared.simulator.remediations import FAILURES, new_remediation
from shared.simulator.timeline import APPROVE_AT_S, DEGRADE_AT_S, RECOVER_AT_S

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer sim-key"}
TIME_SCALE = 0.5
STEP_S = 5.0
"""Real seconds per step: 10 scenario seconds at `TIME_SCALE`."""


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


async def served(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get("/v1/compute/clusters", headers=AUTH)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def assert_sdk_valid(document: dict[str, Any]) -> None:
    for raw in document["clusters"]:
        SDKCluster.model_validate(raw)  # one at a time, so a failure names the cluster
    ClusterListResponse.model_validate(document)


def simulator(scenario: str, clock: FakeClock) -> Starlette:
    return create_app(scenario, clock=clock, now=NOW, time_scale=TIME_SCALE)


@asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


@pytest.mark.parametrize("scenario", ["demo", "large:50", "empty"])
async def test_every_document_of_a_scenario_validates_against_the_sdk_cluster_model(
    scenario: str,
) -> None:
    async with serve(simulator(scenario, FakeClock())) as http:
        document = await served(http)
        assert_sdk_valid(document)
        assert len(document["clusters"]) == {"demo": 8, "large:50": 50, "empty": 0}[scenario]


async def test_the_demo_validates_against_the_sdk_at_every_step_of_its_timeline() -> None:
    clock = FakeClock()
    steps = 0
    async with serve(simulator("demo", clock)) as http:
        while (clock.now - 500.0) / TIME_SCALE <= RECOVER_AT_S + 20:
            assert_sdk_valid(await served(http))
            clock.now += STEP_S
            steps += 1
    assert steps > RECOVER_AT_S / (STEP_S / TIME_SCALE)


def failed_node(document: dict[str, Any]) -> dict[str, Any]:
    (target,) = [c for c in document["clusters"] if c["cluster_name"] == "llm-train-b200"]
    nodes: list[dict[str, Any]] = target["gpu_worker_nodes"]
    (node,) = [n for n in nodes if n.get("latest_remediation")]
    return node


async def test_the_demo_failure_carries_the_banners_xid_48_on_its_host_and_moves_on() -> None:
    clock = FakeClock()
    app = simulator("demo", clock)
    (degrade, *_) = simulator_state(app).timeline()["events"]
    async with serve(app) as http:
        clock.now += DEGRADE_AT_S * TIME_SCALE
        node = failed_node(await served(http))
        (alert,) = node["latest_remediation"]["linked_alerts"]
        events = alert["annotation"]["xid"]["events"]
        assert [e["xid_code"] for e in events] == ["48", "63"]
        assert alert["target_vm"] == node["host_name"]
        assert f"{node['host_name']} fails (GPU Xid 48" in degrade["description"]
        started = datetime.fromisoformat(alert["started_at"])
        assert started < datetime.fromisoformat(node["latest_remediation"]["create_time"])

        clock.now += (APPROVE_AT_S - DEGRADE_AT_S) * TIME_SCALE
        approved = failed_node(await served(http))["latest_remediation"]["linked_alerts"][0]
        assert approved["annotation"]["xid"]["events"][0]["count"] > events[0]["count"]
        assert "resolved_at" not in approved

        clock.now += (RECOVER_AT_S - APPROVE_AT_S) * TIME_SCALE
        recovered = failed_node(await served(http))["latest_remediation"]["linked_alerts"][0]
        assert recovered["resolved_at"] > recovered["started_at"]


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.alert_name + ":" + f.reason[:14])
def test_every_catalogued_failure_makes_a_remediation_the_sdk_accepts(failure: Any) -> None:
    node = {"host_name": "gpu-07", "instance_id": "inst-1", "slurm_worker_hostname": "gpu-007"}
    raw = new_remediation(
        remediation_id="rem-1", cluster_id="c-1", node=node, failure=failure, created=NOW
    )
    remediation = SDKRemediation.model_validate(json.loads(json.dumps(raw)))
    (alert,) = remediation.linked_alerts or []
    assert alert.annotation.title == failure.title
    assert bool(alert.annotation.xid) == bool(failure.xids)
    assert bool(alert.annotation.slurm_node_unavailable) == (failure.slurm_reason is not None)
