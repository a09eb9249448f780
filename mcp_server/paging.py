"""Pages of clusters: opaque cursors, and page sizes that keep every result within budget.

A cursor records where the previous page ended as the last cluster's position in the sort order
(severity, name), not as an offset: a cluster created or deleted between two calls then
shifts nothing, so paging returns each cluster once. The cursor also carries a fingerprint of
the query, so a cursor used with other filters is refused instead of silently skipping clusters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, TypeVar

from shared.fleet import Assessment, ClusterFilter

Format = Literal["concise", "detailed"]

CHARS_PER_TOKEN = 4
# What the clusters of one page may take, in each of the text and the structured content; a
# result stays under 20,000 tokens with the fleet overview and the note, which are capped in size.
PAGE_TOKEN_BUDGET = 17_000
PAGE_CHAR_BUDGET = PAGE_TOKEN_BUDGET * CHARS_PER_TOKEN
MAX_LIMIT: dict[Format, int] = {"concise": 100, "detailed": 20}

KEY_NAME_CHARS = 64
# Ours hold a fingerprint, a rank, 64 characters of name (JSON-escaped: up to 12 characters
# each) and a digest: about 1,100 characters of base64 at most.
MAX_CURSOR_CHARS = 2_048
_NOT_OURS = (
    "The cursor is not valid. Pass next_cursor back exactly as it was returned, "
    "or leave cursor out to start from the first page."
)
SortKey = tuple[int, str, str]
T = TypeVar("T")


class CursorError(ValueError):
    """A cursor that is malformed or belongs to another query."""


@dataclass(frozen=True, slots=True)
class Query:
    """What a listing asks for: the scope and the filter. Format and limit may change per page."""

    project_id: str | None
    filter: ClusterFilter

    def fingerprint(self) -> str:
        canonical = json.dumps(
            {"scope": self.project_id, "filter": asdict(self.filter)}, sort_keys=True
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def encode_cursor(query: Query, last: SortKey) -> str:
    """An opaque cursor that resumes `query` after the cluster whose sort key is `last`."""
    payload = json.dumps([query.fingerprint(), *last], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(query: Query, cursor: str) -> SortKey:
    """The sort key a cursor resumes after.

    Anything the caller sends is untrusted: a cursor longer than any of ours is refused before
    it is decoded, and whatever fails while decoding it (bad base64, bytes that are not UTF-8,
    JSON nested deep enough to exhaust the recursion limit, the wrong shape) is the same refusal.

    Raises:
        CursorError: the cursor is not one of ours, or was made for a different query.
    """
    text = cursor.strip()
    if len(text) > MAX_CURSOR_CHARS:
        raise CursorError(_NOT_OURS)
    try:
        payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError, RecursionError, binascii.Error) as exc:
        raise CursorError(_NOT_OURS) from exc
    if not (isinstance(payload, list) and len(payload) == 4):
        raise CursorError(_NOT_OURS)
    fingerprint, rank, name, digest = payload
    if fingerprint != query.fingerprint():
        raise CursorError(
            "The cursor is not valid for this query: it belongs to a query with other filters or "
            "another project. Repeat the filters of the call that returned it, or leave cursor "
            "out to start over."
        )
    if not (type(rank) is int and isinstance(name, str) and isinstance(digest, str)):
        raise CursorError(_NOT_OURS)
    return (rank, name, digest)


def page_key(assessment: Assessment) -> SortKey:
    """Where a cluster sits in page order: severity, then name, then a digest of name and id.

    The same order as the fleet logic's, with the name cut short so that a cursor stays small
    whatever the API sends; the digest keeps the order total.
    """
    cluster = assessment.cluster
    name = cluster.cluster_name.lower()
    digest = hashlib.sha256(f"{name}\0{cluster.cluster_id}".encode()).hexdigest()[:16]
    return (assessment.severity.rank, name[:KEY_NAME_CHARS], digest)


def after(assessments: Sequence[Assessment], last: SortKey | None) -> list[Assessment]:
    """The assessments that come after `last`, in page order."""
    ordered = sorted(assessments, key=page_key)
    if last is None:
        return ordered
    return [a for a in ordered if page_key(a) > last]


def clamp_limit(limit: int, response_format: Format) -> int:
    """`limit`, no larger than what one page of that format may hold."""
    return max(1, min(limit, MAX_LIMIT[response_format]))


def fill_page(items: Iterable[T], limit: int, sizes: Callable[[T], tuple[int, int]]) -> list[T]:
    """The first items, up to `limit`, whose text and JSON sizes each fit `PAGE_CHAR_BUDGET`.

    The first item is always taken, so paging progresses even past an item larger than the
    budget (views cap every list inside one cluster, so a single cluster stays well below it).

    Args:
        items: candidates in page order; consumed only as far as needed (may be lazy).
        limit: the most items to take.
        sizes: an item's (text characters, JSON characters).
    """
    page: list[T] = []
    text_total = json_total = 0
    for item in itertools.islice(items, limit):
        text_size, json_size = sizes(item)
        text_total += text_size
        json_total += json_size
        if page and (text_total > PAGE_CHAR_BUDGET or json_total > PAGE_CHAR_BUDGET):
            break
        page.append(item)
    return page
