"""`shared.redaction.redact`: the key is masked in whatever escaping it came back in.

The client's use of it, and what Slack and MCP then show, are in `tests/test_key_never_shown.py`.
"""

from __future__ import annotations

import html

import pytest

from shared.redaction import MASK, WITHHELD, redact

KEY = "tgp_v1_k3y-that-must-never-show"


def json_escaped(text: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in text)


def html_escaped(text: str) -> str:
    return "".join(f"&#{ord(char)};" for char in text)


def percent_encoded(text: str) -> str:
    return "".join(f"%{ord(char):02X}" for char in text)


@pytest.mark.parametrize(
    "form",
    [
        KEY,
        json_escaped(KEY),
        "\\u0074" + KEY[1:],  # one character escaped is enough to slip past a plain replace
        html_escaped(KEY),
        "&#x74;" + KEY[1:],
        html.escape("&") + "#116;" + KEY[1:],  # escaped twice over
        "&#92;u0074" + KEY[1:],  # an HTML-escaped JSON escape
        "\\u0026#116;" + KEY[1:],  # a JSON-escaped HTML entity
        percent_encoded(KEY),
    ],
    ids=[
        "plain",
        "json",
        "json_one_char",
        "html_decimal",
        "html_hex",
        "html_twice",
        "html_then_json",
        "json_then_html",
        "percent",
    ],
)
def test_the_key_is_masked_in_every_escaped_form(form: str) -> None:
    shown = redact(f"Invalid key {form} for project p", KEY)
    assert KEY not in shown
    assert KEY not in html.unescape(shown)
    assert shown == f"Invalid key {MASK} for project p"


def test_text_without_the_key_comes_back_exactly_as_it_was() -> None:
    text = 'said \\"no\\" &amp; 100% sure \\u00e9'
    assert redact(text, KEY) == text


def test_a_text_ending_in_the_start_of_the_key_has_that_end_masked() -> None:
    assert redact(f"echo Bearer {KEY[:12]}", KEY) == f"echo Bearer {MASK}"


def test_text_escaped_past_any_reason_is_withheld_whole() -> None:
    nested = "&" + "amp;" * 20 + "#116;" + KEY[1:]
    assert redact(nested, KEY) == WITHHELD


def test_a_short_placeholder_key_masks_nothing() -> None:
    assert redact("key abc is fine", "abc") == "key abc is fine"


def test_escaped_surrogate_pairs_are_joined_and_lone_ones_replaced() -> None:
    shown = redact(f"\\ud83d\\ude00 {json_escaped(KEY)} \\ud800", KEY)
    assert shown == f"\N{GRINNING FACE} {MASK} \N{REPLACEMENT CHARACTER}"
