"""Log records cannot forge other records: one line each, whatever names and errors they quote."""

from __future__ import annotations

import argparse
import io
import logging
import re
from collections.abc import Iterator

import pytest

from shared.logs import OneLineFormatter, add_log_level_argument, configure_logging
from shared.text import escape_controls

FORGED = "prod-a\n2026-03-01 12:00:00,000 CRITICAL bot.runner: FORGED"
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: ")


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """The root logger as the commands configure it, writing to a string; restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_httpx = logging.getLogger("httpx").level
    root.handlers.clear()
    stream = io.StringIO()
    try:
        configure_logging("INFO", stream=stream)
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.getLogger("httpx").setLevel(saved_httpx)


def test_a_forged_cluster_name_in_the_arguments_stays_on_its_records_line(
    configured: io.StringIO,
) -> None:
    logging.getLogger("bot.alerts.watcher").warning("Cluster %s degraded", FORGED)

    [line] = configured.getvalue().splitlines()
    assert RECORD_START.match(line)
    assert line.endswith(
        "WARNING bot.alerts.watcher: Cluster prod-a\\n2026-03-01 12:00:00,000 CRITICAL "
        "bot.runner: FORGED degraded"
    )


def test_a_forged_message_itself_is_escaped_too(configured: io.StringIO) -> None:
    logging.getLogger("mcp_server.tools").error(f"lookup failed: {FORGED}\r\x1b[2K")

    [line] = configured.getvalue().splitlines()
    assert line.endswith(
        "lookup failed: prod-a\\n2026-03-01 12:00:00,000 CRITICAL bot.runner: "
        + "FORGED\\r\\x1b[2K"
    )


def test_a_traceback_keeps_its_lines_indented_so_an_exception_cannot_forge_a_record(
    configured: io.StringIO,
) -> None:
    try:
        raise LookupError(f"no cluster named {FORGED}")
    except LookupError:
        logging.getLogger("bot.runner").exception("Poll failed for %s", FORGED)

    first, *rest = configured.getvalue().splitlines()
    assert RECORD_START.match(first)
    assert "Poll failed for prod-a\\n2026" in first
    assert len(rest) >= 3  # Traceback, a frame, the exception
    assert all(line.startswith("    ") for line in rest)
    assert rest[0].strip() == "Traceback (most recent call last):"
    assert any("LookupError: no cluster named prod-a" in line for line in rest)


def test_records_below_the_level_and_httpx_requests_are_left_out(
    configured: io.StringIO,
) -> None:
    logging.getLogger("bot.runner").debug("not shown")
    logging.getLogger("httpx").info("HTTP Request: GET http://sim/v1/compute/clusters")
    logging.getLogger("bot.runner").info("shown")

    assert configured.getvalue().count("\n") == 1
    assert "shown" in configured.getvalue()


def test_another_formatter_can_take_the_place_of_the_text_one() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers.clear()
    stream = io.StringIO()
    try:
        configure_logging("warning", stream=stream, formatter=logging.Formatter("%(message)s!"))
        logging.getLogger("x").warning("custom")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)

    assert stream.getvalue() == "custom!\n"


def test_the_formatter_alone_escapes_a_record_however_it_was_built() -> None:
    record = logging.makeLogRecord(
        {"name": "n", "levelname": "INFO", "msg": "%s", "args": ("a\u2028b\u202ec",)}
    )

    assert OneLineFormatter("%(message)s").format(record) == "a\\u2028b\\u202ec"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain text, é and 東京 kept", "plain text, é and 東京 kept"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x1b\x7f\x85\x9f", "\\x00\\x1b\\x7f\\x85\\x9f"),
        ("\u2028\u2029\u202e\u2066\u061c", "\\u2028\\u2029\\u202e\\u2066\\u061c"),
    ],
)
def test_control_line_breaking_and_bidi_characters_are_written_as_escapes(
    raw: str, escaped: str
) -> None:
    assert escape_controls(raw) == escaped


@pytest.mark.parametrize("given", ["info", "INFO", "Info"])
def test_the_log_level_flag_is_accepted_in_any_case(given: str) -> None:
    parser = argparse.ArgumentParser()
    add_log_level_argument(parser, default="WARNING")

    assert parser.parse_args(["--log-level", given]).log_level == "info"
    assert parser.parse_args([]).log_level == "warning"


def test_all_three_commands_take_the_log_level_in_any_case() -> None:
    from bot.__main__ import _parser as bot_parser
    from mcp_server.__main__ import parse_args as mcp_args
    from shared.simulator.__main__ import parse_args as sim_args

    assert bot_parser().parse_args(["--log-level", "DEBUG"]).log_level == "debug"
    assert mcp_args(["--log-level", "info"]).log_level == "info"
    assert mcp_args(["--log-level", "INFO"]).log_level == "info"
    assert sim_args(["--log-level", "Error"]).log_level == "error"
