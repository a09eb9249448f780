"""ClustersClient: single flight, the cache, get_cluster, and closing.

Upstream requests are held behind a gate so that concurrent callers provably overlap.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import anyio
import anyio.lowlevel
import httpx
import pytest

from shared.client import ClusterList, ClustersClient
from shared.errors import (
    AmbiguousClusterError,
    AuthenticationError,
    ClusterNotFoundError,
    PermissionDeniedError,
    TogetherError,
)
from shared.models import InvalidCluster
from tests.shared.client_fakes import FakeTime, Upstream, client_for, clusters_body, make_settings

# --- single flight and cache -------------------------------------------------------------------


class Gate:
    """An upstream handler that holds every request until released."""

    def __init__(self, answer: Callable[[], httpx.Response]) -> None:
        self.answer = answer
        self.release = anyio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        await self.release.wait()
        return self.answer()


async def call_concurrently(
    count: int, call: Callable[[], Awaitable[ClusterList]], gate: Gate
) -> list[ClusterList | BaseException]:
    """Start `count` calls, release the gate once every one has joined, collect the outcomes."""
    outcomes: list[ClusterList | BaseException] = []
    started = 0

    async def one() -> None:
        nonlocal started
        started += 1  # list_clusters joins the flight without awaiting anything first
        try:
            outcomes.append(await call())
        except TogetherError as exc:
            outcomes.append(exc)

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(one)
        while started < count:
            await anyio.lowlevel.checkpoint()
        gate.release.set()
    return outcomes


@pytest.mark.anyio
async def test_fifty_concurrent_callers_share_one_upstream_request() -> None:
    gate = Gate(lambda: httpx.Response(200, json=clusters_body("a", "b")))
    upstream = Upstream(gate)
    async with client_for(upstream) as client:
        outcomes = await call_concurrently(50, client.list_clusters, gate)
        assert client.requests_sent == 1
    assert len(upstream.requests) == 1
    assert len(outcomes) == 50
    for outcome in outcomes:
        assert isinstance(outcome, ClusterList)
        assert [cluster.cluster_name for cluster in outcome] == ["a", "b"]


@pytest.mark.anyio
async def test_a_shared_request_that_fails_fails_for_all_fifty_callers() -> None:
    gate = Gate(lambda: httpx.Response(401, json={"error": {"message": "bad key"}}))
    upstream = Upstream(gate)
    async with client_for(upstream) as client:
        outcomes = await call_concurrently(50, client.list_clusters, gate)
    assert len(upstream.requests) == 1
    assert len(outcomes) == 50
    assert all(isinstance(outcome, AuthenticationError) for outcome in outcomes)


@pytest.mark.anyio
async def test_concurrent_calls_for_different_projects_are_not_shared() -> None:
    gate = Gate(lambda: httpx.Response(200, json=clusters_body("a")))
    upstream = Upstream(gate)
    async with client_for(upstream) as client:
        calls = iter(["p1", "p2"] * 5)
        await call_concurrently(10, lambda: client.list_clusters(next(calls)), gate)
    assert sorted(request.url.params["project_id"] for request in upstream.requests) == ["p1", "p2"]


@pytest.mark.anyio
async def test_without_a_cache_every_sequential_call_asks_again() -> None:
    upstream = Upstream()
    async with client_for(upstream, cache_ttl_s=0) as client:
        for _ in range(3):
            await client.list_clusters()
    assert len(upstream.requests) == 3


@pytest.mark.anyio
async def test_a_cached_result_is_reused_until_its_lifetime_ends() -> None:
    upstream, time = Upstream(), FakeTime()
    async with client_for(upstream, time, cache_ttl_s=30) as client:
        first = await client.list_clusters()
        time.now += 29.9
        second = await client.list_clusters()
        assert len(upstream.requests) == 1
        assert second.fetched_at == first.fetched_at
        time.now += 0.1
        await client.list_clusters()
    assert len(upstream.requests) == 2


@pytest.mark.anyio
async def test_the_cache_is_kept_per_project() -> None:
    upstream = Upstream()
    async with client_for(upstream, cache_ttl_s=30) as client:
        await client.list_clusters("p1")
        await client.list_clusters("p2")
        await client.list_clusters("p1")
    assert [request.url.params["project_id"] for request in upstream.requests] == ["p1", "p2"]


@pytest.mark.anyio
async def test_fresh_skips_the_cache_and_refreshes_it() -> None:
    names = iter(["old", "new", "unused"])
    upstream = Upstream(lambda request: httpx.Response(200, json=clusters_body(next(names))))
    async with client_for(upstream, cache_ttl_s=30) as client:
        await client.list_clusters()
        fresh = await client.list_clusters(fresh=True)
        again = await client.list_clusters()
    assert [cluster.cluster_name for cluster in fresh] == ["new"]
    assert [cluster.cluster_name for cluster in again] == ["new"]
    assert len(upstream.requests) == 2


@pytest.mark.anyio
async def test_failures_are_never_cached() -> None:
    answers = iter([httpx.Response(403), httpx.Response(200, json=clusters_body("a"))])
    upstream = Upstream(lambda request: next(answers))
    async with client_for(upstream, cache_ttl_s=300) as client:
        with pytest.raises(PermissionDeniedError):
            await client.list_clusters()
        result = await client.list_clusters()
    assert [cluster.cluster_name for cluster in result] == ["a"]
    assert len(upstream.requests) == 2


@pytest.mark.anyio
async def test_one_caller_changing_its_list_does_not_change_another_callers() -> None:
    async with client_for(Upstream(), cache_ttl_s=30) as client:
        mine = await client.list_clusters()
        mine.clear()
        mine.invalid.append(InvalidCluster(index=0, errors=["made up"]))
        theirs = await client.list_clusters()
    assert len(theirs) == 1
    assert theirs.invalid == []


# --- get_cluster -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_cluster_finds_by_id_name_or_prefix() -> None:
    body = clusters_body("train-alpha", "train-beta", "infer")
    async with client_for(Upstream(lambda request: httpx.Response(200, json=body))) as client:
        assert (await client.get_cluster("id-infer")).cluster_name == "infer"
        assert (await client.get_cluster("train-beta")).cluster_id == "id-train-beta"
        assert (await client.get_cluster("TRAIN-A")).cluster_name == "train-alpha"
        with pytest.raises(AmbiguousClusterError) as ambiguous:
            await client.get_cluster("train")
    assert ambiguous.value.candidates == ["train-alpha", "train-beta"]


@pytest.mark.anyio
async def test_get_cluster_asks_the_given_project() -> None:
    upstream = Upstream()
    async with client_for(upstream, project_id="default") as client:
        await client.get_cluster("a", project_id="other")
    assert upstream.requests[0].url.params["project_id"] == "other"


@pytest.mark.anyio
async def test_get_cluster_without_a_cache_sends_one_request_when_nothing_matches() -> None:
    upstream = Upstream()
    async with client_for(upstream) as client:
        with pytest.raises(ClusterNotFoundError) as missing:
            await client.get_cluster("zzz")
    assert len(upstream.requests) == 1
    assert missing.value.suggestions == ["a"]


@pytest.mark.anyio
async def test_get_cluster_looks_again_when_a_cached_list_lacks_the_cluster() -> None:
    bodies = iter([clusters_body("old"), clusters_body("old", "just-created")])
    upstream = Upstream(lambda request: httpx.Response(200, json=next(bodies)))
    async with client_for(upstream, cache_ttl_s=60) as client:
        await client.list_clusters()
        found = await client.get_cluster("just-created")
    assert found.cluster_name == "just-created"
    assert len(upstream.requests) == 2


# --- life cycle --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_with_closes_the_connection_pool() -> None:
    upstream = Upstream()
    async with client_for(upstream) as client:
        await client.list_clusters()
        assert not upstream.closed
    assert upstream.closed
    with pytest.raises(RuntimeError, match="closed"):
        await client.list_clusters()


@pytest.mark.anyio
async def test_aclose_closes_the_connection_pool_without_async_with() -> None:
    upstream = Upstream()
    client = client_for(upstream)
    await client.list_clusters()
    await client.aclose()
    assert upstream.closed


@pytest.mark.anyio
async def test_settings_stay_reachable_on_the_client() -> None:
    settings = make_settings(project_id="p")
    async with ClustersClient(settings, transport=Upstream().transport) as client:
        assert client.settings is settings


def test_the_cluster_list_keeps_its_details_when_copied() -> None:
    when = datetime(2025, 1, 2, tzinfo=UTC)
    original = ClusterList([], fetched_at=when, project_id="p")
    copy = original.copy()
    assert isinstance(copy, ClusterList)
    assert (copy.fetched_at, copy.project_id, copy.invalid) == (when, "p", [])
    assert copy.invalid is not original.invalid


@pytest.mark.anyio
async def test_a_fetched_list_shows_no_kube_config_when_printed() -> None:
    async with client_for(Upstream()) as client:
        result = await client.list_clusters()
    assert result[0].kube_config.get_secret_value().startswith("apiVersion")
    assert "cluster-admin-secret" not in repr(result)
    assert "cluster-admin-secret" not in str(result)
