"""`list_clusters` over the demo fleet: summary, order, every filter, both formats."""

from __future__ import annotations

import json

import pytest

from mcp_server.outputs import ClusterPage
from shared.simulator.scenarios import DEMO_SPECS
from tests.mcp_server.harness import error_text, json_of, names_of, serve, text_of

pytestmark = pytest.mark.anyio

DEMO_NAMES = {spec.name for spec in DEMO_SPECS}


async def test_default_listing_summarizes_the_fleet_and_puts_the_worst_clusters_first() -> None:
    async with serve() as h:
        result = await h.call("list_clusters")

    assert not result.is_error
    page = ClusterPage.model_validate(result.structured_content)
    assert set(names_of(result)) == DEMO_NAMES
    assert (page.total, page.returned, page.next_cursor) == (8, 8, None)
    assert page.fleet.clusters == 8
    assert page.fleet.by_status["Degraded"] == 1
    assert page.fleet.gpus_by_type["H100_SXM"].ordered == 64
    ranks = ["critical", "attention", "unknown", "provisioning", "paused", "healthy"]
    severities = [c.severity for c in page.clusters]
    assert severities == sorted(severities, key=ranks.index)
    assert page.clusters[0].severity == "critical"
    assert "All 8 matching clusters shown" in page.note


async def test_concise_entries_carry_name_id_state_size_nodes_time_and_findings() -> None:
    async with serve() as h:
        result = await h.call("list_clusters", name="rl-sweeps")

    [entry] = result.structured_content["clusters"]
    assert entry["status"] == "Degraded"
    assert entry["severity"] == "critical"
    assert entry["region"] == "eu-north-1"
    assert (entry["gpu"], entry["gpus"]) == ("H200_SXM", 24)
    assert entry["nodes"] == "2/3"
    assert entry["in_status"] == "47 min"
    assert entry["findings"] == ["remediation awaiting approval"]  # nodes 2/3 says the rest
    line = text_of(result).splitlines()[2]
    assert line.startswith("- rl-sweeps-h200 [critical] Degraded for 47 min · ")
    assert entry["id"] in line
    assert "nodes 2/3" in line
    assert "remediation awaiting approval" in line


async def test_text_is_compact_and_not_the_structured_content_repeated() -> None:
    async with serve() as h:
        result = await h.call("list_clusters")

    text = text_of(result)
    assert len(result.content) == 1
    assert not text.lstrip().startswith("{")
    assert len(text) < len(json_of(result))
    assert text.splitlines()[0].startswith("Fleet: 8 clusters, 4 need attention.")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"status": "Degraded"}, {"rl-sweeps-h200"}),
        ({"status": "degraded"}, {"rl-sweeps-h200"}),
        ({"status": "critical"}, {"rl-sweeps-h200", "batch-embed-l40"}),
        ({"status": "provisioning"}, {"vision-finetune-h100"}),
        ({"region": "eu-north-1"}, {"rl-sweeps-h200", "serving-spot-h200", "canary-rtx6000"}),
        (
            {"gpu_type": "h100"},
            {"pretrain-h100-slurm", "vision-finetune-h100", "inference-prod-h100"},
        ),
        ({"gpu_type": "B200_SXM"}, {"llm-train-b200"}),
        ({"name": "H200"}, {"rl-sweeps-h200", "serving-spot-h200"}),
        (
            {"needs_attention": True},
            {"rl-sweeps-h200", "batch-embed-l40", "inference-prod-h100", "serving-spot-h200"},
        ),
        ({"status": "Ready", "region": "us-east-1"}, {"llm-train-b200", "inference-prod-h100"}),
        ({"name": "h100", "needs_attention": True}, {"inference-prod-h100"}),
    ],
)
async def test_each_filter_selects_the_matching_clusters(
    arguments: dict[str, object], expected: set[str]
) -> None:
    async with serve() as h:
        result = await h.call("list_clusters", **arguments)

    assert not result.is_error, text_of(result)
    assert set(names_of(result)) == expected
    assert result.structured_content["total"] == len(expected)


async def test_project_id_is_sent_to_together_and_scopes_the_fleet_summary() -> None:
    async with serve() as h:
        result = await h.call("list_clusters", project_id="proj-inference")
        queries = [r["query"] for r in h.sim.stats()["recent"]]

    assert set(names_of(result)) == {
        "inference-prod-h100",
        "batch-embed-l40",
        "serving-spot-h200",
        "canary-rtx6000",
    }
    assert result.structured_content["fleet"]["clusters"] == 4
    assert "project_id=proj-inference" in queries
    assert result.structured_content["query"].startswith("project:proj-inference")


@pytest.mark.parametrize(
    ("arguments", "named", "listed"),
    [
        ({"status": "Broken"}, "status 'Broken'", ["Degraded", "Scheduled", "critical"]),
        ({"region": "mars-1"}, "region 'mars-1'", ["eu-north-1", "us-east-1", "us-west-2"]),
        ({"gpu_type": "A100"}, "GPU type 'A100'", ["H100_SXM", "B200_SXM"]),
    ],
)
async def test_a_filter_value_that_cannot_match_is_an_error_listing_the_valid_ones(
    arguments: dict[str, object], named: str, listed: list[str]
) -> None:
    async with serve() as h:
        text = error_text(await h.call("list_clusters", **arguments))

    assert f"Unknown {named}" in text
    for value in listed:
        assert value in text


async def test_a_valid_filter_matching_nothing_says_how_to_widen_the_query() -> None:
    async with serve() as h:
        result = await h.call("list_clusters", name="no-such-cluster")

    assert not result.is_error
    assert result.structured_content["total"] == 0
    assert "Drop or loosen a filter" in text_of(result)


async def test_an_empty_fleet_is_reported_as_such() -> None:
    async with serve("empty") as h:
        result = await h.call("list_clusters")

    assert not result.is_error
    assert result.structured_content["fleet"]["clusters"] == 0
    assert "No clusters in this scope." in text_of(result)


async def test_detailed_format_adds_nodes_remediations_history_volumes_and_versions() -> None:
    async with serve() as h:
        result = await h.call("list_clusters", name="rl-sweeps", response_format="detailed")

    [entry] = result.structured_content["clusters"]
    failed = entry["nodes"][0]
    assert failed["status"] == "Failed"
    assert failed["remediation"]["state"] == "PENDING_APPROVAL"
    assert failed["remediation"]["mode"] == "HOST_AWARE"
    assert "fallen off the bus" in failed["remediation"]["reason"]
    assert entry["transitions"][0]["phase"] == "DEGRADED"
    assert entry["events"][0]["reason"] == "TogetherScaledDown"
    assert entry["volumes"][0]["status"] == "Available"
    assert entry["versions"]["cuda"] == "12.6"
    assert {f["kind"] for f in entry["findings"]} == {
        "nodes_not_running",
        "remediation_pending_approval",
    }
    text = text_of(result)
    assert "## rl-sweeps-h200 [critical] Degraded for 47 min" in text
    assert "remediation PENDING_APPROVAL HOST_AWARE" in text


async def test_structured_content_matches_the_advertised_output_schema() -> None:
    async with serve() as h:
        tools = {tool.name: tool for tool in (await h.client.list_tools()).tools}
        concise = await h.call("list_clusters")
        detailed = await h.call("list_clusters", response_format="detailed")

    schema = tools["list_clusters"].output_schema
    assert schema is not None
    for result in (concise, detailed):
        ClusterPage.model_validate(result.structured_content)
        assert set(result.structured_content or {}) <= set(schema["properties"])
    assert json.loads(json_of(concise))["returned"] == 8


async def test_unreadable_entries_are_counted_and_the_rest_still_listed() -> None:
    async with serve() as h:
        h.sim.put_cluster("broken", {"cluster_id": "broken", "cluster_name": "half-made"})
        result = await h.call("list_clusters")

    assert result.structured_content["fleet"]["unreadable"] == 1
    assert len(names_of(result)) == 8
    assert "1 entries from Together could not be read" in text_of(result)


async def test_concise_times_keep_their_largest_unit_and_detailed_times_are_exact() -> None:
    async with serve() as h:
        concise = await h.call("list_clusters", name="inference-prod")
        detailed = await h.call("get_cluster", cluster="inference-prod-h100")

    [entry] = concise.structured_content["clusters"]
    assert entry["in_status"] == "27 d"
    assert detailed.structured_content["in_status"] == "27 d 23 h"
    assert detailed.structured_content["status_since"] == "2026-02-01 12:41 UTC"
