"""Putting untrusted strings into Slack text safely, and Block Kit text objects.

Every string that came from the API (or from a user) goes through `esc` before it enters mrkdwn:
Slack treats `<...>` as a link, mention or command, so a cluster named `<!channel>` would ping the
whole channel. Only `&`, `<` and `>` are escaped, as Slack documents. Before that, names are
flattened to one line and invisible characters removed by `shared.text` (the filter the MCP
server uses too), so a name cannot forge layout or hide text.
"""

from __future__ import annotations

import re
from typing import Any

from shared.text import one_line as one_line  # re-exported: renderers flatten names from here
from shared.text import visible

ELLIPSIS = "…"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def esc(text: object, limit: int | None = None) -> str:
    """`text` escaped for mrkdwn, on one line, at most `limit` characters after escaping.

    Cutting happens before escaping, so an entity like `&amp;` is never split.
    """
    flat = one_line(str(text))
    escaped = _escape(flat)
    if limit is None or len(escaped) <= limit:
        return escaped
    out, used = [], 0
    for char in flat:
        piece = _ESCAPES.get(char, char)
        if used + len(piece) > limit - 1:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def esc_block(text: str, limit: int) -> str:
    """Multi-line untrusted text (an error message) escaped, lines kept, at most `limit` chars."""
    lines = [_escape(visible(line)).strip() for line in text.splitlines()]
    return clip_escaped("\n".join(line for line in lines if line), limit)


def clip_escaped(text: str, limit: int) -> str:
    """Already-escaped `text` cut to `limit` characters without splitting an `&amp;` entity."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: max(0, limit - 1)]).rstrip() + ELLIPSIS


def code(text: object, limit: int = 200) -> str:
    """An identifier in `code` style; backticks inside are replaced so the span cannot end early."""
    flat = str(text).replace("`", "'")
    return f"`{esc(flat, limit)}`"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: object, limit: int = 3000) -> dict[str, Any]:
    """A plain_text object: shown literally by Slack, so it needs no escaping; never empty."""
    flat = one_line(str(text)) or "-"
    return {"type": "plain_text", "text": clip(flat, limit), "emoji": True}


def md(text: str) -> dict[str, Any]:
    """A mrkdwn object for text that is already escaped. Never empty."""
    return {"type": "mrkdwn", "text": text or " "}


def section(text: str, *, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": md(text)}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields_section(items: list[str]) -> dict[str, Any]:
    """A section of up to 10 mrkdwn fields (already escaped)."""
    return {"type": "section", "fields": [md(item) for item in items[:10]]}


def header(text: object) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [md(text) for text in texts[:10]]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}
