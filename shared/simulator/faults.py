"""Faults queued through the control API and served, in order, to the next API requests.

A fault is a JSON object; `count` (default 1) says how many requests it spoils:

    {"status": 429, "body": {...} or "text", "headers": {"Retry-After": "2"}, "count": 3}
    {"delay_s": 20}          stall, then answer normally (or as the rest of the fault says)
    {"malformed": true}      200 with a body that is not JSON (`body` may give the text)
    {"drop": true}           start a 200, then break the connection halfway through the body
    {"endless": true}        a 200 whose JSON body never ends (until the client hangs up)
    {"drip_s": 1.5}          send the body one byte at a time, this many seconds apart

`delay_s` and `drip_s` combine with any of the others; `status`, `malformed`, `drop` and
`endless` exclude each other. `endless` and `drip_s` need a real server (`SimulatorServer`):
`httpx.ASGITransport` collects a whole body before the client sees any of it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

TRUNCATED_JSON = '{"clusters": [{"cluster_id": "'
ENDLESS_CHUNK = b'{"cluster_id": "endless", "cluster_name": "endless"},' * 1024
_FIELDS = {
    "status",
    "body",
    "headers",
    "delay_s",
    "malformed",
    "drop",
    "endless",
    "drip_s",
    "count",
}


@dataclass(frozen=True)
class Fault:
    """One kind of misbehaviour; see the module docstring for what each field does."""

    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    malformed: bool = False
    drop: bool = False
    endless: bool = False
    drip_s: float = 0.0
    count: int = 1

    def describe(self) -> dict[str, Any]:
        """The fault as JSON, leaving out fields at their defaults."""
        out: dict[str, Any] = {"count": self.count}
        for name in ("status", "body", "headers", "delay_s", "malformed", "drop", "endless"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.drip_s:
            out["drip_s"] = self.drip_s
        return out


def parse_faults(document: Any) -> list[Fault]:
    """Read one fault object, or a list of them, from a control-API request body.

    Raises:
        ValueError: the document is not a fault or a list of faults; the message says why.
    """
    items = document if isinstance(document, list) else [document]
    return [_parse_fault(item) for item in items]


def _parse_fault(item: Any) -> Fault:
    if not isinstance(item, dict):
        raise ValueError("A fault must be a JSON object.")
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise ValueError(f"Unknown fault fields {unknown}; use {sorted(_FIELDS)}.")
    status = item.get("status")
    if status is not None and (not _is_int(status) or not 100 <= status <= 599):
        raise ValueError("'status' must be an HTTP status code (100-599).")
    headers = item.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise ValueError("'headers' must map header names to string values.")
    delay, drip = _seconds(item, "delay_s"), _seconds(item, "drip_s")
    count = item.get("count", 1)
    if not _is_int(count) or count < 1:
        raise ValueError("'count' must be a whole number, 1 or more.")
    malformed, drop = item.get("malformed", False), item.get("drop", False)
    endless = item.get("endless", False)
    if not all(isinstance(flag, bool) for flag in (malformed, drop, endless)):
        raise ValueError("'malformed', 'drop' and 'endless' must be true or false.")
    if sum((status is not None, malformed, drop, endless)) > 1:
        raise ValueError(
            "A fault is one of 'status', 'malformed', 'drop' or 'endless', not several."
        )
    if status is None and not (malformed or drop or endless or delay or drip):
        raise ValueError(
            "A fault needs 'status', 'delay_s', 'drip_s', 'malformed', 'drop' or 'endless'."
        )
    return Fault(
        status=status,
        body=item.get("body"),
        headers=headers,
        delay_s=delay,
        malformed=malformed,
        drop=drop,
        endless=endless,
        drip_s=drip,
        count=count,
    )


def _seconds(item: dict[str, Any], name: str) -> float:
    value = item.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ValueError(f"'{name}' must be a number of seconds, 0 or more.")
    return float(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FaultQueue:
    """Faults waiting for requests, oldest first, each used `count` times."""

    def __init__(self) -> None:
        self._queue: deque[tuple[Fault, int]] = deque()

    def extend(self, faults: list[Fault]) -> None:
        self._queue.extend((fault, fault.count) for fault in faults)

    def clear(self) -> None:
        self._queue.clear()

    def take(self) -> Fault | None:
        """The fault for the next request, if any, counting it as used."""
        if not self._queue:
            return None
        fault, left = self._queue.popleft()
        if left > 1:
            self._queue.appendleft((fault, left - 1))
        return fault

    def pending(self) -> int:
        """How many requests the queued faults will still spoil."""
        return sum(left for _, left in self._queue)

    def describe(self) -> list[dict[str, Any]]:
        return [{**fault.describe(), "count": left} for fault, left in self._queue]
