"""Tool calls are counted by tool and outcome, timed, and never labelled with an argument."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.mcp_server.harness import serve

pytestmark = pytest.mark.anyio


def calls(tool: str, outcome: str) -> float:
    found = REGISTRY.get_sample_value(
        "clusters_mcp_tool_calls_total", {"tool": tool, "outcome": outcome}
    )
    return found or 0.0


def timed(tool: str) -> float:
    return REGISTRY.get_sample_value("clusters_mcp_tool_seconds_count", {"tool": tool}) or 0.0


async def test_a_successful_and_a_failing_tool_call_are_counted_by_outcome() -> None:
    ok_before, error_before = calls("list_clusters", "ok"), calls("get_cluster", "error")
    timed_before = timed("list_clusters")
    async with serve() as harness:
        await harness.call("list_clusters")
        missing = await harness.call("get_cluster", cluster="no-such-cluster-anywhere")
    assert missing.is_error
    assert calls("list_clusters", "ok") == ok_before + 1
    assert calls("get_cluster", "error") == error_before + 1
    assert timed("list_clusters") == timed_before + 1


async def test_an_unknown_tool_is_counted_as_unknown_not_by_its_name() -> None:
    async with serve() as harness:
        before = sum(calls("unknown", outcome) for outcome in ("ok", "error", "failed"))
        result = await harness.call("drop_all_clusters")
    assert result.is_error
    after = sum(calls("unknown", outcome) for outcome in ("ok", "error", "failed"))
    assert after == before + 1
    assert calls("drop_all_clusters", "failed") == 0
