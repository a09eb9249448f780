"""Prometheus metrics of the Together client, and how any command exposes its registry.

Every name starts with `clusters_`. Labels are small closed sets (an outcome, a command word, a
kind), never a cluster name or id, a user or a channel: those would make a new series for every
value and leak names to whoever can scrape.

- `clusters_together_requests_total{outcome}`: each HTTP attempt to Together (`ok`, `http_4xx`,
  `http_429`, `http_5xx`, `timeout`, `unreachable`, `too_large`, `error`);
- `clusters_together_request_seconds`: each attempt's duration (histogram);
- `clusters_together_cache_hits_total`: calls answered from the client's cache;
- `clusters_together_shared_calls_total`: calls that joined a request already in flight;
- `clusters_together_up`: 1 when the latest call (retries included) succeeded, 0 when it failed.

`TOGETHER` keeps the latest call's outcome for the readiness body: a Together outage does not
make a replica unready, but it shows there.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate_latest

from shared.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ResponseTooLargeError,
    TogetherError,
)

P = ParamSpec("P")
T = TypeVar("T")

# Latency buckets for a call that is usually 50 ms - 2 s and is cut off at 30 s.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter(
    "clusters_together_requests",
    "HTTP attempts to Together's clusters API, by outcome.",
    ["outcome"],
)
REQUEST_SECONDS = Histogram(
    "clusters_together_request_seconds",
    "Duration of each HTTP attempt to Together, body included.",
    buckets=_LATENCY_BUCKETS,
)
CACHE_HITS = Counter(
    "clusters_together_cache_hits", "Cluster listings answered from the client's cache."
)
SHARED_CALLS = Counter(
    "clusters_together_shared_calls",
    "Cluster listings that joined a request already in flight (single flight).",
)
UP = Gauge("clusters_together_up", "1 when the latest call to Together succeeded, else 0.")


def outcome_of(exc: BaseException | None) -> str:
    """The `outcome` label for an attempt that raised `exc` (None: it succeeded)."""
    if exc is None:
        return "ok"
    if isinstance(exc, APITimeoutError):
        return "timeout"
    if isinstance(exc, APIConnectionError):
        return "unreachable"
    if isinstance(exc, ResponseTooLargeError):
        return "too_large"
    if isinstance(exc, APIStatusError):
        if exc.status_code == 429:
            return "http_429"
        return "http_5xx" if exc.status_code >= 500 else "http_4xx"
    return "error"


def timed_attempt(send: Callable[P, Awaitable[T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """`send` (one HTTP attempt), counted by outcome and timed."""

    async def attempt(*args: P.args, **kwargs: P.kwargs) -> T:
        started = time.perf_counter()
        failure: BaseException | None = None
        try:
            return await send(*args, **kwargs)
        except Exception as exc:
            failure = exc
            raise
        finally:
            REQUEST_SECONDS.observe(time.perf_counter() - started)
            REQUESTS.labels(outcome=outcome_of(failure)).inc()

    return attempt


@dataclass(slots=True)
class TogetherStatus:
    """The latest whole call to Together (retries included), for `/readyz`.

    Attributes:
        last_ok_at: when a call last succeeded (epoch seconds), None if none has yet.
        last_error: the latest call's error summary, None when it succeeded.
    """

    last_ok_at: float | None = None
    last_error: str | None = None

    @property
    def reachable(self) -> bool | None:
        """True after a success, False after a failure, None before any call."""
        if self.last_error is not None:
            return False
        return True if self.last_ok_at is not None else None


TOGETHER = TogetherStatus()


async def tracked_call(work: Awaitable[T]) -> T:
    """Await a whole call to Together and keep its outcome in `TOGETHER` and `UP`."""
    try:
        result = await work
    except TogetherError as exc:
        TOGETHER.last_error = exc.summary
        UP.set(0)
        raise
    TOGETHER.last_ok_at = time.time()
    TOGETHER.last_error = None
    UP.set(1)
    return result


def exposition() -> tuple[bytes, str]:
    """This process's metrics in Prometheus' text format, and its content type."""
    return _generate_latest(REGISTRY), CONTENT_TYPE_LATEST
