"""ClustersClient against httpx.MockTransport: the request, the answer, errors, the key's safety.

Single flight, the cache, get_cluster and closing are in test_client_sharing.py; retries in
test_client_retries.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared import __version__
from shared.client import ClusterList, ClustersClient, api_message
from shared.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    TogetherError,
)
from tests.shared.client_fakes import KEY, Upstream, client_for, cluster_dict, clusters_body


async def failure_of(client: ClustersClient, **kwargs: Any) -> TogetherError:
    with pytest.raises(TogetherError) as caught:
        await client.list_clusters(**kwargs)
    return caught.value


async def failure_answered(status: int, **answer: Any) -> TogetherError:
    """The error listing raises when Together answers every request with `status` and `answer`."""
    upstream = Upstream(lambda request: httpx.Response(status, **answer))
    async with client_for(upstream) as client:
        return await failure_of(client)


# --- the request -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_request_carries_bearer_key_user_agent_and_json_accept() -> None:
    upstream = Upstream()
    async with client_for(upstream) as client:
        await client.list_clusters()
    (request,) = upstream.requests
    assert request.method == "GET"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["user-agent"] == f"together-clusters-ops/{__version__}"
    assert request.headers["accept"] == "application/json"


@pytest.mark.anyio
async def test_project_id_argument_is_sent_as_query_parameter() -> None:
    upstream = Upstream()
    async with client_for(upstream, project_id="proj-default") as client:
        await client.list_clusters("proj-asked")
    assert upstream.requests[0].url.params["project_id"] == "proj-asked"


@pytest.mark.anyio
async def test_project_id_falls_back_to_the_settings_default() -> None:
    upstream = Upstream()
    async with client_for(upstream, project_id="proj-default") as client:
        result = await client.list_clusters()
    assert upstream.requests[0].url.params["project_id"] == "proj-default"
    assert result.project_id == "proj-default"


@pytest.mark.anyio
async def test_no_project_id_parameter_is_sent_when_none_is_configured() -> None:
    upstream = Upstream()
    async with client_for(upstream) as client:
        result = await client.list_clusters()
    assert "project_id" not in upstream.requests[0].url.params
    assert result.project_id is None


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.together.ai", "https://api.together.ai/v1/compute/clusters"),
        ("https://api.together.ai/v1", "https://api.together.ai/v1/compute/clusters"),
        ("https://api.together.ai/v1/", "https://api.together.ai/v1/compute/clusters"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765/v1/compute/clusters"),
    ],
)
@pytest.mark.anyio
async def test_base_url_with_or_without_v1_gives_exactly_one_v1(
    base_url: str, expected: str
) -> None:
    upstream = Upstream()
    async with client_for(upstream, base_url=base_url) as client:
        await client.list_clusters()
    assert str(upstream.requests[0].url) == expected


@pytest.mark.anyio
async def test_requests_sent_counts_each_request_upstream() -> None:
    upstream = Upstream()
    async with client_for(upstream) as client:
        assert client.requests_sent == 0
        await client.list_clusters()
        await client.list_clusters()
        assert client.requests_sent == len(upstream.requests) == 2


# --- the answer --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_clusters_come_back_as_a_cluster_list_with_when_and_scope() -> None:
    upstream = Upstream(lambda request: httpx.Response(200, json=clusters_body("a", "b")))
    before = datetime.now(UTC)
    async with client_for(upstream) as client:
        result = await client.list_clusters("proj-1")
    assert isinstance(result, ClusterList)
    assert [cluster.cluster_name for cluster in result] == ["a", "b"]
    assert result.invalid == []
    assert result.project_id == "proj-1"
    assert result.fetched_at.tzinfo is not None
    assert before <= result.fetched_at <= datetime.now(UTC)


@pytest.mark.anyio
async def test_one_malformed_cluster_is_reported_while_the_others_come_back() -> None:
    broken = cluster_dict("broken")
    del broken["status"]
    body = {"clusters": [cluster_dict("good-1"), broken, cluster_dict("good-2")]}
    async with client_for(Upstream(lambda request: httpx.Response(200, json=body))) as client:
        result = await client.list_clusters()
    assert [cluster.cluster_name for cluster in result] == ["good-1", "good-2"]
    (invalid,) = result.invalid
    assert invalid.cluster_name == "broken"
    assert invalid.cluster_id == "id-broken"
    assert any("status" in error for error in invalid.errors)


@pytest.mark.anyio
async def test_unknown_enum_values_and_extra_fields_still_parse() -> None:
    entry = cluster_dict("new", status="Scheduled", gpu_type="GB200_SXM", shiny_new_field=[1])
    body = {"clusters": [entry]}
    async with client_for(Upstream(lambda request: httpx.Response(200, json=body))) as client:
        (cluster,) = await client.list_clusters()
    assert cluster.status == "Scheduled"
    assert not cluster.status.is_known


@pytest.mark.parametrize(
    "content",
    [b"<html><body>Welcome to nginx</body></html>", b"", b'{"clusters": [', b"\xff\xfe\x00"],
)
@pytest.mark.anyio
async def test_a_body_that_is_not_json_raises_response_validation_error(content: bytes) -> None:
    error = await failure_answered(200, content=content)
    assert isinstance(error, ResponseValidationError)
    assert "JSON" in str(error)
    assert not isinstance(error.__cause__, ValueError)


@pytest.mark.parametrize("document", [[], {"data": []}, {"clusters": {}}, "clusters", 42])
@pytest.mark.anyio
async def test_a_body_of_the_wrong_shape_raises_response_validation_error(document: Any) -> None:
    error = await failure_answered(200, json=document)
    assert isinstance(error, ResponseValidationError)
    assert '{"clusters": [...]}' in str(error)


@pytest.mark.anyio
async def test_a_pathologically_nested_body_raises_response_validation_error() -> None:
    content = b'{"clusters": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    error = await failure_answered(200, content=content)
    assert isinstance(error, ResponseValidationError)


@pytest.mark.anyio
async def test_a_malformed_body_is_not_retried() -> None:
    upstream = Upstream(lambda request: httpx.Response(200, content=b"not json"))
    async with client_for(upstream, max_attempts=4) as client:
        await failure_of(client)
    assert len(upstream.requests) == 1


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class", "advice"),
    [
        (400, APIStatusError, "Together answered 400"),
        (401, AuthenticationError, "TOGETHER_API_KEY"),
        (402, PaymentRequiredError, "credits"),
        (403, PermissionDeniedError, "TOGETHER_PROJECT_ID"),
        (404, NotFoundError, "TOGETHER_BASE_URL"),
        (409, APIStatusError, "Together answered 409"),
    ],
)
@pytest.mark.anyio
async def test_an_error_status_becomes_its_error_with_advice(
    status: int, error_class: type[APIStatusError], advice: str
) -> None:
    error = await failure_answered(status, json={"error": {"message": "no"}})
    assert type(error) is error_class
    assert isinstance(error, APIStatusError)
    assert error.status_code == status
    assert advice in str(error)
    assert "It said: no." in str(error)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"error": {"message": "Invalid key", "type": "auth", "code": null}}', "Invalid key"),
        (b'{"code": 16, "message": "unauthenticated", "details": []}', "unauthenticated"),
        (b'{"error": "plain string error"}', "plain string error"),
        (
            b"<html><head><style>body{color:red}</style><title>502</title></head>"
            b"<body><h1>502   Bad\n Gateway</h1><hr>nginx &amp; friends</body></html>",
            "502 502 Bad Gateway nginx & friends",
        ),
        (
            b"upstream connect error or disconnect/reset",
            "upstream connect error or disconnect/reset",
        ),
        (b"", None),
        (b"   ", None),
        (b'{"unexpected": true}', None),
    ],
)
@pytest.mark.anyio
async def test_the_api_message_is_read_from_every_body_shape(
    content: bytes, expected: str | None
) -> None:
    error = await failure_answered(401, content=content)
    assert isinstance(error, AuthenticationError)
    assert error.api_message == expected


def test_a_long_proxy_page_is_shortened_to_a_readable_message() -> None:
    message = api_message("<p>" + "word " * 500 + "</p>")
    assert message is not None
    assert len(message) <= 200
    assert message.endswith("…")


@pytest.mark.parametrize("header", ["x-request-id", "request-id"])
@pytest.mark.anyio
async def test_the_request_id_is_kept_from_either_header(header: str) -> None:
    error = await failure_answered(403, headers={header: "req-42"})
    assert isinstance(error, PermissionDeniedError)
    assert error.request_id == "req-42"
    assert "req-42" in str(error)


@pytest.mark.anyio
async def test_a_rate_limit_error_carries_the_wait_together_asked_for() -> None:
    error = await failure_answered(429, headers={"Retry-After": "12"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 12
    assert "Try again in 12 s" in str(error)


@pytest.mark.anyio
async def test_an_unreachable_api_names_the_host_and_what_to_check() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    async with client_for(Upstream(refuse), base_url="https://clusters.example.net") as client:
        error = await failure_of(client)
    assert type(error) is APIConnectionError
    assert "could not be reached at clusters.example.net" in str(error)
    assert "TOGETHER_BASE_URL" in str(error)
    assert isinstance(error.__cause__, httpx.ConnectError)


@pytest.mark.anyio
async def test_no_answer_in_time_becomes_api_timeout_error() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with client_for(Upstream(stall)) as client:
        error = await failure_of(client)
    assert isinstance(error, APITimeoutError)
    assert "did not answer in time" in str(error)
    assert "TOGETHER_TIMEOUT_S" in str(error)


@pytest.mark.parametrize(
    "exc_class",
    [
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.PoolTimeout,
        httpx.ReadError,
        httpx.WriteError,
        httpx.RemoteProtocolError,
        httpx.LocalProtocolError,
        httpx.ProxyError,
        httpx.UnsupportedProtocol,
        httpx.DecodingError,
        httpx.TooManyRedirects,
    ],
)
@pytest.mark.anyio
async def test_no_httpx_exception_escapes_the_client(exc_class: type[httpx.RequestError]) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc_class("boom", request=request)

    async with client_for(Upstream(fail), max_attempts=2) as client:
        error = await failure_of(client)
    assert isinstance(error, APIConnectionError)
    assert not isinstance(error, httpx.HTTPError)


# --- the key never leaks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        lambda: httpx.Response(401, json={"error": {"message": f"key {KEY} is revoked"}}),
        lambda: httpx.Response(400, json={"code": 3, "message": f"bad key {KEY}", "details": []}),
        lambda: httpx.Response(502, text=f"<html><p>Authorization: Bearer {KEY}</p></html>"),
        lambda: httpx.Response(200, text=f"echo Bearer {KEY}"),
    ],
)
@pytest.mark.anyio
async def test_the_api_key_is_masked_wherever_a_body_echoes_it(
    answer: Callable[[], httpx.Response],
) -> None:
    async with client_for(Upstream(lambda request: answer())) as client:
        error = await failure_of(client)
    shown = [str(error), repr(error), *(str(value) for value in vars(error).values())]
    assert all(KEY not in text for text in shown)
    assert any("***" in text for text in shown)


@pytest.mark.anyio
async def test_the_api_key_is_masked_in_a_transport_error_that_echoes_it() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError(f"illegal header {KEY}", request=request)

    async with client_for(Upstream(fail)) as client:
        error = await failure_of(client)
    assert KEY not in str(error)
    assert "***" in str(error)


@pytest.mark.anyio
async def test_logs_never_contain_the_key_even_on_retries(caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([httpx.Response(503, text=f"{KEY} overloaded"), httpx.Response(401)])
    caplog.set_level(logging.DEBUG)
    async with client_for(Upstream(lambda request: next(answers)), max_attempts=3) as client:
        await failure_of(client)
    assert "retrying" in caplog.text
    assert KEY not in caplog.text
    assert "Bearer" not in caplog.text


@pytest.mark.anyio
async def test_a_pathologically_nested_error_body_still_gives_a_status_error() -> None:
    content = b"[" * 100_000 + b"]" * 100_000
    error = await failure_answered(500, content=content)
    assert isinstance(error, APIStatusError)
    assert error.status_code == 500
