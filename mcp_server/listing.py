"""One page of `list_clusters`: the filtered clusters, their views, the cursor and the note.

Pure: takes a judged snapshot and a query, returns the structured page and its compact text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mcp_server.outputs import ClusterBrief, ClusterDetail, ClusterPage
from mcp_server.paging import (
    MAX_LIMIT,
    Format,
    Query,
    SortKey,
    after,
    clamp_limit,
    encode_cursor,
    fill_page,
    page_key,
)
from mcp_server.sanitize import clean
from mcp_server.source import Snapshot
from mcp_server.views import brief, brief_text, detail, detail_text, overview, overview_text
from shared.fleet import Assessment

NARROW_HINT = "narrow with status, region, gpu_type, name or needs_attention=true"


@dataclass(frozen=True, slots=True)
class _Rendered:
    assessment: Assessment
    view: ClusterBrief | ClusterDetail
    text: str
    json_chars: int


def build_page(
    snapshot: Snapshot,
    query: Query,
    response_format: Format,
    limit: int,
    last: SortKey | None = None,
) -> tuple[ClusterPage, str]:
    """The page of `query` that follows `last`, as a model and as compact text.

    Args:
        snapshot: the judged fleet.
        query: scope and filter; the filter is assumed valid (see `check_filter`).
        response_format: `concise` (one line per cluster) or `detailed`.
        limit: the most clusters wanted; capped per format, and by the page's size budget.
        last: the sort key the previous page ended with, from its cursor.
    """
    matching = query.filter.apply(snapshot.assessments)
    remaining = after(matching, last)
    skipped = len(matching) - len(remaining)
    capped = clamp_limit(limit, response_format)
    rendered = fill_page(
        (_render(a, response_format, snapshot.now) for a in remaining),
        capped,
        lambda r: (len(r.text) + 1, r.json_chars),
    )
    more = len(remaining) - len(rendered)
    next_cursor = encode_cursor(query, page_key(rendered[-1].assessment)) if more else None
    fleet = overview(snapshot.summary)
    described = clean(query.filter.describe(), 300) or "all"
    if query.project_id:
        described = f"project:{clean(query.project_id, 128)} {described}"
    note = _note(
        total=len(matching),
        first=skipped + 1,
        shown=len(rendered),
        more=more,
        cursor=next_cursor,
        capped_by_format=limit > MAX_LIMIT[response_format],
        response_format=response_format,
        fleet_size=snapshot.summary.total,
    )
    page = ClusterPage(
        fleet=fleet,
        query=described,
        total=len(matching),
        returned=len(rendered),
        clusters=[r.view for r in rendered],
        next_cursor=next_cursor,
        note=note,
    )
    separator = "\n" if response_format == "concise" else "\n\n"
    body = separator.join(r.text for r in rendered)
    text = "\n".join(
        part
        for part in (
            overview_text(fleet),
            f"Query: {described}. {len(matching)} match.",
            body,
            note,
        )
        if part
    )
    return page, text


def _render(assessment: Assessment, response_format: Format, now: datetime) -> _Rendered:
    view: ClusterBrief | ClusterDetail
    if response_format == "concise":
        view = brief(assessment, now)
        text = brief_text(view)
    else:
        view = detail(assessment, now)
        text = detail_text(view)
    json_chars = len(view.model_dump_json(exclude_defaults=True))
    return _Rendered(assessment, view, text, json_chars)


def _note(
    *,
    total: int,
    first: int,
    shown: int,
    more: int,
    cursor: str | None,
    capped_by_format: bool,
    response_format: Format,
    fleet_size: int,
) -> str:
    if total == 0:
        if fleet_size == 0:
            return "No clusters in this scope."
        return (
            "No cluster matches. Drop or loosen a filter (list_clusters with no filters lists all)."
        )
    if shown == total:
        return f"All {total} matching clusters shown, most severe first."
    span = f"Clusters {first}-{first + shown - 1} of {total}, most severe first."
    if not more:
        return f"{span} This is the last page."
    capped = (
        f" A {response_format} page holds at most {MAX_LIMIT[response_format]}."
        if capped_by_format
        else ""
    )
    return (
        f"{span}{capped} For the next {min(more, shown)} of {more} more, call list_clusters "
        f'again with the same filters and cursor="{cursor}"; or {NARROW_HINT}.'
    )
