"""Building blocks of the API models: timestamps, record config, and lists that skip bad entries.

Imports nothing of ours, so `shared.models` and `shared.linked_alerts` can both stand on it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

T = TypeVar("T")


def _assume_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_assume_utc)]
"""A moment from the API, always timezone-aware: one without an offset is taken as UTC.

A naive datetime cannot be compared with an aware one, so a single timestamp without an offset
would otherwise crash every computation of age, uptime or time left.
"""

# The objects a response holds by the ten thousand (nodes, phase transitions) are frozen, slotted
# pydantic dataclasses: pydantic builds them about five times faster than BaseModel instances, and
# a 1,000-cluster list holds some 60,000 of them. Unknown fields are ignored all the same.
RECORD = ConfigDict(extra="ignore")


def _readable_entries(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if value is None:
        return []
    try:
        return handler(value)
    except ValidationError:
        if not isinstance(value, list):
            return []
    readable: list[Any] = []
    for entry in value:
        try:
            readable.extend(handler([entry]))
        except ValidationError:
            continue
    return readable


Lenient = Annotated[list[T], WrapValidator(_readable_entries)]
"""A list whose unreadable entries are left out, and that is empty when absent, null or not a list.

For the parts of a cluster that only explain (a remediation's linked alerts, an alert's Xid
events): one odd entry must not make the whole cluster unreadable.
"""
