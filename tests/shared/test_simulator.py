"""The simulator in-process: what it serves, its scenarios, timeline, control API, bearer check."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from starlette.applications import Starlette

from shared.parsing import parse_clusters
from shared.simulator import build_scenario, create_app

SPEC = Path(__file__).parents[1] / "data" / "together-compute-clusters.openapi.yaml"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer sim-key"}
JSON_TYPE = {"Content-Type": "application/json"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    spec = yaml.safe_load(SPEC.read_text())
    schema = {"$ref": "#/components/schemas/GPUClusters", "components": spec["components"]}
    return Draft202012Validator(schema)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Starlette:
    return create_app("demo", clock=clock, now=NOW)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def clusters(http: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await http.get("/v1/compute/clusters", params=params, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    result: list[dict[str, Any]] = response.json()["clusters"]
    return result


def by_name(fleet: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["cluster_name"]: c for c in fleet}


def assert_valid(validator: Draft202012Validator, fleet: list[Any]) -> None:
    document = {"clusters": fleet}
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    parsed, invalid = parse_clusters(json.dumps(document).encode())
    assert invalid == []
    assert len(parsed) == len(fleet)


async def valid_cluster(
    http: httpx.AsyncClient, validator: Draft202012Validator, name: str
) -> dict[str, Any]:
    """Cluster `name`, from a listing of the fleet that must match the spec and parse."""
    fleet = await clusters(http)
    assert_valid(validator, fleet)
    return by_name(fleet)[name]


def assert_degraded_since(cluster: dict[str, Any], moment: str) -> None:
    """The cluster is Degraded, and its history says it became so at `moment`."""
    assert cluster["status"] == "Degraded"
    assert cluster["phase_transitions"][-1] == {
        "phase": "CLUSTER_PHASE_DEGRADED",
        "transition_time": moment,
    }


@pytest.mark.anyio
@pytest.mark.parametrize(("scenario", "count"), [("demo", 8), ("large:40", 40), ("empty", 0)])
async def test_every_scenario_serves_documents_that_match_the_spec_and_parse_cleanly(
    validator: Draft202012Validator, scenario: str, count: int
) -> None:
    transport = httpx.ASGITransport(app=create_app(scenario, now=NOW))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        fleet = await clusters(http)
    assert len(fleet) == count
    assert_valid(validator, fleet)


@pytest.mark.anyio
async def test_demo_spans_two_projects_three_regions_and_the_troubles_an_operator_watches(
    http: httpx.AsyncClient,
) -> None:
    fleet = by_name(await clusters(http))
    statuses = Counter(c["status"] for c in fleet.values())
    assert statuses == {
        "Ready": 5,
        "Degraded": 1,
        "InstallingDrivers": 1,
        "OnDemandComputePaused": 1,
    }
    assert {c["project_id"] for c in fleet.values()} == {"proj-research", "proj-inference"}
    assert {c["region"] for c in fleet.values()} == {"us-east-1", "us-west-2", "eu-north-1"}
    assert fleet["llm-train-b200"]["status"] == "Ready"

    degraded = next(c for c in fleet.values() if c["status"] == "Degraded")
    failed = [n for n in degraded["gpu_worker_nodes"] if n["status"] == "Failed"]
    assert len(failed) == 1
    remediation = failed[0]["latest_remediation"]
    assert remediation["state"] == "PENDING_APPROVAL"
    assert remediation["trigger"] == "REMEDIATION_TRIGGER_AUTOMATED"
    assert remediation["mode"] == "REMEDIATION_MODE_HOST_AWARE"
    assert "Xid 79" in remediation["reason"]

    provisioning = next(c for c in fleet.values() if c["status"] == "InstallingDrivers")
    assert "first_ready_at" not in provisioning

    short = [
        c for c in fleet.values() if c["allocated_preemptible_gpus"] < c["desired_preemptible_gpus"]
    ]
    assert [c["status"] for c in short] == ["Ready"]
    assert short[0]["node_lifecycle_events"][0]["reason"] == "TogetherPreempted"

    ending = [
        c
        for c in fleet.values()
        if c["billing_type"] == "RESERVED"
        and datetime.fromisoformat(c["reservation_end_time"]) - NOW < timedelta(days=2)
    ]
    assert len(ending) == 1
    assert any("oidc_config" in c for c in fleet.values())


@pytest.mark.anyio
async def test_each_demo_cluster_history_ends_in_the_phase_of_its_status(
    http: httpx.AsyncClient,
) -> None:
    phase_of = {
        "Ready": "CLUSTER_PHASE_READY",
        "Degraded": "CLUSTER_PHASE_DEGRADED",
        "InstallingDrivers": "CLUSTER_PHASE_INSTALLING_DRIVERS",
        "OnDemandComputePaused": "CLUSTER_PHASE_ON_DEMAND_COMPUTE_PAUSED",
    }
    for cluster in await clusters(http):
        history = cluster["phase_transitions"]
        assert history[0]["phase"] == "CLUSTER_PHASE_QUEUED"
        assert history[-1]["phase"] == phase_of[cluster["status"]]
        times = [t["transition_time"] for t in history]
        assert times == sorted(times)
        for node in cluster["gpu_worker_nodes"] + cluster["control_plane_nodes"]:
            assert node["phase_transitions"][0]["phase"] == "NODE_PHASE_PENDING"


@pytest.mark.anyio
async def test_healthy_clusters_count_their_worker_gpus_and_sxm_nodes_hold_eight(
    http: httpx.AsyncClient,
) -> None:
    for cluster in await clusters(http):
        workers = cluster["gpu_worker_nodes"]
        if cluster["status"] == "Ready":
            assert cluster["num_gpus"] == sum(n["num_gpus"] for n in workers)
            assert cluster["control_plane_ready"] is True
        if cluster["gpu_type"].endswith("_SXM"):
            assert {n["num_gpus"] for n in workers} == {8}


@pytest.mark.anyio
async def test_kube_configs_are_kubeconfig_yaml_with_a_plainly_fake_token(
    http: httpx.AsyncClient,
) -> None:
    for cluster in await clusters(http):
        config = yaml.safe_load(cluster["kube_config"])
        assert config["kind"] == "Config"
        assert config["users"][0]["user"]["token"].startswith("sim-fake-token-")


def test_the_same_seed_gives_the_same_fleet_and_another_seed_a_different_one() -> None:
    first = build_scenario("demo", seed=7, now=NOW).clusters
    again = build_scenario("demo", seed=7, now=NOW).clusters
    other = build_scenario("demo", seed=8, now=NOW).clusters
    assert first == again
    assert {c["cluster_id"] for c in first}.isdisjoint({c["cluster_id"] for c in other})


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic sim-key"}]
)
async def test_a_missing_or_wrong_api_key_gets_401_invalid_api_key(
    http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await http.get("/v1/compute/clusters", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "message": "Invalid API key",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }


@pytest.mark.anyio
async def test_the_accepted_api_key_is_configurable() -> None:
    transport = httpx.ASGITransport(app=create_app("empty", api_key="other-key"))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert (await http.get("/v1/compute/clusters", headers=AUTH)).status_code == 401
        ok = await http.get("/v1/compute/clusters", headers={"Authorization": "Bearer other-key"})
    assert ok.json() == {"clusters": []}


@pytest.mark.anyio
@pytest.mark.parametrize("spelling", ["project_id", "projectId"])
async def test_the_project_filter_works_in_both_spellings(
    http: httpx.AsyncClient, spelling: str
) -> None:
    fleet = await clusters(http, **{spelling: "proj-inference"})
    assert len(fleet) == 4
    assert {c["project_id"] for c in fleet} == {"proj-inference"}
    assert await clusters(http, **{spelling: "proj-nobody"}) == []


@pytest.mark.anyio
async def test_an_unknown_api_path_gets_404_in_together_error_shape(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/v1/compute/clusterz", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.anyio
async def test_the_timeline_degrades_llm_train_b200_after_30_s_and_recovers_2_min_later(
    http: httpx.AsyncClient, clock: FakeClock, validator: Draft202012Validator
) -> None:
    clock.now += 29.9
    assert by_name(await clusters(http))["llm-train-b200"]["status"] == "Ready"

    clock.now += 0.1
    cluster = await valid_cluster(http, validator, "llm-train-b200")
    assert_degraded_since(cluster, "2025-06-01T12:00:30Z")
    [failed] = [n for n in cluster["gpu_worker_nodes"] if n["status"] == "Failed"]
    assert failed["phase_transitions"][-1]["phase"] == "NODE_PHASE_FAILED"
    assert failed["latest_remediation"]["state"] == "PENDING_APPROVAL"
    assert failed["latest_remediation"]["trigger"] == "REMEDIATION_TRIGGER_AUTOMATED"

    clock.now += 120
    cluster = await valid_cluster(http, validator, "llm-train-b200")
    assert cluster["status"] == "Ready"
    assert [t["phase"] for t in cluster["phase_transitions"][-2:]] == [
        "CLUSTER_PHASE_DEGRADED",
        "CLUSTER_PHASE_READY",
    ]
    node = next(n for n in cluster["gpu_worker_nodes"] if n["node_id"] == failed["node_id"])
    assert node["status"] == "Running"
    assert node["latest_remediation"]["state"] == "SUCCEEDED"
    assert node["latest_remediation"]["id"] == failed["latest_remediation"]["id"]
    assert node["latest_remediation"]["end_time"] == "2025-06-01T12:02:30Z"


@pytest.mark.anyio
async def test_a_time_scale_of_a_tenth_plays_the_timeline_ten_times_faster(
    clock: FakeClock,
) -> None:
    app = create_app("demo", clock=clock, now=NOW, time_scale=0.1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as h:
        clock.now += 3
        assert by_name(await clusters(h))["llm-train-b200"]["status"] == "Degraded"
        clock.now += 12
        assert by_name(await clusters(h))["llm-train-b200"]["status"] == "Ready"


@pytest.mark.anyio
async def test_a_paused_timeline_stands_still_and_advance_moves_it(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    await http.post("/_sim/timeline", json={"paused": True})
    clock.now += 600
    assert by_name(await clusters(http))["llm-train-b200"]["status"] == "Ready"

    state = (await http.post("/_sim/timeline", json={"advance_s": 30})).json()
    assert state["paused"] is True
    assert [e["applied"] for e in state["events"]] == [True, False, False]
    assert by_name(await clusters(http))["llm-train-b200"]["status"] == "Degraded"


@pytest.mark.anyio
async def test_setting_a_status_and_failing_a_node_shows_in_the_api_with_its_history(
    http: httpx.AsyncClient, clock: FakeClock, validator: Draft202012Validator
) -> None:
    target = by_name(await clusters(http))["inference-prod-h100"]
    node_id = target["gpu_worker_nodes"][0]["node_id"]
    clock.now += 5
    patch = {
        "status": "Degraded",
        "nodes": {node_id: {"status": "Failed", "latest_remediation": {"reason": "IB flapping"}}},
    }
    assert (await http.post(f"/_sim/clusters/{target['cluster_id']}", json=patch)).is_success

    cluster = await valid_cluster(http, validator, "inference-prod-h100")
    assert_degraded_since(cluster, "2025-06-01T12:00:05Z")
    node = cluster["gpu_worker_nodes"][0]
    assert node["phase_transitions"][-1]["phase"] == "NODE_PHASE_FAILED"
    remediation = node["latest_remediation"]
    assert remediation["state"] == "PENDING_APPROVAL"
    assert remediation["reason"] == "IB flapping"
    assert remediation["instance_id"] == node["instance_id"]


@pytest.mark.anyio
async def test_patches_naming_unknown_things_are_refused_and_change_nothing(
    http: httpx.AsyncClient,
) -> None:
    target = by_name(await clusters(http))["inference-prod-h100"]
    url = f"/_sim/clusters/{target['cluster_id']}"
    unknown_node = {"status": "Degraded", "nodes": {"node-nope": {"status": "Failed"}}}
    assert (await http.post(url, json=unknown_node)).status_code == 400
    assert (await http.post(url, json={"stauts": "Degraded"})).status_code == 400
    assert (await http.post(url, content=b"{not json", headers=JSON_TYPE)).status_code == 400
    assert (await http.post("/_sim/clusters/nope", json={"status": "Ready"})).status_code == 404
    assert by_name(await clusters(http))["inference-prod-h100"] == target


@pytest.mark.anyio
async def test_a_malformed_cluster_put_in_place_is_reported_while_the_others_still_parse(
    http: httpx.AsyncClient,
) -> None:
    target = by_name(await clusters(http))["canary-rtx6000"]
    broken = {"cluster_id": target["cluster_id"], "cluster_name": "canary-rtx6000", "status": 7}
    assert (await http.put(f"/_sim/clusters/{target['cluster_id']}", json=broken)).is_success
    response = await http.get("/v1/compute/clusters", headers=AUTH)
    parsed, invalid = parse_clusters(response.content)
    assert len(parsed) == 7
    assert [entry.cluster_name for entry in invalid] == ["canary-rtx6000"]


@pytest.mark.anyio
async def test_raw_entries_can_be_added_and_clusters_deleted(http: httpx.AsyncClient) -> None:
    key = (await http.post("/_sim/clusters", json=["not", "a", "cluster"])).json()["key"]
    fleet: list[Any] = await clusters(http)
    assert fleet[-1] == ["not", "a", "cluster"]
    assert (await http.delete(f"/_sim/clusters/{key}")).is_success
    first = fleet[0]["cluster_id"]
    assert (await http.delete(f"/_sim/clusters/{first}")).is_success
    assert (await http.delete(f"/_sim/clusters/{first}")).status_code == 404
    assert first not in {c["cluster_id"] for c in await clusters(http)}


@pytest.mark.anyio
async def test_reset_brings_back_the_scenario_and_clears_faults_and_counts(
    http: httpx.AsyncClient,
) -> None:
    original = await clusters(http)
    await http.delete(f"/_sim/clusters/{original[0]['cluster_id']}")
    await http.post("/_sim/faults", json={"status": 500, "count": 5})
    assert (await http.post("/_sim/reset", json={})).is_success
    stats = (await http.get("/_sim/stats")).json()
    assert stats["requests"] == 0
    assert stats["faults_pending"] == 0
    assert await clusters(http) == original


@pytest.mark.anyio
async def test_stats_count_requests_by_path_and_status_without_recording_the_key(
    http: httpx.AsyncClient,
) -> None:
    await clusters(http, project_id="proj-research")
    await http.get("/v1/compute/clusters")
    await http.get("/v1/other", headers=AUTH)
    stats = (await http.get("/_sim/stats")).json()
    assert stats["requests"] == 3
    assert stats["by_path"] == {"/v1/compute/clusters": 2, "/v1/other": 1}
    assert stats["by_status"] == {"200": 1, "401": 1, "404": 1}
    assert stats["recent"][0]["query"] == "project_id=proj-research"
    assert "sim-key" not in json.dumps(stats)


@pytest.mark.anyio
async def test_the_control_api_refuses_clients_that_are_not_on_loopback(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert (await http.post("/_sim/reset", json={})).status_code == 403
        assert (await http.get("/v1/compute/clusters", headers=AUTH)).status_code == 200


def test_large_1000_has_eight_workers_per_cluster_a_realistic_status_mix_and_size() -> None:
    fleet = build_scenario("large:1000", seed=0, now=NOW).clusters
    size = len(json.dumps({"clusters": fleet}, separators=(",", ":")))
    assert 5_000_000 < size < 12_000_000
    assert {len(c["gpu_worker_nodes"]) for c in fleet} == {8}
    statuses = Counter(c["status"] for c in fleet)
    assert statuses["Ready"] == 800
    assert statuses["Degraded"] == 80
    assert {"InstallingDrivers", "OnDemandComputePaused", "Paused", "Deleting"} <= set(statuses)
    assert len({c["cluster_name"] for c in fleet}) == 1000


def test_an_unknown_scenario_is_refused_with_the_names_it_accepts() -> None:
    with pytest.raises(ValueError, match="large:N"):
        create_app("huge")
    with pytest.raises(ValueError, match="large:N"):
        create_app("large:0")
