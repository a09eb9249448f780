"""`LOG_FORMAT=json`: one JSON object per record, with the request's context and nothing else."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from shared.log_json import JsonFormatter, current_context, formatter_for, log_context
from shared.logs import OneLineFormatter


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bot.listeners", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_record_is_one_line_of_json_with_time_level_logger_and_message() -> None:
    line = JsonFormatter().format(record("Refused %s\n2026 CRITICAL forged", "x\u2028y"))
    assert "\n" not in line and "\u2028" not in line
    document = json.loads(line)
    assert document["level"] == "WARNING"
    assert document["logger"] == "bot.listeners"
    assert document["message"] == "Refused x\u2028y\n2026 CRITICAL forged"
    assert document["time"].endswith("+00:00")


def test_context_comes_from_the_block_and_from_extra_and_ends_with_the_block() -> None:
    with log_context(command="show", channel="C1"):
        line = JsonFormatter().format(record("Answered", cluster="train-a"))
        assert current_context() == {"command": "show", "channel": "C1"}
    document = json.loads(line)
    assert (document["command"], document["channel"], document["cluster"]) == (
        "show",
        "C1",
        "train-a",
    )
    assert current_context() == {}


def test_other_record_attributes_never_reach_the_line() -> None:
    line = JsonFormatter().format(record("Signed in", token="xoxb-secret-token"))
    assert "xoxb-secret-token" not in line


def test_a_traceback_is_one_string_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    document = json.loads(JsonFormatter().format(failed))
    assert "ValueError: boom" in document["exception"]


def test_log_format_is_text_by_default_json_when_asked_and_refuses_anything_else() -> None:
    assert isinstance(formatter_for(None), OneLineFormatter)
    assert isinstance(formatter_for(" JSON "), JsonFormatter)
    with pytest.raises(ValueError, match="text or json"):
        formatter_for("xml")


def test_an_unknown_context_field_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="user"), log_context(user="U1"):
        pass
