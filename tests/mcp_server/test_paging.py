"""Paging 1,000 clusters with cursors: each cluster exactly once, cursors that cannot mislead."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from mcp.types import CallToolResult

from mcp_server.paging import CursorError, Query, decode_cursor, encode_cursor
from shared.fleet import ClusterFilter
from tests.mcp_server.harness import Harness, error_text, names_of, serve, text_of

pytestmark = pytest.mark.anyio


async def page_through(h: Harness, **arguments: Any) -> list[CallToolResult]:
    pages = [await h.call("list_clusters", **arguments)]
    while cursor := (pages[-1].structured_content or {})["next_cursor"]:
        assert len(pages) < 200, "paging does not end"
        pages.append(await h.call("list_clusters", **arguments, cursor=cursor))
    return pages


@pytest.mark.parametrize(
    ("response_format", "limit", "pages"), [("concise", 100, 10), ("detailed", 20, 50)]
)
async def test_paging_through_a_thousand_clusters_returns_each_exactly_once(
    response_format: str, limit: int, pages: int
) -> None:
    async with serve("large:1000", cache_ttl_s=600) as h:
        results = await page_through(h, response_format=response_format, limit=limit)

    assert not any(r.is_error for r in results)
    ids = [c["id"] for r in results for c in r.structured_content["clusters"]]
    assert len(ids) == 1000
    assert len(set(ids)) == 1000
    assert len(results) == pages
    assert all(r.structured_content["total"] == 1000 for r in results)


async def test_paging_a_filtered_query_keeps_the_filter_on_every_page() -> None:
    async with serve("large:1000", cache_ttl_s=600) as h:
        results = await page_through(h, status="Ready", limit=100)

    ids = [c["id"] for r in results for c in r.structured_content["clusters"]]
    statuses = {c["status"] for r in results for c in r.structured_content["clusters"]}
    assert statuses == {"Ready"}
    assert len(ids) == len(set(ids)) == results[0].structured_content["total"] == 800


async def test_the_note_says_which_clusters_are_shown_and_how_to_get_the_next_page() -> None:
    async with serve("large:1000", cache_ttl_s=600) as h:
        first = await h.call("list_clusters", limit=30)
        cursor = first.structured_content["next_cursor"]
        second = await h.call("list_clusters", limit=30, cursor=cursor)

    note = first.structured_content["note"]
    assert note.startswith("Clusters 1-30 of 1000, most severe first.")
    assert f'cursor="{cursor}"' in note
    assert "narrow with status, region" in note
    assert second.structured_content["note"].startswith("Clusters 31-60 of 1000")
    assert note in text_of(first)


async def test_a_cluster_created_between_pages_does_not_repeat_or_hide_others() -> None:
    async with serve("demo") as h:
        first = await h.call("list_clusters", limit=4)
        # A new cluster sorting before the cursor must not push a seen one onto page two.
        h.sim.add_cluster(
            {
                "cluster_id": "aaaa-new",
                "cluster_name": "aaa-new-degraded",
                "status": "Degraded",
                "gpu_type": "H100_SXM",
            }
        )
        second = await h.call(
            "list_clusters",
            limit=10,
            cursor=first.structured_content["next_cursor"],
        )

    seen = names_of(first) + names_of(second)
    assert len(seen) == len(set(seen)) == 8
    assert "aaa-new-degraded" not in seen


async def test_a_limit_above_what_a_page_may_hold_is_capped_and_the_note_says_so() -> None:
    async with serve("large:1000", cache_ttl_s=600) as h:
        concise = await h.call("list_clusters", limit=100)
        detailed = await h.call("list_clusters", limit=50, response_format="detailed")
        too_many = await h.call("list_clusters", limit=500)

    assert concise.structured_content["returned"] == 100
    assert detailed.structured_content["returned"] == 20
    assert "A detailed page holds at most 20." in detailed.structured_content["note"]
    assert too_many.is_error
    assert "limit" in text_of(too_many)


def b64(payload: str | bytes) -> str:
    raw = payload.encode() if isinstance(payload, str) else payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


QUERY = Query(project_id=None, filter=ClusterFilter(status="Ready"))
NESTED_DEEP = b64("[" * 100_000)
NESTED_WITHIN_LENGTH = b64("[" * 1_500)  # short enough to be decoded, deep enough to recurse
MALFORMED = {
    "100,000 nested brackets": NESTED_DEEP,
    "1,500 nested brackets": NESTED_WITHIN_LENGTH,
    "huge": "A" * 1_000_000,
    "not base64": "%%% not * base64 %%%",
    "not ascii": "curseur-é-ü",
    "base64 of bytes that are not UTF-8": b64(b"\xff\xfe\x00\x9c garbage \x80"),
    "base64 of text that is not JSON": b64("hello, world"),
    "a JSON object": b64(json.dumps({"a": 1, "b": 2, "c": 3, "d": 4})),
    "a JSON string of four characters": b64(json.dumps("abcd")),
    "our fingerprint with values of the wrong types": b64(
        json.dumps([QUERY.fingerprint(), "1", 2, None])
    ),
    "our fingerprint with a rank that is a boolean": b64(
        json.dumps([QUERY.fingerprint(), True, "a", "b"])
    ),
}


@pytest.mark.parametrize("cursor", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_cursor_of_any_kind_is_refused_as_not_valid(cursor: str) -> None:
    with pytest.raises(CursorError, match=r"The cursor is not valid\. Pass next_cursor back"):
        decode_cursor(QUERY, cursor)


def test_a_cursor_of_another_query_is_refused_as_not_valid_for_this_one() -> None:
    other = Query(project_id=None, filter=ClusterFilter(status="Degraded"))
    cursor = encode_cursor(other, (1, "name", "digest"))

    with pytest.raises(CursorError, match="not valid for this query: it belongs to a query"):
        decode_cursor(QUERY, cursor)
    assert decode_cursor(other, cursor) == (1, "name", "digest")


def test_the_longest_cursor_of_ours_is_within_the_length_accepted() -> None:
    name = "\U0001f600" * 64  # each character JSON-escapes to 12
    cursor = encode_cursor(QUERY, (9, name, "f" * 16))

    assert decode_cursor(QUERY, cursor) == (9, name, "f" * 16)


@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", "eyJ4IjoxfQ", "W10", NESTED_DEEP, NESTED_WITHIN_LENGTH]
)
async def test_a_cursor_that_is_not_ours_is_refused_with_what_to_do(cursor: str) -> None:
    async with serve() as h:
        text = error_text(await h.call("list_clusters", cursor=cursor))

    assert "cursor is not valid" in text
    assert "leave cursor out" in text


async def test_a_cursor_reused_with_other_filters_is_refused_rather_than_skipping_clusters() -> (
    None
):
    async with serve("large:1000", cache_ttl_s=600) as h:
        first = await h.call("list_clusters", status="Ready", limit=10)
        cursor = first.structured_content["next_cursor"]
        other_filter = await h.call("list_clusters", status="Degraded", cursor=cursor)
        other_project = await h.call(
            "list_clusters", status="Ready", project_id="proj-team-01", cursor=cursor
        )
        same_query_other_format = await h.call(
            "list_clusters", status="Ready", cursor=cursor, response_format="detailed", limit=5
        )

    for refused in (other_filter, other_project):
        assert refused.is_error
        assert "belongs to a query with other filters" in text_of(refused)
    assert not same_query_other_format.is_error
    assert same_query_other_format.structured_content["note"].startswith("Clusters 11-15 of 800")
