"""Logging for the three commands: one line per record, whatever the record quotes.

Log messages quote strings from Together and from Slack (cluster names, error bodies, channel
names). A name holding `\\n2026-03-01 12:00:00,000 CRITICAL bot.runner: ...` would otherwise print
a second line that reads like a genuine record. `OneLineFormatter` escapes control, line-breaking
and bidi characters in the formatted message (arguments included) and indents tracebacks, so
that every line starting at the margin is a record of ours.

`clusters-bot`, `clusters-mcp` and `clusters-sim` each call `configure_logging(level)` once; a
structured formatter (JSON lines) can be passed as `formatter` instead, as long as it keeps a
record on one line itself (a JSON encoder escapes control characters).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

from shared.text import escape_controls

LEVELS = ("debug", "info", "warning", "error")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Continuation lines (tracebacks, stacks) never start at the margin, where records do.
CONTINUATION = "    "


class OneLineFormatter(logging.Formatter):
    """`logging.Formatter` that keeps each record's own text on one line.

    The formatted message is escaped (`\\n`, `\\r`, `\\x1b`, `\\u202e`, ...); a traceback keeps
    its lines, each indented and escaped, so an exception message cannot forge a record either.
    """

    def __init__(self, fmt: str = TEXT_FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = escape_controls(self.formatMessage(record))
        # Formatted here, not taken from `record.exc_text`: another handler may have cached it
        # unindented.
        if record.exc_info:
            text += "\n" + _continuation(self.formatException(record.exc_info))
        elif record.exc_text:
            text += "\n" + _continuation(record.exc_text)
        if record.stack_info:
            text += "\n" + _continuation(self.formatStack(record.stack_info))
        return text


def _continuation(block: str) -> str:
    return "\n".join(CONTINUATION + escape_controls(line) for line in block.split("\n"))


def add_log_level_argument(parser: argparse.ArgumentParser, *, default: str) -> None:
    """`--log-level`, accepted in any case (`info`, `INFO`); the value is lower case."""
    parser.add_argument(
        "--log-level",
        default=default.lower(),
        type=str.lower,
        choices=LEVELS,
        help=f"how much to log on stderr (default: {default.lower()})",
    )


def configure_logging(
    level: str,
    *,
    formatter: logging.Formatter | None = None,
    stream: TextIO | None = None,
) -> None:
    """Send records at `level` and above to stderr, one line each (`OneLineFormatter`).

    Like `logging.basicConfig`, it does nothing when the root logger already has a handler
    (a test runner's, or an embedding program's). Below debug, httpx's line per request to
    Together is left out.

    Args:
        level: `debug`, `info`, `warning` or `error`, in any case.
        formatter: another formatter, e.g. JSON lines; default `OneLineFormatter()`.
        stream: where to write; default stderr (stdout carries MCP's stdio protocol).
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter if formatter is not None else OneLineFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler])
    if level.lower() != "debug":
        logging.getLogger("httpx").setLevel(logging.WARNING)
