"""The simulator's control API refuses what another web site could make a browser send."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from shared.simulator import create_app
from shared.simulator.same_origin import cross_site_refusal

pytestmark = pytest.mark.anyio
FAULT = '{"status": 500, "count": 3}'
SITE = "https://evil.example"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app("empty", api_key="k", seed=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8600") as client:
        yield client


async def _pending(http: httpx.AsyncClient) -> list[object]:
    faults: list[object] = (await http.get("/_sim/faults")).json()["faults"]
    return faults


@pytest.mark.parametrize(
    ("request_options", "site"),
    [
        pytest.param(
            {"content": FAULT, "headers": {"Content-Type": "text/plain", "Origin": SITE}},
            SITE,
            id="a cross-site text/plain post",
        ),
        pytest.param(
            {"json": {"status": 500}, "headers": {"Host": "evil.example"}},
            "evil.example",
            id="a rebound host name",
        ),
    ],
)
async def test_a_post_from_another_site_is_refused_naming_it_and_queues_no_fault(
    http: httpx.AsyncClient, request_options: dict[str, Any], site: str
) -> None:
    answer = await http.post("/_sim/faults", **request_options)
    assert answer.status_code == 403
    assert site in answer.json()["error"]
    assert await _pending(http) == []


async def test_a_post_that_is_not_json_is_refused_even_without_an_origin(
    http: httpx.AsyncClient,
) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        answer = await http.post("/_sim/faults", content=FAULT, headers=headers)
        assert answer.status_code == 415
        assert "Content-Type: application/json" in answer.json()["error"]
    assert (await http.post("/_sim/reset", headers={"Origin": "null"})).status_code == 403
    assert await _pending(http) == []


async def test_json_from_this_machine_with_or_without_an_origin_is_served(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.post("/_sim/faults", json={"status": 500})).status_code == 200
    local = {"Origin": "http://localhost:8700"}
    assert (await http.post("/_sim/faults", json={"status": 502}, headers=local)).status_code == 200
    assert (await http.delete("/_sim/faults", headers={"Origin": "http://[::1]:9"})).is_success
    assert (await http.get("/_sim/stats", headers={"Origin": "https://evil.example"})).is_success


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("GET", {"Origin": "https://evil.example", "Host": "evil.example"}, None),
        ("POST", {"Host": "127.0.0.1:8600", "Content-Type": "application/json"}, None),
        ("POST", {"Host": "localhost", "Content-Type": "application/json; charset=utf-8"}, None),
        ("PUT", {"Host": "[::1]:80", "Content-Type": "application/json"}, None),
        ("DELETE", {"Host": "127.0.0.2:1"}, None),
        ("POST", {"Host": "127.0.0.1", "Origin": "http://127.0.0.1.evil.example"}, 403),
        ("POST", {"Host": "[::1", "Content-Type": "application/json"}, 403),
        ("DELETE", {"Host": "127.0.0.1", "Origin": "https://evil.example"}, 403),
        ("PATCH", {"Host": "127.0.0.1", "Content-Type": "text/plain"}, 415),
    ],
)
def test_only_local_json_requests_may_change_state(
    method: str, headers: dict[str, str], status: int | None
) -> None:
    lowered = {key.lower(): value for key, value in headers.items()}
    refusal = cross_site_refusal(method, lowered)
    assert (refusal.status if refusal else None) == status
