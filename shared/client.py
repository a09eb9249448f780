"""The async client for Together's `GET /compute/clusters`.

One `httpx.AsyncClient` per `ClustersClient`. Concurrent calls for the same project share one
request in flight (and, with `cache_ttl_s > 0`, its result for that long); transient failures are
retried as `shared.retrying` decides. Each attempt, reading its body included, ends within its
share of the overall deadline, and a body longer than `max_response_mb` is not read past the cap:
a shared call that hung would hang every caller waiting on it. Every foreign exception is
translated in `_send_once` (the network) or `_fetch` (the body), so only errors from
`shared.errors` leave this module.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from shared.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClusterNotFoundError,
    ResponseValidationError,
    status_error,
)
from shared.keepalive import POOL_LIMITS, send_fresh_if_stale
from shared.lookup import resolve_cluster
from shared.metrics import CACHE_HITS, SHARED_CALLS, timed_attempt, tracked_call  # metrics hook
from shared.models import Cluster, InvalidCluster
from shared.parsing import parse_clusters
from shared.redaction import redact
from shared.remediations import ApiCall, RemediationActions
from shared.response_body import read_capped, read_head_text
from shared.retrying import RetryBudget, is_retryable, parse_retry_after
from shared.settings import TogetherSettings
from shared.version import __version__

logger = logging.getLogger(__name__)

_API_MESSAGE_CHARS = 200
_TAG = re.compile(r"<[^>]*>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


class ClusterList(list[Cluster]):
    """A list of clusters plus what came with it.

    Attributes:
        invalid: entries that failed to parse (reported, not fatal).
        fetched_at: when the response arrived (UTC).
        project_id: the scope asked for (None: the API key's default scope).
    """

    def __init__(
        self,
        clusters: Iterable[Cluster] = (),
        *,
        invalid: Iterable[InvalidCluster] = (),
        fetched_at: datetime | None = None,
        project_id: str | None = None,
    ) -> None:
        super().__init__(clusters)
        self.invalid: list[InvalidCluster] = list(invalid)
        self.fetched_at: datetime = fetched_at or datetime.now(UTC)
        self.project_id: str | None = project_id

    def copy(self) -> ClusterList:
        """A shallow copy that keeps `invalid`, `fetched_at` and `project_id`."""
        return ClusterList(
            self, invalid=self.invalid, fetched_at=self.fetched_at, project_id=self.project_id
        )


class ClustersClient(RemediationActions):
    """Lists Together GPU clusters; use as `async with ClustersClient(settings) as client:`.

    The node repair calls (`list_remediations`, `approve_remediation`...) come from
    `shared.remediations.RemediationActions` and go through the same transport and retries.

    Args:
        settings: key, base URL, default project, timeout, attempts and cache lifetime.
        transport: an httpx transport to use instead of the network (tests, the simulator).
        sleep: how to wait between attempts (tests pass one that only records).
        clock: a monotonic clock in seconds, for the deadline and the cache.
    """

    def __init__(
        self,
        settings: TogetherSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._host = _host_of(settings.base_url)
        self._max_bytes = int(settings.max_response_mb * 2**20)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=settings.timeout_s,
            limits=POOL_LIMITS,
            headers={
                "Authorization": f"Bearer {settings.api_key.get_secret_value()}",
                "User-Agent": f"together-clusters-ops/{__version__}",
                "Accept": "application/json",
            },
        )
        self._requests_sent = 0
        self._in_flight: dict[str | None, asyncio.Task[ClusterList]] = {}
        self._cache: dict[str | None, tuple[float, ClusterList]] = {}
        # One parsing thread for the life of the client: a pool of several would spread the
        # large, short-lived allocations of each parse over several malloc arenas, and a
        # long-running bot's resident memory would creep up arena by arena.
        self._parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clusters-parse")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel requests still in flight and close the connection pool."""
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._http.aclose()
        self._parser.shutdown(wait=False, cancel_futures=True)

    @property
    def requests_sent(self) -> int:
        """HTTP requests actually sent upstream, counting every attempt of every retry."""
        return self._requests_sent

    async def list_clusters(
        self, project_id: str | None = None, *, fresh: bool = False
    ) -> ClusterList:
        """Every cluster in a project.

        Args:
            project_id: the project; defaults to `settings.project_id`, then to the key's own.
            fresh: ignore a cached result (a request already in flight is still shared).

        Raises:
            APIConnectionError: Together could not be reached (`APITimeoutError`: not in time).
            APIStatusError: Together answered with an error status (subclass by status).
            ResponseValidationError: the answer was not JSON or not `{"clusters": [...]}`.
            ResponseTooLargeError: the answer grew past `max_response_mb`.
            RuntimeError: the client was closed (a programming error).
        """
        if self._http.is_closed:
            raise RuntimeError("This ClustersClient is closed; make a new one.")
        scope = project_id or self.settings.project_id
        if not fresh and (cached := self._cached(scope)) is not None:
            CACHE_HITS.inc()  # metrics hook
            return cached.copy()
        task = self._in_flight.get(scope)
        if task is None:
            fetch = tracked_call(self._fetch(scope))  # metrics hook: Together up or down
            task = asyncio.get_running_loop().create_task(fetch)
            self._in_flight[scope] = task
            task.add_done_callback(lambda done: self._forget(scope, done))
        else:
            SHARED_CALLS.inc()  # metrics hook
        # shield: one caller giving up must not cancel the request the others are waiting for
        result = await asyncio.shield(task)
        return result.copy()

    async def get_cluster(self, ref: str, project_id: str | None = None) -> Cluster:
        """The cluster `ref` designates: its id, its name, or a unique start of its name.

        A reference not found in a cached list is looked up once more in a fresh one, so a
        cluster created a moment ago is found.

        Raises:
            ClusterNotFoundError: no cluster matches; carries the closest names.
            AmbiguousClusterError: several clusters match; carries them.
            APIConnectionError, APIStatusError, ResponseValidationError: as `list_clusters`.
        """
        scope = project_id or self.settings.project_id
        was_cached = self._cached(scope) is not None
        try:
            return resolve_cluster(await self.list_clusters(scope), ref)
        except ClusterNotFoundError:
            if not was_cached:
                raise
        return resolve_cluster(await self.list_clusters(scope, fresh=True), ref)

    def _cached(self, scope: str | None) -> ClusterList | None:
        entry = self._cache.get(scope)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def _forget(self, scope: str | None, task: asyncio.Task[ClusterList]) -> None:
        if self._in_flight.get(scope) is task:
            del self._in_flight[scope]
        if not task.cancelled():
            task.exception()  # marks it retrieved even if every waiter has gone

    async def _fetch(self, scope: str | None) -> ClusterList:
        params = {"project_id": scope} if scope else {}
        content = await self._send(ApiCall("GET", "/compute/clusters", params), resend=is_retryable)
        arrived = datetime.now(UTC)
        try:
            # A 1,000-cluster answer takes a few hundred ms to validate: off the event loop, so
            # that Slack acks and MCP calls waiting on this loop are not held up meanwhile.
            clusters, invalid = await asyncio.get_running_loop().run_in_executor(
                self._parser, parse_clusters, content
            )
        except ResponseValidationError as exc:
            raise ResponseValidationError(self._redact(exc.summary)) from None
        for entry in invalid:
            logger.warning("Skipping a malformed cluster: %s", self._redact(entry.describe()))
        result = ClusterList(clusters, invalid=invalid, fetched_at=arrived, project_id=scope)
        if self.settings.cache_ttl_s > 0:
            self._cache[scope] = (self._clock() + self.settings.cache_ttl_s, result)
        return result

    async def _request(
        self, call: ApiCall, *, resend: Callable[[BaseException], bool] = is_retryable
    ) -> bytes:
        """`call`, with this client's retries and deadline.

        `resend` decides which failed attempts are sent again: a request that is not idempotent
        passes one that accepts only errors raised before anything was sent.
        """
        if self._http.is_closed:
            raise RuntimeError("This ClustersClient is closed; make a new one.")
        return await tracked_call(self._send(call, resend=resend))  # metrics hook

    async def _send(self, call: ApiCall, *, resend: Callable[[BaseException], bool]) -> bytes:
        budget = RetryBudget(
            max_attempts=self.settings.max_attempts,
            deadline_s=self.settings.timeout_s * self.settings.max_attempts,
            clock=self._clock,
        )
        retrying = AsyncRetrying(
            sleep=self._sleep,
            stop=budget.stop,
            wait=budget.wait,
            retry=retry_if_exception(resend),
            before_sleep=lambda state: self._log_retry(state, budget),
            reraise=True,
        )
        # metrics hook: each attempt counted by outcome and timed
        content: bytes = await retrying(timed_attempt(self._send_once), call, budget)
        return content

    async def _send_once(self, call: ApiCall, budget: RetryBudget) -> bytes:
        budget.note_server_wait(None)
        timeout_s = budget.attempt_timeout_s(self.settings.timeout_s)
        if timeout_s <= 0:
            raise APITimeoutError(self._timeout_message())
        self._requests_sent += 1
        answered = False
        try:
            # httpx's timeout bounds each read, not the body: a proxy dripping a byte a second
            # would hold the call for ever. This one bounds the whole attempt.
            async with asyncio.timeout(timeout_s):
                request = self._http.build_request(
                    call.method,
                    f"{self.settings.base_url}{call.path}",
                    params=call.params,
                    json=call.body,
                    timeout=httpx.Timeout(timeout_s),
                )
                if call.method == "GET":
                    response = await send_fresh_if_stale(self._http, request)
                else:  # never sent twice by the transport: the first may have been acted on
                    response = await self._http.send(request, stream=True)
                answered = True
                try:
                    if response.is_success:
                        return await read_capped(response, self._max_bytes)
                    raise self._status_error(response, await read_head_text(response), budget)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise APITimeoutError(self._timeout_message(answered=answered)) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            reason = self._redact(f"{exc.__class__.__name__}: {exc}"[:_API_MESSAGE_CHARS])
            error = APIConnectionError(f"Together could not be reached at {self._host} ({reason}).")
            error.unsent = isinstance(exc, httpx.ConnectError)
            raise error from exc

    def _status_error(
        self, response: httpx.Response, text: str, budget: RetryBudget
    ) -> APIStatusError:
        server_wait = parse_retry_after(response.headers)
        budget.note_server_wait(server_wait)
        # Redacted before it is shortened, so a key cut at the 200th character is still found.
        message = _full_api_message(text)
        return status_error(
            response.status_code,
            None if message is None else _shorten(self._redact(message)) or None,
            request_id=response.headers.get("x-request-id") or response.headers.get("request-id"),
            body=self._redact(text),
            retry_after_s=server_wait,
        )

    def _timeout_message(self, *, answered: bool = False) -> str:
        what = "did not finish answering" if answered else "did not answer"
        return (
            f"Together {what} in time ({self.settings.timeout_s:g} s per attempt, at {self._host})."
        )

    def _redact(self, text: str) -> str:
        return redact(text, self.settings.api_key.get_secret_value())

    def _log_retry(self, state: RetryCallState, budget: RetryBudget) -> None:
        exc = state.outcome.exception() if state.outcome else None
        what = str(exc.status_code) if isinstance(exc, APIStatusError) else type(exc).__name__
        logger.warning(
            "Together request failed (attempt %d of %d: %s); retrying in %.1f s",
            state.attempt_number,
            budget.max_attempts,
            what,
            budget.wait(state),
        )


def api_message(body: str) -> str | None:
    """The human part of an error body, in any of the shapes Together and its proxies use.

    `{"error": {"message": ...}}`, the gRPC-gateway `{"code": 3, "message": ...}`, or text or
    HTML from a proxy (tags stripped, blanks collapsed). Truncated; None for an empty body.
    """
    message = _full_api_message(body)
    return None if message is None else _shorten(message) or None


def _full_api_message(body: str) -> str | None:
    try:
        document: Any = json.loads(body)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict):
        error = document.get("error")
        if isinstance(error, dict):
            error = error.get("message")
        message = error if isinstance(error, str) else document.get("message")
        if isinstance(message, str) and message.strip():
            return message
        return None
    return html.unescape(_TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", body)))


def _host_of(base_url: str) -> str:
    try:
        return httpx.URL(base_url).host or base_url
    except httpx.InvalidURL:
        return base_url


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _API_MESSAGE_CHARS:
        return text
    return text[: _API_MESSAGE_CHARS - 1].rstrip() + "…"
