"""Faults queued through the simulator's control API, served in-process to the next requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.errors import ResponseValidationError
from shared.parsing import parse_clusters
from shared.simulator import SimulatedDisconnect, create_app

AUTH = {"Authorization": "Bearer sim-key"}
PATH = "/v1/compute/clusters"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app("demo"))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def queue(http: httpx.AsyncClient, faults: Any) -> int:
    response = await http.post("/_sim/faults", json=faults)
    assert response.status_code == 200, response.text
    pending: int = response.json()["pending"]
    return pending


async def statuses(http: httpx.AsyncClient, requests: int) -> list[int]:
    return [(await http.get(PATH, headers=AUTH)).status_code for _ in range(requests)]


@pytest.mark.anyio
async def test_a_status_fault_spoils_count_requests_with_its_headers_then_the_api_recovers(
    http: httpx.AsyncClient,
) -> None:
    assert await queue(http, {"status": 429, "headers": {"Retry-After": "2"}, "count": 3}) == 3
    answers = [await http.get(PATH, headers=AUTH) for _ in range(4)]
    assert [a.status_code for a in answers] == [429, 429, 429, 200]
    assert [a.headers.get("retry-after") for a in answers] == ["2", "2", "2", None]
    assert answers[0].json()["error"]["type"] == "rate_limit_error"
    stats = (await http.get("/_sim/stats")).json()
    assert stats["by_status"] == {"429": 3, "200": 1}
    assert stats["faults_pending"] == 0


@pytest.mark.anyio
async def test_faults_are_served_in_the_order_they_were_queued(http: httpx.AsyncClient) -> None:
    await queue(http, [{"status": 503, "count": 2}, {"status": 502}])
    await queue(http, {"status": 500})
    assert await statuses(http, 5) == [503, 503, 502, 500, 200]


@pytest.mark.anyio
async def test_a_fault_body_is_served_as_given_json_text_or_html(http: httpx.AsyncClient) -> None:
    grpc = {"code": 14, "message": "upstream connect error", "details": []}
    await queue(
        http,
        [
            {"status": 503, "body": grpc},
            {"status": 502, "body": "<html><body>Bad Gateway</body></html>"},
            {"status": 504, "body": "upstream request timeout"},
        ],
    )
    first, second, third = [await http.get(PATH, headers=AUTH) for _ in range(3)]
    assert first.json() == grpc
    assert second.headers["content-type"].startswith("text/html")
    assert third.headers["content-type"].startswith("text/plain")
    assert third.text == "upstream request timeout"


@pytest.mark.anyio
async def test_a_fault_without_a_body_answers_in_together_error_shape(
    http: httpx.AsyncClient,
) -> None:
    await queue(http, {"status": 503})
    response = await http.get(PATH, headers=AUTH)
    assert response.json() == {
        "error": {
            "message": "Service Unavailable",
            "type": "server_error",
            "code": "service_unavailable",
        }
    }


@pytest.mark.anyio
async def test_a_malformed_fault_answers_200_with_a_body_the_parser_rejects(
    http: httpx.AsyncClient,
) -> None:
    await queue(http, {"malformed": True})
    response = await http.get(PATH, headers=AUTH)
    assert response.status_code == 200
    with pytest.raises(ResponseValidationError):
        parse_clusters(response.content)
    assert parse_clusters((await http.get(PATH, headers=AUTH)).content)[1] == []


@pytest.mark.anyio
async def test_a_drop_fault_breaks_the_connection_and_is_counted_as_dropped(
    http: httpx.AsyncClient,
) -> None:
    await queue(http, {"drop": True, "count": 2})
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await http.get(PATH, headers=AUTH)
        assert isinstance(caught.value, SimulatedDisconnect)
    assert await statuses(http, 1) == [200]
    assert (await http.get("/_sim/stats")).json()["by_status"] == {"dropped": 2, "200": 1}


@pytest.mark.anyio
async def test_a_delay_fault_stalls_and_then_answers_as_the_rest_of_the_fault_says(
    http: httpx.AsyncClient,
) -> None:
    await queue(http, [{"delay_s": 0.01}, {"delay_s": 0.01, "status": 500}])
    assert await statuses(http, 2) == [200, 500]


@pytest.mark.anyio
async def test_a_drip_fault_sends_the_whole_answer_in_the_end(http: httpx.AsyncClient) -> None:
    await queue(http, {"drip_s": 0.0001, "status": 503, "body": "slow"})
    response = await http.get(PATH, headers=AUTH)
    assert (response.status_code, response.text) == (503, "slow")
    assert (await http.get("/_sim/faults")).json()["faults"] == []


@pytest.mark.anyio
async def test_endless_and_drip_faults_are_listed_as_queued(http: httpx.AsyncClient) -> None:
    await queue(http, [{"endless": True}, {"drip_s": 1.5, "count": 2}])
    assert (await http.get("/_sim/faults")).json()["faults"] == [
        {"endless": True, "count": 1},
        {"drip_s": 1.5, "count": 2},
    ]


@pytest.mark.anyio
async def test_cleared_faults_spoil_nothing(http: httpx.AsyncClient) -> None:
    await queue(http, {"status": 500, "count": 10})
    assert (await http.get("/_sim/faults")).json()["faults"] == [{"status": 500, "count": 10}]
    assert (await http.delete("/_sim/faults")).is_success
    assert await statuses(http, 2) == [200, 200]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "fault",
    [
        {},
        {"status": 99},
        {"status": "429"},
        {"status": 500, "drop": True},
        {"drop": True, "count": 0},
        {"delay_s": -1},
        {"drip_s": -0.5},
        {"drip_s": True},
        {"endless": "yes"},
        {"endless": True, "status": 500},
        {"status": 429, "headers": {"Retry-After": 2}},
        {"status": 500, "colour": "red"},
        [{"status": 500}, "oops"],
    ],
)
async def test_a_fault_that_makes_no_sense_is_refused_and_nothing_is_queued(
    http: httpx.AsyncClient, fault: Any
) -> None:
    response = await http.post("/_sim/faults", json=fault)
    assert response.status_code == 400
    assert response.json()["error"]
    assert (await http.get("/_sim/stats")).json()["faults_pending"] == 0
