"""The failures `FakeSlack` was told to answer with: faults (429, 500, `ok: false`) and stalls.

They are queued per Web API method (or `response_url`) and taken in the order given, from the
fake's server thread while a test adds more from its own: one lock guards them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Fault:
    """How the next calls to one method fail.

    Attributes:
        status: the HTTP status (200 when `error` is set).
        retry_after: the `Retry-After` seconds a 429 carries.
        error: Slack's error code for a 200 `{"ok": false}` answer.
        remaining: how many more calls it fails (without `until`).
        until: with a deadline, every call fails until then, whatever the count.
    """

    status: int
    retry_after: int | None
    error: str | None
    remaining: int
    until: float | None = None

    def headers(self) -> dict[str, str]:
        """The response headers: `Retry-After` on a 429 that has one."""
        if self.status == 429 and self.retry_after is not None:
            return {"Retry-After": str(self.retry_after)}
        return {}


@dataclass(eq=False)
class Faults:
    """The queued faults and stalls, per method."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    _stalls: dict[str, list[float]] = field(default_factory=dict)

    def add(self, method: str, fault: Fault) -> None:
        """Queue `fault` for `method`, after the ones already queued."""
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def add_stalls(self, method: str, seconds: float, count: int) -> None:
        """Delay the answers to the next `count` calls to `method` by `seconds` each."""
        with self._lock:
            self._stalls.setdefault(method, []).extend([seconds] * count)

    def take(self, method: str) -> Fault | None:
        """The fault this call to `method` answers with, if any (dropping the ones used up)."""
        with self._lock:
            queue = self._faults.get(method) or []
            while queue and queue[0].until is not None and time.monotonic() >= queue[0].until:
                queue.pop(0)
            if not queue:
                return None
            fault = queue[0]
            if fault.until is None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
            return fault

    def take_stall(self, method: str) -> float:
        """How long to hold this call's answer back (0: answer at once)."""
        with self._lock:
            stalls = self._stalls.get(method)
            return stalls.pop(0) if stalls else 0.0
