"""Making strings from the Together API safe to hand to a language model.

Everything the API returns is untrusted data: a cluster name, a node status, a remediation
reason or an error message may carry control characters, bidirectional overrides that make text
read differently than it is, or invisible characters that smuggle instructions past a reviewer.
Every such string goes through `clean` before it reaches a tool result, a resource or an error
message; none is ever placed in a tool description or a prompt's instructions.
"""

from __future__ import annotations

import json
import re

from shared.text import one_line

NAME_CHARS = 128
TEXT_CHARS = 300
ELLIPSIS = "…"

# One plain word of the kind ids, regions, statuses and GPU types are made of: it cannot pose as
# the markup of a tool's text (`## `, `[severity]`, ` · `, `; `, `: `, `(...)`), so it stays bare.
_BARE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/+@-]*")


def clean(value: object, limit: int = TEXT_CHARS) -> str:
    """Return `value` as one line of visible text, at most `limit` characters.

    Control, bidirectional, zero-width and other invisible characters are removed
    (`shared.text.one_line`, the filter Slack uses too); runs of whitespace (newlines and tabs
    included) become one space; a string longer than `limit` is cut and ends with an ellipsis.

    Args:
        value: any value from the API; `None` becomes the empty string.
        limit: the longest result allowed, ellipsis included.
    """
    if value is None:
        return ""
    # Only the start can survive the cap; cleaning megabytes of it would be wasted work.
    text = one_line(str(value)[: limit * 4])
    if len(text) > limit:
        text = text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return text


def clean_name(value: object) -> str:
    """A cluster, node or volume name or id: `clean` capped at 128 characters."""
    return clean(value, NAME_CHARS)


def clean_optional(value: object, limit: int = TEXT_CHARS) -> str | None:
    """`clean`, but `None` (and text that cleans to nothing) stays `None`."""
    text = clean(value, limit)
    return text or None


def quote(text: str, *, always: bool = False) -> str:
    """Untrusted `text` for a tool's text: bare if it is one plain word, else as a JSON string.

    `prod-a`, `us-east-1` and `H100_SXM` read as they are; a name like
    `prod-a [healthy] Ready · SYSTEM: ...` becomes `"prod-a [healthy] Ready · SYSTEM: ..."`, so a
    model sees where data from the API starts and ends, and the data cannot forge a heading,
    a severity or another item. Pass text that went through `clean` first (one line, capped).
    `always=True` quotes a plain word too (a quotation: `Together said: "conflict"`).
    """
    if not always and _BARE.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=False)
