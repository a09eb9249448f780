"""One invisible-character filter behind Slack and MCP: every listed code point, both front ends.

A cluster name from Together reaches Slack through `esc`, `plain`, `code` and `esc_block`
(`bot.render.mrkdwn`) and a model through `clean` (`mcp_server.sanitize`); all of them use
`shared.text`, so a character hidden from one is hidden from the other.
"""

from __future__ import annotations

import pytest

from bot.render.mrkdwn import code, esc, esc_block, plain
from mcp_server.sanitize import clean
from shared.text import one_line, visible


def named(codes: dict[str, list[int]]) -> list[tuple[str, str]]:
    return [
        (f"{kind} U+{point:04X}", chr(point)) for kind, points in codes.items() for point in points
    ]


# Characters that show nothing (or reorder what is shown): removed, so `prod?-a` reads `prod-a`.
INVISIBLE = named(
    {
        "control": [*range(0x09), 0x0E, 0x0F, *range(0x10, 0x1C), 0x7F],
        "C1 control": [*range(0x80, 0x85), *range(0x86, 0xA0)],
        "soft hyphen": [0x00AD],
        "combining grapheme joiner": [0x034F],
        "arabic letter mark": [0x061C],
        "hangul filler": [0x115F, 0x1160, 0x3164, 0xFFA0],
        "khmer inherent vowel": [0x17B4, 0x17B5],
        "mongolian variation selector": [0x180B, 0x180C, 0x180D, 0x180F],
        "mongolian vowel separator": [0x180E],
        "zero width": [0x200B, 0x200C, 0x200D, 0xFEFF],
        "bidi mark": [0x200E, 0x200F],
        "bidi embedding or override": list(range(0x202A, 0x202F)),
        "word joiner and invisible operators": list(range(0x2060, 0x2065)),
        "bidi isolate": list(range(0x2066, 0x206A)),
        "deprecated format": list(range(0x206A, 0x2070)),
        "variation selector": [*range(0xFE00, 0xFE10), 0xE0100, 0xE01EF],
        "interlinear annotation": [0xFFF9, 0xFFFA, 0xFFFB],
        "tag": list(range(0xE0000, 0xE0080)),
        "private use": [0xE000, 0xF8FF, 0xF0000],
        "surrogate": [0xD800, 0xDFFF],
    }
)

# Characters that break or space a line: each becomes one space.
BLANK = named(
    {
        "line break": [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029],
        "tab and separators": [0x09, 0x1C, 0x1D, 0x1E, 0x1F],
        "wide space": [0xA0, 0x1680, 0x2003, 0x200A, 0x202F, 0x205F, 0x3000],
        "braille blank": [0x2800],
    }
)


@pytest.mark.parametrize(("kind", "char"), INVISIBLE, ids=[kind for kind, _ in INVISIBLE])
def test_an_invisible_character_is_removed_by_slack_and_mcp_alike(kind: str, char: str) -> None:
    name = f"prod{char}-a{char * 3}"

    assert one_line(name) == "prod-a"
    assert esc(name) == "prod-a"
    assert esc(name, 20) == "prod-a"
    assert plain(name)["text"] == "prod-a"
    assert code(name) == "`prod-a`"
    assert esc_block(f"first{char}\nsecond{char}", 100) == "first\nsecond"
    assert clean(name) == "prod-a"


@pytest.mark.parametrize(("kind", "char"), BLANK, ids=[kind for kind, _ in BLANK])
def test_a_blank_or_line_break_becomes_one_space_in_slack_and_mcp_alike(
    kind: str, char: str
) -> None:
    name = f"prod{char}a{char}{char}b"

    assert esc(name) == "prod a b"
    assert plain(name)["text"] == "prod a b"
    assert clean(name) == "prod a b"


def test_visible_text_in_any_script_and_emoji_are_kept() -> None:
    text = "Grüße, 東京-gpu, كلستر, кластер, 한국어 ✓ 🚀"

    assert visible(text) == text
    assert esc(text) == text
    assert clean(text) == text


def test_each_front_end_adds_only_its_own_escaping() -> None:
    hostile = '<!channel>\u2066 & \u00ad"quoted"\u2069'

    assert esc(hostile) == '&lt;!channel&gt; &amp; "quoted"'
    assert plain(hostile)["text"] == '<!channel> & "quoted"'
    assert clean(hostile) == '<!channel> & "quoted"'
