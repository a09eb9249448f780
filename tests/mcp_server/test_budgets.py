"""Token budgets: concise stays near 60 tokens a cluster; no result ever passes 20,000 tokens.

Tokens are counted as characters / 4, on the text a model reads and, separately, on the
structured content as compact JSON.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp.types import CallToolResult

from tests.mcp_server.harness import Harness, json_of, serve, text_of, tokens

pytestmark = pytest.mark.anyio

RESULT_LIMIT = 20_000
CONCISE_AVERAGE_LIMIT = 60


async def all_pages(h: Harness, **arguments: Any) -> list[CallToolResult]:
    pages = [await h.call("list_clusters", **arguments)]
    while cursor := (pages[-1].structured_content or {})["next_cursor"]:
        pages.append(await h.call("list_clusters", **arguments, cursor=cursor))
    return pages


def per_cluster(pages: list[CallToolResult]) -> tuple[float, float]:
    clusters = sum(p.structured_content["returned"] for p in pages)
    text = sum(tokens(text_of(p)) for p in pages)
    structured = sum(tokens(json_of(p)) for p in pages)
    return text / clusters, structured / clusters


async def test_concise_listing_of_a_thousand_clusters_averages_at_most_60_tokens_each() -> None:
    async with serve("large:1000", cache_ttl_s=600) as h:
        default_pages = await all_pages(h)
        full_pages = await all_pages(h, limit=100)

    for pages in (default_pages, full_pages):
        text, structured = per_cluster(pages)
        assert text <= CONCISE_AVERAGE_LIMIT
        assert structured <= CONCISE_AVERAGE_LIMIT
        # The text a model reads stays within budget on every page, even the all-critical first.
        assert all(per_cluster([page])[0] <= CONCISE_AVERAGE_LIMIT for page in pages)


@pytest.mark.parametrize(("response_format", "limit"), [("concise", 100), ("detailed", 20)])
async def test_no_page_of_a_thousand_clusters_exceeds_20000_tokens(
    response_format: str, limit: int
) -> None:
    async with serve("large:1000", cache_ttl_s=600) as h:
        pages = await all_pages(h, response_format=response_format, limit=limit)

    assert max(tokens(text_of(p)) for p in pages) <= RESULT_LIMIT
    assert max(tokens(json_of(p)) for p in pages) <= RESULT_LIMIT


def monster(index: int) -> dict[str, Any]:
    """A cluster built to be as large as the API could make it: long strings everywhere."""
    long = "x" * 600
    nodes = [
        {
            "node_id": f"node-{index}-{n}-{long}",
            "status": f"Failed {long}",
            "host_name": long,
            "num_gpus": 8,
            "latest_remediation": {
                "id": f"rem-{n}",
                "mode": f"REMEDIATION_MODE_{long}",
                "trigger": "REMEDIATION_TRIGGER_AUTOMATED",
                "state": "PENDING_APPROVAL" if n % 2 else "FAILED",
                "reason": long,
                "error_message": long,
            },
        }
        for n in range(64)
    ]
    return {
        "cluster_id": f"{index}-{long}",
        "cluster_name": f"monster-{index:03d}-{long}",
        "status": f"Weird{index}{long}",
        "gpu_type": f"GPU{index}{long}",
        "region": f"region-{index}-{long}",
        "num_gpus": 512,
        "gpu_worker_nodes": nodes,
        "volumes": [{"volume_id": long, "volume_name": long, "status": long}] * 50,
        "node_lifecycle_events": [
            {"node_id": long, "reason": long, "message": long, "timestamp": "2026-03-01T11:00:00Z"}
        ]
        * 50,
        "cuda_version": long,
        "nvidia_driver_version": long,
        "os_image": long,
    }


async def test_pages_of_pathologically_large_clusters_still_stay_within_budget() -> None:
    async with serve("empty", cache_ttl_s=600) as h:
        for index in range(20):
            h.sim.add_cluster(monster(index))
        pages = {
            fmt: await all_pages(h, response_format=fmt, limit=100 if fmt == "concise" else 20)
            for fmt in ("concise", "detailed")
        }
        single = await h.call("get_cluster", cluster="monster-007")

    for results in pages.values():
        ids = [c["id"] for r in results for c in r.structured_content["clusters"]]
        assert len(ids) == len(set(ids)) == 20
        assert max(tokens(text_of(r)) for r in results) <= RESULT_LIMIT
        assert max(tokens(json_of(r)) for r in results) <= RESULT_LIMIT
    assert len(pages["detailed"]) > 1  # the size budget, not the limit, cut these pages
    assert not single.is_error
    assert tokens(json_of(single)) <= RESULT_LIMIT
    assert tokens(text_of(single)) <= RESULT_LIMIT
