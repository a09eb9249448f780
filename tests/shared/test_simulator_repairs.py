"""The simulator's repair endpoints over raw HTTP: the SDK's paths, shapes and refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from together.types.cluster import Cluster as SDKCluster
from together.types.cluster_list_response import ClusterListResponse
from together.types.clusters.remediation import Remediation as SDKRemediation
from together.types.clusters.remediation_list_response import RemediationListResponse

from shared.simulator import create_app, simulator_state
from shared.simulator.repairs import FINISH_AFTER_S

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer sim-key"}
JSON_TYPE = {"Content-Type": "application/json"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app("demo", clock=lambda: 0.0, now=NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


async def pending_path(http: httpx.AsyncClient) -> str:
    """The path of the demo's pending repair on `rl-sweeps-h200`."""
    listed = (await http.get("/v1/compute/clusters", headers=AUTH)).json()["clusters"]
    cluster = next(c for c in listed if c["cluster_name"] == "rl-sweeps-h200")
    node = next(n for n in cluster["gpu_worker_nodes"] if n.get("latest_remediation"))
    remediation = node["latest_remediation"]
    return (
        f"/v1/compute/clusters/{cluster['cluster_id']}/instances/{node['instance_id']}"
        f"/remediations/{remediation['id']}"
    )


async def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_document_served_is_valid_for_the_sdks_models(
    http: httpx.AsyncClient,
) -> None:
    path = await pending_path(http)
    cluster_path = path.split("/instances/")[0]
    SDKCluster.model_validate(await ok(await http.get(cluster_path, headers=AUTH)))
    node_list = path.rsplit("/", 1)[0]
    RemediationListResponse.model_validate(await ok(await http.get(node_list, headers=AUTH)))
    approved = await ok(await http.post(f"{path}/approve", json={"comment": "go"}, headers=AUTH))
    SDKRemediation.model_validate(approved)
    simulator_state(http.app).timeline(advance_s=FINISH_AFTER_S)  # type: ignore[attr-defined]
    SDKRemediation.model_validate(await ok(await http.get(path, headers=AUTH)))
    everything = await ok(await http.get("/v1/compute/clusters", headers=AUTH))
    ClusterListResponse.model_validate(everything)


async def test_every_node_is_listed_with_the_wildcard_instance(http: httpx.AsyncClient) -> None:
    cluster_path = (await pending_path(http)).split("/instances/")[0]
    listed = await ok(await http.get(f"{cluster_path}/instances/-/remediations", headers=AUTH))
    assert [r["state"] for r in listed["remediations"]] == ["PENDING_APPROVAL"]
    assert listed["has_next"] is False


async def test_a_second_decision_is_a_conflict(http: httpx.AsyncClient) -> None:
    path = await pending_path(http)
    await ok(await http.post(f"{path}/reject", json={"comment": "no"}, headers=AUTH))
    again = await http.post(f"{path}/approve", json={"comment": "yes"}, headers=AUTH)
    assert again.status_code == 409
    assert "not pending approval (state CANCELLED)" in again.json()["error"]["message"]


async def test_host_power_cycle_is_refused_as_an_approval_override(
    http: httpx.AsyncClient,
) -> None:
    path = await pending_path(http)
    body = {"comment": "x", "mode": "REMEDIATION_MODE_HOST_POWER_CYCLE"}
    refused = await http.post(f"{path}/approve", json=body, headers=AUTH)
    assert refused.status_code == 400
    assert (await ok(await http.get(path, headers=AUTH)))["state"] == "PENDING_APPROVAL"


async def test_unknown_ids_are_not_found_and_wrong_methods_not_allowed(
    http: httpx.AsyncClient,
) -> None:
    path = await pending_path(http)
    assert (await http.get("/v1/compute/clusters/nope", headers=AUTH)).status_code == 404
    unknown = path.rsplit("/", 1)[0] + "/rem-x/approve"
    assert (await http.post(unknown, json={}, headers=AUTH)).status_code == 404
    wrong = await http.get(f"{path}/approve", headers=AUTH)
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert (await http.post(f"{path}/approve", json={})).status_code == 401


async def test_the_control_api_makes_a_key_read_only(http: httpx.AsyncClient) -> None:
    path = await pending_path(http)
    keys = {"keys": ["sim-key"]}
    await ok(await http.put("/_sim/read_only_keys", json=keys, headers=JSON_TYPE))
    await ok(await http.get(path, headers=AUTH))
    refused = await http.post(f"{path}/cancel", headers=AUTH)
    assert refused.status_code == 403
    assert "may not approve" in refused.json()["error"]["message"]
