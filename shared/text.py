"""Untrusted text made visible: one filter for every front end, and escaping for log lines.

A cluster name, a node status or an error message from Together may carry characters that
change how text reads without being seen: control characters, bidirectional overrides and
isolates that reorder a line, zero-width and other invisible format characters, tag characters
(an invisible copy of ASCII, a known carrier for hidden instructions), variation selectors and
Hangul fillers that render as nothing. Slack (`bot.render.mrkdwn`) and MCP
(`mcp_server.sanitize`) both pass such text through `one_line` or `visible`, then add only their
own escaping. Logs keep every character but escape the ones that could forge a line
(`escape_controls`).
"""

from __future__ import annotations

import re
import unicodedata

# Control (Cc), format (Cf: bidi marks, overrides and isolates, zero-width, soft hyphen, word
# joiner, U+061C, U+180E, tag characters), surrogates, private use and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

# Letters and marks that render as nothing although their category says otherwise.
_INVISIBLE_CHARS = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u180b\u180c\u180d\u180f"  # Mongolian free variation selectors
)

# Shown as a blank without being whitespace to `str.isspace`.
_BLANK_CHARS = frozenset("\u2800")  # braille pattern blank

_TAGS = range(0xE0000, 0xE0080)
_VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))

# ASCII fast path: whitespace controls become spaces, the other controls go.
_ASCII_CONTROLS: dict[int, str | None] = {
    code: (" " if chr(code).isspace() else None) for code in (*range(0x20), 0x7F)
}


def is_invisible(char: str) -> bool:
    """Whether `char` (one character, not whitespace) shows nothing or changes how text reads."""
    code = ord(char)
    return (
        char in _INVISIBLE_CHARS
        or code in _TAGS
        or any(code in selectors for selectors in _VARIATION_SELECTORS)
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


def visible(text: str) -> str:
    """`text` with invisible characters removed and every kind of blank turned into a space.

    Newlines, tabs, line and paragraph separators and other whitespace become one space each
    (collapse them with `one_line`); characters that show nothing are dropped, so
    `prod\\u200b-a` reads and matches as `prod-a`.
    """
    if text.isascii():
        return text.translate(_ASCII_CONTROLS)
    return "".join(
        " " if char.isspace() or char in _BLANK_CHARS else char
        for char in text
        if char.isspace() or char in _BLANK_CHARS or not is_invisible(char)
    )


def one_line(text: str) -> str:
    """`text` as one line of visible characters: `visible`, blanks collapsed, ends stripped."""
    return " ".join(visible(text).split())


# What could end a log line early or rewrite it on a terminal: C0 and C1 controls, DEL, the
# Unicode line and paragraph separators, and the bidi controls that reorder what is shown.
_LOG_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_LOG_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _log_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _LOG_ESCAPES:
        return _LOG_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with control, line-breaking and bidi characters written as escapes (`\\n`, `\\x1b`).

    Unlike `visible`, nothing is lost: a log reader sees exactly what was sent, on one line.
    """
    return _LOG_UNSAFE.sub(_log_escape, text)
