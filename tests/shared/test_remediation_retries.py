"""Repair decisions are not idempotent: what the client sends again, and what it reads instead."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.client import ClustersClient
from shared.errors import (
    APIStatusError,
    DecisionUnconfirmedError,
    RemediationNotPendingError,
    ServerError,
)
from tests.shared.client_fakes import KEY, FakeTime, make_settings

pytestmark = pytest.mark.anyio

BASE = "https://api.together.ai/v1/compute/clusters/c-1/instances/i-1/remediations/r-1"


def remediation(state: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "r-1",
        "cluster_id": "c-1",
        "instance_id": "i-1",
        "mode": "REMEDIATION_MODE_HOST_AWARE",
        "trigger": "REMEDIATION_TRIGGER_AUTOMATED",
        "state": state,
        **fields,
    }


class Upstream:
    """Answers POSTs with `post` in turn and GETs with `current`, recording every request."""

    def __init__(
        self, post: list[Callable[[httpx.Request], httpx.Response]], current: dict[str, Any]
    ) -> None:
        self.post = post
        self.current = current
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            return httpx.Response(200, json=self.current)
        return self.post.pop(0)(request)

    @property
    def posts(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == "POST"]


def client(upstream: Upstream) -> ClustersClient:
    time = FakeTime()
    return ClustersClient(
        make_settings(max_attempts=3),
        transport=httpx.MockTransport(upstream),
        sleep=time.sleep,
        clock=time.clock,
    )


def refuse_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def break_off(request: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError("server disconnected", request=request)


def answer(status: int, document: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=document)


async def approve(upstream: Upstream, comment: str = "go") -> Any:
    async with client(upstream) as together:
        return await together.approve_remediation("c-1", "i-1", "r-1", comment=comment)


async def test_a_connection_that_never_opened_is_tried_again() -> None:
    approved = remediation("PENDING", review_comment="go")
    upstream = Upstream([refuse_connection, answer(200, approved)], remediation("PENDING"))
    result = await approve(upstream)
    assert result.state == "PENDING"
    assert len(upstream.posts) == 2


async def test_the_body_and_path_are_the_sdks() -> None:
    upstream = Upstream([answer(200, remediation("PENDING"))], remediation("PENDING"))
    async with client(upstream) as together:
        await together.approve_remediation(
            "c-1", "i-1", "r-1", comment="ok", mode="REMEDIATION_MODE_VM_ONLY"
        )
    [post] = upstream.posts
    assert str(post.url) == f"{BASE}/approve"
    assert json.loads(post.content) == {"comment": "ok", "mode": "REMEDIATION_MODE_VM_ONLY"}
    assert post.headers["authorization"] == f"Bearer {KEY}"


async def test_ids_cannot_reach_another_path() -> None:
    upstream = Upstream([answer(200, remediation("CANCELLED"))], remediation("CANCELLED"))
    async with client(upstream) as together:
        await together.cancel_remediation("c-1", "i-1", "../../x")
    assert upstream.posts[0].url.raw_path.endswith(b"/remediations/..%2F..%2Fx/cancel")


async def test_a_timeout_after_sending_reads_the_repair_instead_of_sending_again() -> None:
    upstream = Upstream([time_out], remediation("PENDING", review_comment="go"))
    result = await approve(upstream, comment="go")
    assert result.state == "PENDING"
    assert len(upstream.posts) == 1
    assert [r.method for r in upstream.requests] == ["POST", "GET"]


async def test_a_timeout_with_the_repair_still_pending_is_reported_unconfirmed() -> None:
    upstream = Upstream([time_out], remediation("PENDING_APPROVAL"))
    with pytest.raises(DecisionUnconfirmedError) as caught:
        await approve(upstream)
    assert len(upstream.posts) == 1
    assert "did not confirm the approval of remediation r-1; read again, it is " in str(
        caught.value
    )
    assert "PENDING_APPROVAL" in str(caught.value)


async def test_a_broken_connection_after_sending_is_not_sent_again() -> None:
    upstream = Upstream([break_off, break_off], remediation("PENDING_APPROVAL"))
    with pytest.raises(DecisionUnconfirmedError):
        await approve(upstream)
    assert len(upstream.posts) == 1


async def test_someone_elses_decision_meanwhile_is_not_taken_for_ours() -> None:
    upstream = Upstream([time_out], remediation("PENDING", review_comment="someone else's"))
    with pytest.raises(DecisionUnconfirmedError, match="it is PENDING"):
        await approve(upstream, comment="mine")


async def test_a_server_error_is_not_sent_again() -> None:
    upstream = Upstream(
        [answer(503, {"error": {"message": "busy"}})], remediation("PENDING_APPROVAL")
    )
    with pytest.raises(ServerError):
        await approve(upstream)
    assert len(upstream.posts) == 1


async def test_a_gateway_timeout_whose_decision_took_effect_returns_the_repair() -> None:
    upstream = Upstream(
        [answer(504, {"error": {"message": "upstream timed out"}})],
        remediation("PENDING", review_comment="go"),
    )
    assert (await approve(upstream)).state == "PENDING"


async def test_a_conflict_reads_who_decided_from_the_repair_itself() -> None:
    current = remediation(
        "RUNNING", reviewed_by="bob@example.com", review_time="2026-03-01T09:00:00Z"
    )
    upstream = Upstream([answer(409, {"code": 10, "message": "not pending"})], current)
    with pytest.raises(RemediationNotPendingError) as caught:
        await approve(upstream)
    assert caught.value.state == "RUNNING"
    assert caught.value.reviewed_by == "bob@example.com"
    assert "now RUNNING, reviewed by bob@example.com at 2026-03-01T09:00:00+00:00" in str(
        caught.value
    )


async def test_a_rejection_refused_as_a_bad_request_while_pending_keeps_its_status_error() -> None:
    upstream = Upstream(
        [answer(400, {"error": {"message": "comment required"}})], remediation("PENDING_APPROVAL")
    )
    async with client(upstream) as together:
        with pytest.raises(APIStatusError) as caught:
            await together.reject_remediation("c-1", "i-1", "r-1", comment="")
    assert not isinstance(caught.value, RemediationNotPendingError)
    assert caught.value.status_code == 400
    assert "comment required" in str(caught.value)
