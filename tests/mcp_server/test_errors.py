"""Together's failures become `is_error` results saying what happened and what to do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.mcp_server.harness import API_KEY, error_text, serve, text_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 401}, ["rejected the API key (401)", "Set TOGETHER_API_KEY", "do not retry"]),
        (
            {"status": 402},
            ["out of credits (402)", "Add credits to the Together account.", "do not retry"],
        ),
        ({"status": 403}, ["denied access (403)", "TOGETHER_PROJECT_ID"]),
        ({"status": 404}, ["404", "TOGETHER_BASE_URL"]),
        (
            {"status": 429, "headers": {"Retry-After": "7"}, "count": 5},
            ["rate limiting requests (429)", "Try again in 7 s.", "not mean healthy"],
        ),
        ({"status": 429, "count": 5}, ["rate limiting requests (429)", "Try again in a minute."]),
        (
            {"status": 500, "count": 5},
            ["not answering properly (500)", "Try again in a few minutes.", "unknown"],
        ),
        ({"status": 503, "body": "<html><b>Service Unavailable</b></html>", "count": 5}, ["(503)"]),
        ({"status": 400}, ["Together answered 400"]),
        (
            {"malformed": True, "count": 5},
            ["Together's answer was malformed", "Try again once", "tell whoever runs this"],
        ),
        (
            {"drop": True, "count": 5},
            ["could not be reached", "Try again in a minute", "TOGETHER_BASE_URL"],
        ),
    ],
)
async def test_each_together_fault_is_an_error_result_with_what_to_do(
    fault: dict[str, Any], expected: list[str]
) -> None:
    async with serve(max_attempts=2) as h:
        h.fault(**fault)
        listed = await h.call("list_clusters")
        h.sim.clear_faults()
        h.fault(**fault)
        shown = await h.call("get_cluster", cluster="rl-sweeps-h200")

    for result in (listed, shown):
        assert result.is_error
        assert result.structured_content is None
        text = text_of(result)
        for phrase in expected:
            assert phrase in text
        assert "Traceback" not in text
        assert API_KEY not in text


async def test_what_together_said_is_quoted_with_its_request_id() -> None:
    async with serve() as h:
        h.fault(status=403, body={"error": {"message": "not a member of proj-x"}})
        result = await h.call("list_clusters", project_id="proj-x")

    assert 'Together said: "not a member of proj-x"' in text_of(result)
    assert "(request id sim-" in text_of(result)


async def test_a_timeout_says_the_state_is_unknown_not_healthy() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    async with serve(transport=httpx.MockTransport(stall), max_attempts=2) as h:
        text = error_text(await h.call("list_clusters"))

    assert "did not answer in time" in text
    assert "does not mean healthy" in text


async def test_a_rate_limit_that_clears_is_retried_and_the_call_succeeds() -> None:
    async with serve(max_attempts=3) as h:
        h.fault(status=429, headers={"Retry-After": "1"})
        result = await h.call("list_clusters")

    assert not result.is_error
    assert result.structured_content["total"] == 8


async def test_an_unknown_cluster_is_an_error_listing_the_closest_names() -> None:
    async with serve() as h:
        text = error_text(await h.call("get_cluster", cluster="rl-sweep-h200"))

    assert "No cluster matches 'rl-sweep-h200'." in text
    assert "Closest: rl-sweeps-h200" in text
    assert "list_clusters with name=" in text


async def test_an_ambiguous_prefix_is_an_error_listing_the_candidates() -> None:
    async with serve() as h:
        h.sim.add_cluster(
            {
                "cluster_id": "c-2",
                "cluster_name": "inference-canary",
                "status": "Ready",
                "gpu_type": "H100_SXM",
            }
        )
        text = error_text(await h.call("get_cluster", cluster="infer"))

    assert "'infer' matches several clusters: inference-canary, inference-prod-h100." in text
    assert "full name or id" in text


async def test_arguments_of_the_wrong_type_are_refused_before_calling_together() -> None:
    async with serve() as h:
        result = await h.call("list_clusters", limit="many")
        served = h.sim.stats()["requests"]

    text = error_text(result)
    assert "limit" in text
    assert served == 0
