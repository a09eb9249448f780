"""The API key never reaches a reader, however Together (or a proxy) escaped it in an error body.

A 403 body echoing the key JSON-escaped (`\\u0074gp_...`) or HTML-escaped (`&#116;gp_...`) used to
be masked before decoding, so the decoded key reached `str(exc)`, the Slack reply, the MCP error
text and the "Together API unreachable" alert. Each test here goes through the real client
(behind `httpx.MockTransport`) and then through every front end's formatter.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.alerts.render import api_unreachable
from bot.render.errors import render_together_error
from mcp_server.failures import explain
from shared.errors import APIStatusError, TogetherError
from tests.shared.client_fakes import KEY, Upstream, client_for


def json_escaped(text: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in text)


def html_escaped(text: str) -> str:
    return "".join(f"&#{ord(char)};" for char in text)


def json_error(message_json: str) -> bytes:
    """A `{"error": {"message": ...}}` body whose message is written with the escapes given."""
    return ('{"error": {"message": "' + message_json + '", "type": "forbidden"}}').encode()


BODIES = {
    "json_escaped_in_json": json_error(f"key {json_escaped(KEY)} may not see proj-x"),
    "html_escaped_in_json": json_error(f"key {html_escaped(KEY)} may not see proj-x"),
    "html_escaped_in_html": f"<html><p>Bearer {html_escaped(KEY)}</p></html>".encode(),
    "json_escaped_in_text": f"denied for Bearer {json_escaped(KEY)}".encode(),
    "html_escaped_cut_at_the_200th_character": json_error("x" * 190 + html_escaped(KEY)),
}


async def error_for(body: bytes, status: int = 403) -> TogetherError:
    upstream = Upstream(lambda request: httpx.Response(status, content=body))
    async with client_for(upstream) as client:
        with pytest.raises(TogetherError) as caught:
            await client.list_clusters()
    return caught.value


def readings(text: str) -> list[str]:
    """The text, and what Slack, a browser or a model would make of it once decoded."""
    once = html.unescape(text)
    unicode_escapes = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
    return [text, once, html.unescape(once), unicode_escapes]


def everything_shown(error: TogetherError) -> list[str]:
    slack = render_together_error(error)
    alert = api_unreachable(
        datetime(2026, 1, 1, tzinfo=UTC), str(error), datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
    )
    texts: list[Any] = [
        str(error),
        error.summary,
        error.said or "",
        error.body if isinstance(error, APIStatusError) else "",
        slack.text,
        json.dumps(slack.blocks, ensure_ascii=False),
        explain(error),
        alert.text,
        json.dumps(alert.blocks, ensure_ascii=False),
    ]
    return [reading for text in texts for reading in readings(text)]


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(BODIES))
async def test_an_escaped_key_in_an_error_body_is_shown_nowhere(name: str) -> None:
    error = await error_for(BODIES[name])
    shown = everything_shown(error)
    assert not [text for text in shown if KEY in text]
    assert not [text for text in shown if KEY[:12] in text]  # nor its start, cut short


@pytest.mark.anyio
async def test_what_together_said_is_still_shown_around_the_masked_key() -> None:
    error = await error_for(BODIES["json_escaped_in_json"])
    assert error.said == "key *** may not see proj-x"
    assert 'Together said: "key *** may not see proj-x".' in explain(error)
    assert "key *** may not see proj-x" in render_together_error(error).text


@pytest.mark.anyio
async def test_an_escaped_key_in_a_server_error_is_masked_too() -> None:
    error = await error_for(f"upstream saw {html_escaped(KEY)}".encode(), status=502)
    assert error.said == "upstream saw ***"
    assert all(KEY not in text for text in everything_shown(error))


@pytest.mark.parametrize("escape", [html_escaped, json_escaped])
def test_the_check_would_see_an_escaped_key_left_in_a_message(escape: Any) -> None:
    assert any(KEY in text for text in readings(f"key {escape(KEY)}"))
