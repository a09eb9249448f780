"""What the simulator's API served: counts by path and status, and the latest requests."""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

DROPPED = "dropped"
"""The status recorded for a request whose connection the simulator broke on purpose."""


class RequestStats:
    """Counts of API requests; read through `GET /_sim/stats`.

    A request is counted under `by_path` when it arrives and under `by_status` when its answer
    starts (or is dropped), so a request still stalled by a delay shows in the first only.
    `recent` keeps the last few requests' method, path, query, User-Agent and status (never
    their Authorization header).
    """

    def __init__(self, keep_recent: int = 50) -> None:
        self._by_path: Counter[str] = Counter()
        self._by_status: Counter[str] = Counter()
        self._recent: deque[dict[str, Any]] = deque(maxlen=keep_recent)

    def begin(self, *, method: str, path: str, query: str, user_agent: str) -> dict[str, Any]:
        """Count an arriving request; returns its record for `finish`."""
        self._by_path[path] += 1
        record: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "user_agent": user_agent,
            "status": None,
        }
        self._recent.append(record)
        return record

    def finish(self, record: dict[str, Any], status: int | str) -> None:
        record["status"] = status
        self._by_status[str(status)] += 1

    def clear(self) -> None:
        self._by_path.clear()
        self._by_status.clear()
        self._recent.clear()

    def describe(self) -> dict[str, Any]:
        return {
            "requests": sum(self._by_path.values()),
            "by_path": dict(self._by_path),
            "by_status": dict(self._by_status),
            "recent": [dict(record) for record in self._recent],
        }
