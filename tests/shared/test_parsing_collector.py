"""Pausing the garbage collector during a parse is safe with several parser threads at once.

`gc.disable()` is process-wide, and every `ClustersClient` parses on a thread of its own: pauses
overlap. They are counted, so the collector comes back when the last one ends (not when the first
does), and a collector the program turned off itself stays off.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from shared.client import ClustersClient
from shared.parsing import collector_paused
from tests.shared.client_fakes import clusters_body, make_settings

WAIT_S = 60.0  # generous: only reached if a thread is stuck


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    assert gc.isenabled()
    yield
    gc.enable()


def pause_in_thread(started: threading.Event, release: threading.Event) -> threading.Thread:
    def hold() -> None:
        with collector_paused():
            started.set()
            release.wait(WAIT_S)

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(WAIT_S)
    return thread


def test_overlapping_pauses_keep_the_collector_off_until_the_last_one_ends() -> None:
    first_in, first_out = threading.Event(), threading.Event()
    second_in, second_out = threading.Event(), threading.Event()
    first = pause_in_thread(first_in, first_out)
    second = pause_in_thread(second_in, second_out)
    assert not gc.isenabled()
    first_out.set()  # the first pause ends while the second is still parsing
    first.join(WAIT_S)
    assert not gc.isenabled()
    second_out.set()
    second.join(WAIT_S)
    assert gc.isenabled()


def test_a_collector_the_program_turned_off_stays_off_after_a_pause() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_pause_ends_even_when_the_parse_raises() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("bad body")
    assert gc.isenabled()


def test_several_clients_parsing_at_once_in_threads_all_succeed_and_leave_the_collector_on() -> (
    None
):
    body = json.dumps(clusters_body(*(f"c{n}" for n in range(300)))).encode()
    results: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    async def list_many() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
        async with ClustersClient(make_settings(), transport=transport) as client:
            for _ in range(10):
                clusters = await client.list_clusters()
                with lock:
                    results.append(len(clusters))

    def run() -> None:
        try:
            asyncio.run(list_many())
        except BaseException as exc:  # reported below, with the others
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert failures == []
    assert results == [300] * 60
    assert gc.isenabled()
