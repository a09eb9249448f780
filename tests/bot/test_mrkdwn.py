"""Escaping untrusted strings for Slack's mrkdwn, and cutting them without breaking entities."""

from __future__ import annotations

from bot.render.actions import ButtonState, button, matching, numbered
from bot.render.mrkdwn import clip, clip_escaped, code, esc, esc_block, plain
from shared.text import one_line


def test_exactly_ampersand_and_angle_brackets_are_escaped() -> None:
    assert esc("<!channel> & <@U1> *bold* _it_") == "&lt;!channel&gt; &amp; &lt;@U1&gt; *bold* _it_"


def test_a_cut_never_splits_an_entity() -> None:
    for limit in range(2, 20):
        cut = esc("a&b<c>d" * 5, limit)
        assert len(cut) <= limit
        assert cut.endswith("…")
        body = cut[:-1]
        assert body.count("&") == body.count(";")


def test_clip_escaped_drops_a_partial_entity_at_the_end() -> None:
    assert clip_escaped("abc&amp;def", 6) == "abc…"
    assert clip_escaped("short", 10) == "short"


def test_names_are_flattened_to_one_visible_line() -> None:
    assert one_line("evil\nname\u202e\u200b  here\t") == "evil name here"


def test_multi_line_text_keeps_its_lines_but_not_its_markup_powers() -> None:
    assert esc_block("line one <b>\n\nline two &", 100) == "line one &lt;b&gt;\nline two &amp;"


def test_code_spans_cannot_be_closed_early() -> None:
    assert code("a`b<c>") == "`a'b&lt;c&gt;`"


def test_plain_text_is_never_empty_and_never_over_its_limit() -> None:
    assert plain("   ")["text"] == "-"
    assert plain("x" * 200, 150)["text"] == clip("x" * 200, 150)
    assert len(plain("x" * 200, 150)["text"]) == 150


def test_button_state_round_trips_and_reads_plain_ids() -> None:
    state = ButtonState(cluster_id="c-1", query="degraded region:x", page=2, project="p")
    assert ButtonState.decode(state.encode()) == state
    assert ButtonState.decode("c-plain-id") == ButtonState(cluster_id="c-plain-id")
    assert ButtonState.decode('{"p": -3, "id": 7}') == ButtonState()


def test_a_state_too_big_for_a_button_value_gives_no_button() -> None:
    assert ButtonState(query="x" * 2100).encode() is None
    assert button("Refresh", "a", ButtonState(query="x" * 2100)) is None


def test_numbered_action_ids_match_their_listener_pattern() -> None:
    pattern = matching("cluster_details")
    assert pattern.match(numbered("cluster_details", 3))
    assert pattern.match("cluster_details")
    assert not pattern.match("cluster_details_new")
