"""`LOG_FORMAT=json`: one JSON object per line, with the context of the request it belongs to.

    with log_context(command="list", channel="C0123"):
        logger.info("Answered")   # {"time": ..., "level": "INFO", ..., "command": "list", ...}

Each line has `time` (ISO 8601, UTC), `level`, `logger`, `message`, and, where there is one,
the context: `command`, `channel`, `cluster`, `incident`, `request_id`, `tool`. Context comes
from `log_context` (a contextvar, so it follows a request through its awaits and no further)
or from a call's `extra={"cluster": ...}`. A traceback is one string field, `exception`.

Only these fields are written, never the record's other attributes, so what stays out of a text
line (tokens, keys) stays out of a JSON line too; the JSON encoder escapes control characters, so
a line cannot forge another.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType

from shared.logs import OneLineFormatter

CONTEXT_FIELDS = ("command", "channel", "cluster", "incident", "request_id", "tool")
LOG_FORMATS = ("text", "json")

# A mapping never mutated in place: `log_context` sets a new one and resets it after.
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "clusters_log_context", default=MappingProxyType({})
)


@contextlib.contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Add `fields` (those not None) to every record logged inside the block.

    Raises:
        ValueError: a field is not one of `CONTEXT_FIELDS`.
    """
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a log context field: {', '.join(sorted(unknown))}")
    merged = {**_context.get(), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    """The context fields in force here (a copy)."""
    return dict(_context.get())


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, context, exception."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update(_context.get())
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                document[name] = str(value)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            document["exception"] = record.exc_text
        if record.stack_info:
            document["stack"] = self.formatStack(record.stack_info)
        # ASCII: U+2028 and bidi controls are escaped too, so no reader splits or reorders a line.
        return json.dumps(document, default=str)


def formatter_for(log_format: str | None) -> logging.Formatter:
    """The formatter `LOG_FORMAT` names: `text` (the default, also when unset) or `json`.

    Raises:
        ValueError: another value, with what is accepted.
    """
    chosen = (log_format or "text").strip().lower() or "text"
    if chosen == "json":
        return JsonFormatter()
    if chosen == "text":
        return OneLineFormatter()
    raise ValueError(f"LOG_FORMAT must be text or json, not {log_format!r}")


def command_formatter(prog: str, log_format: str | None) -> logging.Formatter:
    """`formatter_for(log_format)` for a command's `main()`; a bad value exits 2 in one line."""
    try:
        return formatter_for(log_format)
    except ValueError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
