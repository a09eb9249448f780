"""Making strings from the Together API safe to hand to a language model.

Everything the API returns is untrusted data: a cluster name, a node status, a remediation
reason or an error message may carry control characters, bidirectional overrides that make text
read differently than it is, or invisible characters that smuggle instructions past a reviewer.
Every such string goes through `clean` before it reaches a tool result, a resource or an error
message; none is ever placed in a tool description or a prompt's instructions.
"""

from __future__ import annotations

import unicodedata

NAME_CHARS = 128
TEXT_CHARS = 300
ELLIPSIS = "…"

# Control (Cc), format (Cf: bidi overrides and isolates, zero-width, tag characters), surrogates,
# private use, unassigned, and the line/paragraph separators.
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


# ASCII fast path: whitespace controls become spaces, the other controls go.
_ASCII_CONTROLS: dict[int, str | None] = {
    code: (" " if chr(code).isspace() else None) for code in (*range(0x20), 0x7F)
}


def _is_variation_selector(char: str) -> bool:
    # Variation selectors render as nothing and are a known carrier for hidden payloads.
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def clean(value: object, limit: int = TEXT_CHARS) -> str:
    """Return `value` as one line of visible text, at most `limit` characters.

    Control, bidirectional, zero-width and other invisible characters are removed; runs of
    whitespace (newlines and tabs included) become one space; a string longer than `limit` is
    cut and ends with an ellipsis.

    Args:
        value: any value from the API; `None` becomes the empty string.
        limit: the longest result allowed, ellipsis included.
    """
    if value is None:
        return ""
    # Only the start can survive the cap; cleaning megabytes of it would be wasted work.
    text = str(value)[: limit * 4]
    if text.isascii():
        kept = text.translate(_ASCII_CONTROLS)
    else:
        kept = "".join(
            " " if char.isspace() else char
            for char in text
            if char.isspace()
            or (
                unicodedata.category(char) not in _STRIPPED_CATEGORIES
                and not _is_variation_selector(char)
            )
        )
    text = " ".join(kept.split())
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
