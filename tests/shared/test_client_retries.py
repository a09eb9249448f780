"""Retries: which failures are retried, how long the client waits, and when it gives up.

Sleeps go to a fake that records them and moves a fake clock, so nothing here really waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from tenacity import RetryCallState, Retrying

from shared.client import ClustersClient
from shared.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    RateLimitError,
    ServerError,
    TogetherError,
)
from shared.retrying import (
    MAX_SERVER_WAIT_S,
    RETRYABLE_STATUSES,
    RetryBudget,
    backoff_s,
    is_retryable,
    parse_retry_after,
)
from tests.shared.client_fakes import KEY, FakeTime, clusters_body, make_settings


class Script:
    """Upstream answers in order (the last one repeats); records each request's timeout."""

    def __init__(self, *answers: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        return answer(request)

    @property
    def read_timeouts(self) -> list[float]:
        return [request.extensions["timeout"]["read"] for request in self.requests]


def status(code: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, headers=headers, text="busy")


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=clusters_body("a"))


def raising(exc_class: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc_class("no luck", request=request)

    return fail


def client_for(script: Script, time: FakeTime, **settings: Any) -> ClustersClient:
    return ClustersClient(
        make_settings(**{"max_attempts": 4, **settings}),
        transport=httpx.MockTransport(script),
        sleep=time.sleep,
        clock=time.clock,
    )


async def failure(script: Script, time: FakeTime, **settings: Any) -> TogetherError:
    async with client_for(script, time, **settings) as client:
        with pytest.raises(TogetherError) as caught:
            await client.list_clusters()
        assert client.requests_sent == len(script.requests)
    return caught.value


# --- what is retried ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (408, APIStatusError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
@pytest.mark.anyio
async def test_each_transient_status_is_tried_max_attempts_times_then_raised(
    code: int, error_class: type[APIStatusError]
) -> None:
    script, time = Script(status(code)), FakeTime()
    error = await failure(script, time, max_attempts=4)
    assert type(error) is error_class
    assert isinstance(error, APIStatusError)
    assert error.status_code == code
    assert len(script.requests) == 4
    assert len(time.sleeps) == 3


@pytest.mark.parametrize("code", sorted(RETRYABLE_STATUSES))
@pytest.mark.anyio
async def test_a_transient_status_followed_by_success_returns_the_clusters(code: int) -> None:
    script, time = Script(status(code), ok), FakeTime()
    async with client_for(script, time) as client:
        result = await client.list_clusters()
    assert [cluster.cluster_name for cluster in result] == ["a"]
    assert len(script.requests) == 2


@pytest.mark.parametrize("code", [400, 401, 402, 403, 404, 405, 409, 410, 422, 451])
@pytest.mark.anyio
async def test_other_client_errors_are_sent_exactly_once(code: int) -> None:
    script, time = Script(status(code, **{"Retry-After": "1"})), FakeTime()
    error = await failure(script, time)
    assert isinstance(error, APIStatusError)
    assert error.status_code == code
    assert len(script.requests) == 1
    assert time.sleeps == []


@pytest.mark.parametrize(
    ("exc_class", "error_class"),
    [
        (httpx.ConnectError, APIConnectionError),
        (httpx.ReadError, APIConnectionError),
        (httpx.RemoteProtocolError, APIConnectionError),
        (httpx.ConnectTimeout, APITimeoutError),
        (httpx.ReadTimeout, APITimeoutError),
    ],
)
@pytest.mark.anyio
async def test_network_failures_and_timeouts_are_retried_then_raised(
    exc_class: type[httpx.TransportError], error_class: type[TogetherError]
) -> None:
    script, time = Script(raising(exc_class)), FakeTime()
    error = await failure(script, time, max_attempts=3)
    assert type(error) is error_class
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_a_timeout_then_a_refused_connection_then_success_returns_the_clusters() -> None:
    script = Script(raising(httpx.ReadTimeout), raising(httpx.ConnectError), ok)
    time = FakeTime()
    async with client_for(script, time) as client:
        result = await client.list_clusters()
        assert client.requests_sent == 3
    assert len(result) == 1


@pytest.mark.anyio
async def test_one_attempt_means_no_retry() -> None:
    script, time = Script(status(503)), FakeTime()
    await failure(script, time, max_attempts=1)
    assert len(script.requests) == 1
    assert time.sleeps == []


# --- how long it waits -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_retry_after_in_seconds_is_honoured() -> None:
    script, time = Script(status(503, **{"Retry-After": "3"}), ok), FakeTime()
    async with client_for(script, time) as client:
        await client.list_clusters()
    assert time.sleeps == [3.0]


@pytest.mark.anyio
async def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    script, time = Script(status(429, **{"Retry-After": when}), ok), FakeTime()
    async with client_for(script, time) as client:
        await client.list_clusters()
    (slept,) = time.sleeps
    assert 18 <= slept <= 20  # the date has whole seconds and the test takes a moment


@pytest.mark.anyio
async def test_retry_after_ms_wins_over_retry_after() -> None:
    headers = {"retry-after-ms": "250", "Retry-After": "7"}
    script, time = Script(status(429, **headers), ok), FakeTime()
    async with client_for(script, time) as client:
        await client.list_clusters()
    assert time.sleeps == [0.25]


@pytest.mark.anyio
async def test_a_long_retry_after_is_capped() -> None:
    script, time = Script(status(429, **{"Retry-After": "3600"}), ok), FakeTime()
    async with client_for(script, time, timeout_s=30, max_attempts=2) as client:
        await client.list_clusters()
    assert time.sleeps == [MAX_SERVER_WAIT_S]


@pytest.mark.anyio
async def test_the_rate_limit_error_reports_the_wait_together_asked_for_uncapped() -> None:
    script, time = Script(status(429, **{"Retry-After": "3600"})), FakeTime()
    error = await failure(script, time, max_attempts=1)
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 3600


@pytest.mark.parametrize("value", ["soon", "-5", "nan", "inf", ""])
@pytest.mark.anyio
async def test_a_nonsense_retry_after_falls_back_to_backoff(value: str) -> None:
    script, time = Script(status(503, **{"Retry-After": value}), ok), FakeTime()
    async with client_for(script, time) as client:
        await client.list_clusters()
    (slept,) = time.sleeps
    assert 0.25 <= slept <= 0.5


@pytest.mark.anyio
async def test_without_advice_waits_grow_exponentially_with_jitter_up_to_eight_seconds() -> None:
    script, time = Script(status(502)), FakeTime()
    await failure(script, time, max_attempts=7, timeout_s=60)
    steps = [0.5, 1, 2, 4, 8, 8]
    assert len(time.sleeps) == len(steps)
    for slept, step in zip(time.sleeps, steps, strict=True):
        assert step / 2 <= slept <= step


@pytest.mark.anyio
async def test_the_server_advice_of_one_attempt_does_not_stick_to_the_next() -> None:
    script = Script(status(503, **{"Retry-After": "5"}), status(503), ok)
    time = FakeTime()
    async with client_for(script, time) as client:
        await client.list_clusters()
    assert time.sleeps[0] == 5.0
    assert 0.5 <= time.sleeps[1] <= 1.0


@pytest.mark.anyio
async def test_each_retry_is_logged_with_attempt_status_and_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = Script(status(503, **{"Retry-After": "2"}), raising(httpx.ConnectError), ok)
    time = FakeTime()
    caplog.set_level(logging.WARNING, logger="shared.client")
    async with client_for(script, time) as client:
        await client.list_clusters()
    messages = [record.getMessage() for record in caplog.records if record.name == "shared.client"]
    assert len(messages) == 2
    assert "attempt 1 of 4: 503" in messages[0]
    assert "retrying in 2.0 s" in messages[0]
    assert "attempt 2 of 4: APIConnectionError" in messages[1]
    assert all(record.levelno == logging.WARNING for record in caplog.records)


# --- the deadline ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_each_attempt_gets_the_configured_timeout_when_time_is_plentiful() -> None:
    script, time = Script(status(500), status(500), ok), FakeTime()
    async with client_for(script, time, timeout_s=7) as client:
        await client.list_clusters()
    assert script.read_timeouts == [7, 7, 7]


@pytest.mark.anyio
async def test_the_overall_deadline_stops_retries_and_shortens_the_last_attempt() -> None:
    time = FakeTime()

    def slow_503(request: httpx.Request) -> httpx.Response:
        time.now += 9  # the upstream takes 9 s to fail
        return httpx.Response(503, headers={"Retry-After": "25"})

    script = Script(slow_503)
    # deadline 10 s x 4 = 40 s: fail at 9, sleep to 34, fail at 43; no time for another wait
    error = await failure(script, time, timeout_s=10, max_attempts=4)
    assert isinstance(error, ServerError)
    assert len(script.requests) == 2
    assert time.sleeps == [25.0]
    assert script.read_timeouts == [10, 6]


@pytest.mark.anyio
async def test_a_wait_that_would_cross_the_deadline_is_not_slept() -> None:
    script, time = Script(status(429, **{"Retry-After": "30"})), FakeTime()
    error = await failure(script, time, timeout_s=5, max_attempts=4)
    assert isinstance(error, RateLimitError)
    assert len(script.requests) == 1
    assert time.sleeps == []


@pytest.mark.anyio
async def test_a_stalled_api_raises_a_timeout_within_the_deadline() -> None:
    time = FakeTime()

    def stall(request: httpx.Request) -> httpx.Response:
        time.now += request.extensions["timeout"]["read"]
        raise httpx.ReadTimeout("stalled", request=request)

    script = Script(stall)
    started = time.now
    error = await failure(script, time, timeout_s=10, max_attempts=4)
    assert isinstance(error, APITimeoutError)
    assert time.now - started <= 10 * 4


@pytest.mark.anyio
async def test_a_failure_does_not_leave_its_key_in_the_retry_chain() -> None:
    script, time = Script(lambda request: httpx.Response(401, text=f"bad {KEY}")), FakeTime()
    error = await failure(script, time)
    assert isinstance(error, AuthenticationError)
    assert KEY not in str(error)


# --- the policy itself -------------------------------------------------------------------------


NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": " 1.5 "}, 1.5),
        ({"Retry-After": "0"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),
        ({"retry-after-ms": "junk", "Retry-After": "9"}, 9.0),
        ({"Retry-After": "Sun, 01 Jun 2025 12:00:20 GMT"}, 20.0),
        ({"Retry-After": "Sun, 01 Jun 2025 12:00:20 -0000"}, 20.0),
        ({"Retry-After": "Sun, 01 Jun 2025 11:00:00 GMT"}, 0.0),
        ({"Retry-After": "tomorrow-ish"}, None),
        ({"Retry-After": "-1"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_every_form(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers), now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"retry-after": "3"}, 3.0), ({"retry-after-ms": "1500"}, 1.5), ({"other": "1"}, None)],
)
def test_retry_after_is_read_from_a_plain_mapping_of_lower_case_names(
    headers: dict[str, str], expected: float | None
) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


def after_attempt(number: int) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = number
    return state


def budget(*, rand: Callable[[], float] = lambda: 0.0, max_attempts: int = 4) -> RetryBudget:
    """A budget of 10 s on a clock that never moves, so 10 s are always left."""
    return RetryBudget(max_attempts=max_attempts, deadline_s=10.0, clock=lambda: 0.0, rand=rand)


@pytest.mark.parametrize(("draw", "waits"), [(0.0, [0.25, 0.5, 1.0]), (1.0, [0.5, 1.0, 2.0])])
def test_without_server_advice_the_budget_waits_with_its_own_jitter(
    draw: float, waits: list[float]
) -> None:
    retry = budget(rand=lambda: draw)
    assert [retry.wait(after_attempt(n)) for n in (1, 2, 3)] == waits


def test_the_budget_waits_what_the_server_asked_for_up_to_the_cap() -> None:
    retry = budget()
    retry.note_server_wait(3.0)
    assert retry.wait(after_attempt(1)) == 3.0
    retry.note_server_wait(MAX_SERVER_WAIT_S + 15)
    assert retry.wait(after_attempt(2)) == MAX_SERVER_WAIT_S


@pytest.mark.parametrize(
    ("server_wait", "stops"), [(9.999, False), (10.0, True), (10.001, True)], ids=str
)
def test_retrying_stops_when_the_wait_would_reach_the_deadline(
    server_wait: float, stops: bool
) -> None:
    retry = budget()
    retry.note_server_wait(server_wait)
    assert retry.stop(after_attempt(1)) is stops


@pytest.mark.parametrize(("attempt", "stops"), [(3, False), (4, True), (5, True)])
def test_retrying_stops_once_the_attempts_are_used_up(attempt: int, stops: bool) -> None:
    assert budget(max_attempts=4).stop(after_attempt(attempt)) is stops


def test_backoff_doubles_from_half_a_second_and_stops_at_eight() -> None:
    highest = [backoff_s(n, rand=lambda: 1.0) for n in range(1, 8)]
    lowest = [backoff_s(n, rand=lambda: 0.0) for n in range(1, 8)]
    assert highest == [0.5, 1, 2, 4, 8, 8, 8]
    assert lowest == [0.25, 0.5, 1, 2, 4, 4, 4]


@pytest.mark.parametrize("draw", [0.0, 0.3, 0.99])
def test_backoff_stays_between_half_and_all_of_its_step(draw: float) -> None:
    assert 1.0 <= backoff_s(3, rand=lambda: draw) <= 2.0


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (APIConnectionError("down"), True),
        (APITimeoutError("slow"), True),
        (ServerError(503), True),
        (RateLimitError(429), True),
        (APIStatusError(408), True),
        (ServerError(501), False),
        (AuthenticationError(401), False),
        (APIStatusError(409), False),
        (ValueError("ours"), False),
    ],
)
def test_only_network_timeout_and_transient_statuses_are_retryable(
    error: BaseException, retryable: bool
) -> None:
    assert is_retryable(error) is retryable
