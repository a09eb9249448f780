"""Masking the API key in text that came back from Together, in whatever escaping it came.

An API or a proxy that echoes the request may send the key back JSON-escaped (`\\u0073k-...`),
HTML-escaped (`&#115;k-...`), percent-encoded, or several of these nested; Slack, a browser, a
model or a person reading a log will undo them. Masking the text as it came would miss all of
those. So the text is decoded, round after round until it stops changing, the key masked after
every round, and the decoded, masked text returned. Text in which the key appears in no form is
returned exactly as it came, escapes and all. A text ending in the first characters of the key
(a body cut short) has that end masked too.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

MASK = "***"
MIN_SECRET_CHARS = 8  # shorter "keys" (test placeholders) would shred every message
WITHHELD = "(text withheld: it was escaped too many times over to be shown safely)"
_MAX_ROUNDS = 8
_JSON_ESCAPE = re.compile(r'\\(u[0-9a-fA-F]{4}|["\\/bfnrt])')
_JSON_SIMPLE = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def redact(text: str, secret: str) -> str:
    """`text` with every occurrence of `secret`, escaped or not, replaced by `***`.

    When the secret occurs in some form, what comes back is the decoded text (JSON, HTML and
    percent escapes undone), since the escaped form is what hid it. Text still unwinding after
    eight rounds of decoding is withheld whole: nobody escapes an error message that often by
    accident.
    """
    if len(secret) < MIN_SECRET_CHARS:
        return text
    found = False
    current = text
    for _ in range(_MAX_ROUNDS):
        changed = False
        for decode in (_json_unescape, html.unescape, unquote):
            if secret in current:
                found = True
                current = current.replace(secret, MASK)
            step = decode(current)
            changed = changed or step != current
            current = step
        if not changed:
            break
    else:
        return WITHHELD
    if secret in current:
        found = True
        current = current.replace(secret, MASK)
    # A body cut short may end with the start of the key.
    for length in range(len(secret) - 1, MIN_SECRET_CHARS - 1, -1):
        if current.endswith(secret[:length]):
            return current[:-length] + MASK
    return current if found else text


def _json_unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out = _JSON_ESCAPE.sub(_one_escape, text)
    # A `\ud83d\ude00` pair decodes to two surrogates: join them, and replace any left alone.
    return out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _one_escape(match: re.Match[str]) -> str:
    escape = match.group(1)
    if escape.startswith("u"):
        return chr(int(escape[1:], 16))
    return _JSON_SIMPLE[escape]
