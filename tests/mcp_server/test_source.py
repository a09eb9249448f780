"""FleetSource judges one fetched list once, however many pages are asked of it."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from mcp_server.source import FleetSource
from shared.client import ClustersClient
from shared.simulator.app import create_app
from tests.mcp_server.harness import NOW, settings

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def test_pages_of_one_cached_list_share_one_judgement_until_it_is_5_s_old() -> None:
    app = create_app("demo", api_key=settings().api_key.get_secret_value(), now=NOW)
    transport = httpx.ASGITransport(app=app)
    clock = Clock()
    async with ClustersClient(settings(cache_ttl_s=60), transport=transport) as client:
        source = FleetSource(settings(), client, now=clock)
        first = await source.snapshot()
        clock.now += timedelta(seconds=4)
        assert (await source.snapshot()).assessments is first.assessments
        clock.now += timedelta(seconds=2)
        later = await source.snapshot()
        assert later.assessments is not first.assessments
        assert later.now == clock.now
        assert [a.cluster.cluster_id for a in later.assessments] == [
            a.cluster.cluster_id for a in first.assessments
        ]


async def test_a_new_fetch_is_judged_anew_even_within_5_s() -> None:
    app = create_app("demo", api_key=settings().api_key.get_secret_value(), now=NOW)
    transport = httpx.ASGITransport(app=app)
    async with ClustersClient(settings(cache_ttl_s=0), transport=transport) as client:
        source = FleetSource(settings(), client, now=Clock())
        first = await source.snapshot()
        assert (await source.snapshot()).assessments is not first.assessments
        assert client.requests_sent == 2
