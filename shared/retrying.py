"""When to retry a request to Together, and how long to wait first.

Retryable: connection errors, timeouts, and the statuses in `RETRYABLE_STATUSES`. A wait the
server asks for (`retry-after-ms`, then `Retry-After` in seconds or as an HTTP date) wins, capped
at `MAX_SERVER_WAIT_S`; otherwise exponential backoff with jitter. A `RetryBudget` also keeps an
overall deadline, so a stalled API never holds a caller much longer than
`timeout_s * max_attempts`: when the next wait would cross it, retrying stops and the last error
is raised instead of sleeping.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState

from shared.errors import APIConnectionError, APIStatusError

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_SERVER_WAIT_S = 30.0
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed attempt is worth repeating: network, timeout, or a transient status."""
    if isinstance(exc, APIStatusError):
        return exc.status_code in RETRYABLE_STATUSES
    return isinstance(exc, APIConnectionError)


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """The wait in seconds a response asks for, or None when it asks for none (or nonsense).

    `retry-after-ms` is read first, then `Retry-After` as seconds or as an HTTP date (a date in the
    past means no wait). The value is not capped here: callers cap what they sleep, and may still
    show the server's advice as it was.
    """
    millis = _non_negative(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _non_negative(raw)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" in an HTTP date means UTC with no offset information
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_s(retry_number: int, *, rand: Callable[[], float] = random.random) -> float:
    """The wait before retry number `retry_number` (1 for the first) when the server gave none.

    Exponential (0.5 s, 1 s, 2 s, ... up to 8 s) with "equal jitter": somewhere between half the
    step and the whole of it, so that many clients failing together do not retry together.
    """
    step = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0 ** max(0, retry_number - 1))
    return step / 2 + rand() * step / 2


@dataclass(kw_only=True, eq=False)
class RetryBudget:
    """Attempts and time left for one logical request; tenacity's `wait` and `stop` for it.

    The attempt function reports what the server asked for with `note_server_wait()` before it
    raises; `wait()` then prefers that over backoff.

    Attributes:
        max_attempts: attempts in all, the first included.
        deadline_s: the overall deadline, in seconds from creation.
        clock: seconds from any fixed origin; the budget starts at its reading on creation.
        rand: a number in [0, 1) for the backoff's jitter.
    """

    max_attempts: int
    deadline_s: float
    clock: Callable[[], float]
    rand: Callable[[], float] = random.random
    _started: float = field(init=False)
    _server_wait: float | None = field(init=False, default=None)
    # tenacity may call wait and stop in either order (it changed in 8.3); the jittered wait
    # is computed once per attempt so both see the same number.
    _waits: dict[int, float] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._started = self.clock()

    def remaining_s(self) -> float:
        """Seconds left before the overall deadline (negative once past it)."""
        return self.deadline_s - (self.clock() - self._started)

    def attempt_timeout_s(self, timeout_s: float) -> float:
        """The timeout for the next attempt: the configured one, or less near the deadline."""
        return min(timeout_s, self.remaining_s())

    def note_server_wait(self, seconds: float | None) -> None:
        """Record the wait the last response asked for (None: it asked for none)."""
        self._server_wait = seconds

    def wait(self, retry_state: RetryCallState) -> float:
        """Seconds to sleep after the attempt that just failed."""
        number = retry_state.attempt_number
        if number not in self._waits:
            if self._server_wait is not None:
                self._waits[number] = min(self._server_wait, MAX_SERVER_WAIT_S)
            else:
                self._waits[number] = backoff_s(number, rand=self.rand)
        return self._waits[number]

    def stop(self, retry_state: RetryCallState) -> bool:
        """True when attempts are used up, or when sleeping would run past the deadline."""
        if retry_state.attempt_number >= self.max_attempts:
            return True
        return self.wait(retry_state) >= self.remaining_s()


def _non_negative(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None
