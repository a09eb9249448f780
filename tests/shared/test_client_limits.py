"""A runaway upstream cannot hold a call or fill the memory: the deadline and the body cap.

httpx's own timeout bounds each read, not the body, so an upstream that streams for ever or drips
a byte at a time held a call (and, through single flight, every caller) indefinitely. These bodies
come from async generators behind `httpx.MockTransport`, and from the simulator's `endless` and
`drip_s` faults on a real loopback server. No assertion is on elapsed time: a call that hung
would fail `asyncio.wait_for`'s generous bound instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from shared.client import ClustersClient
from shared.errors import APITimeoutError, ResponseTooLargeError, TogetherError
from shared.simulator import SimulatorServer
from shared.simulator.faults import ENDLESS_CHUNK
from tests.shared.client_fakes import Upstream, client_for, clusters_body, make_settings

HANG_BOUND_S = 30.0  # far beyond any deadline here: reaching it means the call hung
CHUNK = b" " * 65_536
# "Endless" bodies end here, so a client that reads them whole fails quickly instead of hanging.
ENOUGH = 32 * 2**20


class Source:
    """Async byte streams that count what the client pulled from them."""

    def __init__(self) -> None:
        self.bytes_sent = 0

    async def endless(self) -> AsyncIterator[bytes]:
        yield b'{"clusters": ['
        while self.bytes_sent < ENOUGH:
            self.bytes_sent += len(CHUNK)
            yield CHUNK

    async def drip(self, interval_s: float) -> AsyncIterator[bytes]:
        for byte in json.dumps(clusters_body("a")).encode():
            self.bytes_sent += 1
            yield bytes([byte])
            await asyncio.sleep(interval_s)


def real_time_client(upstream: Upstream, **settings: Any) -> ClustersClient:
    return ClustersClient(make_settings(**settings), transport=upstream.transport)


async def failure(client: ClustersClient) -> TogetherError:
    with pytest.raises(TogetherError) as caught:
        await asyncio.wait_for(client.list_clusters(), HANG_BOUND_S)
    return caught.value


@pytest.mark.anyio
async def test_an_endless_body_stops_at_the_cap_with_a_clear_error() -> None:
    source = Source()
    upstream = Upstream(lambda request: httpx.Response(200, content=source.endless()))
    async with real_time_client(upstream, max_response_mb=1) as client:
        error = await failure(client)
    assert isinstance(error, ResponseTooLargeError)
    assert error.limit_bytes == 2**20
    assert "larger than 1 MB (TOGETHER_MAX_RESPONSE_MB)" in str(error)
    assert "raise TOGETHER_MAX_RESPONSE_MB" in str(error)
    assert source.bytes_sent <= 2**20 + len(CHUNK)  # read no further than the chunk past it
    assert len(upstream.requests) == 1  # a body too large is not worth asking for again


@pytest.mark.anyio
async def test_a_declared_length_over_the_cap_is_refused_before_reading_the_body() -> None:
    source = Source()
    huge = {"content-length": str(10 * 2**20)}
    upstream = Upstream(lambda request: httpx.Response(200, headers=huge, content=source.endless()))
    async with real_time_client(upstream, max_response_mb=1) as client:
        error = await failure(client)
    assert isinstance(error, ResponseTooLargeError)
    assert source.bytes_sent == 0


@pytest.mark.anyio
async def test_a_body_under_the_cap_is_read_whole() -> None:
    body = json.dumps(clusters_body(*(f"c{n}" for n in range(200)))).encode()
    assert len(body) > 0.01 * 2**20  # streamed in several chunks, and still under the cap
    upstream = Upstream(lambda request: httpx.Response(200, content=body))
    async with real_time_client(upstream, max_response_mb=1) as client:
        clusters = await client.list_clusters()
    assert len(clusters) == 200


@pytest.mark.anyio
async def test_an_endless_error_body_is_cut_and_the_status_still_reported() -> None:
    source = Source()
    upstream = Upstream(lambda request: httpx.Response(403, content=source.endless()))
    async with real_time_client(upstream) as client:
        error = await failure(client)
    assert "denied access (403)" in str(error)
    assert source.bytes_sent <= 2 * len(CHUNK)


@pytest.mark.anyio
async def test_a_dripping_body_ends_the_call_at_the_deadline_with_a_timeout() -> None:
    source = Source()
    upstream = Upstream(lambda request: httpx.Response(200, content=source.drip(0.05)))
    # Waits between attempts are recorded, not slept (so the second attempt always fits in the
    # deadline); each attempt's own deadline is real time.
    async with client_for(upstream, timeout_s=0.3, max_attempts=2) as client:
        error = await failure(client)
    assert isinstance(error, APITimeoutError)
    assert "did not finish answering in time (0.3 s per attempt" in str(error)
    assert len(upstream.requests) == 2  # both attempts used, and no more
    assert source.bytes_sent < len(json.dumps(clusters_body("a")))


@pytest.mark.anyio
async def test_callers_sharing_a_dripping_call_all_get_the_timeout() -> None:
    source = Source()
    upstream = Upstream(lambda request: httpx.Response(200, content=source.drip(0.05)))
    async with real_time_client(upstream, timeout_s=0.3) as client:
        calls = [client.list_clusters() for _ in range(3)]
        results = await asyncio.wait_for(
            asyncio.gather(*calls, return_exceptions=True), HANG_BOUND_S
        )
    assert all(isinstance(result, APITimeoutError) for result in results)
    assert len(upstream.requests) == 1


# --- the same against the simulator on a real loopback server ----------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer("demo") as server:
        yield server


def sim_client(server: SimulatorServer, **settings: Any) -> ClustersClient:
    values = {"api_key": server.api_key, "base_url": server.url, **settings}
    return ClustersClient(make_settings(**values))


@pytest.mark.anyio
async def test_the_simulators_endless_fault_is_stopped_at_the_cap(sim: SimulatorServer) -> None:
    control = sim.control
    control.clear_faults()
    control.add_faults({"endless": True})
    async with sim_client(sim, max_response_mb=0.5) as client:
        error = await failure(client)
    assert isinstance(error, ResponseTooLargeError)
    assert len(ENDLESS_CHUNK) < 2**19  # so the cap, not one chunk, is what stopped it


@pytest.mark.anyio
async def test_the_simulators_drip_fault_ends_at_the_deadline(sim: SimulatorServer) -> None:
    control = sim.control
    control.clear_faults()
    # Each byte arrives well within httpx's per-read timeout: only a deadline on the whole
    # attempt ends this call.
    control.add_faults({"drip_s": 0.1, "count": 2})
    async with sim_client(sim, timeout_s=0.5, max_attempts=2) as client:
        error = await failure(client)
    assert isinstance(error, APITimeoutError)
    control.clear_faults()
    async with sim_client(sim) as client:
        assert len(await client.list_clusters()) > 0  # the simulator is not stuck dripping
