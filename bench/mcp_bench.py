"""Benchmark 4: what `list_clusters` costs a model, against the raw API JSON, and how fast it is.

The MCP server (`mcp_server.server.create_server`) runs in memory behind `mcp.Client(server)`;
upstream is the simulator's `large:1000` in another process. The benchmark pages through the
whole fleet with cursors, concise and detailed, and counts per page: the text a model reads, the
structured content (compact JSON), and the raw JSON the API sent for the same clusters. Tokens
are characters / 4.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.report import Section, Target, not_measured
from bench.stats import ms, percentile
from clusters_devkit.sim_process import SimulatorProcess
from shared.settings import TogetherSettings

TITLE = "4. MCP output: list_clusters through mcp.Client(server) in memory, 1,000 clusters"
GOALS = [
    "concise text <= 4 % of the raw JSON for the same clusters",
    "concise <= 60 tokens per cluster on average (issue 5)",
    "no result above 20,000 tokens, as text or as JSON (issue 5)",
]
CLUSTERS = 1000
RAW_SHARE_TARGET = 0.04
TOKENS_PER_CLUSTER_TARGET = 60
PAGE_TOKENS_TARGET = 20_000
LIMITS = {"concise": 100, "detailed": 20}


def tokens(chars: int) -> float:
    return chars / 4


@dataclass
class Paging:
    """Every page of one response format."""

    format: str
    latencies: list[float] = field(default_factory=list)
    text_chars: list[int] = field(default_factory=list)
    json_chars: list[int] = field(default_factory=list)
    raw_chars: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    @property
    def clusters(self) -> int:
        return sum(self.returned)


def run(quick: bool) -> Section:
    """Page through the fleet in both formats (a quick run reads 5 detailed pages)."""
    try:
        from mcp import Client  # noqa: F401

        from mcp_server.server import create_server  # noqa: F401
    except ImportError as exc:
        return skipped(f"the MCP server is not available yet ({exc})")
    with SimulatorProcess(f"large:{CLUSTERS}") as sim:
        pagings = asyncio.run(_page_all(sim, detailed_pages=5 if quick else None))
    return _section(pagings)


async def _page_all(sim: SimulatorProcess, *, detailed_pages: int | None) -> list[Paging]:
    from mcp import Client

    from mcp_server.server import create_server

    raw = await _raw_sizes(sim)
    settings = TogetherSettings(api_key=sim.api_key, base_url=sim.url, timeout_s=60)
    pagings = []
    async with Client(create_server(settings)) as client:
        for fmt, most in (("concise", None), ("detailed", detailed_pages)):
            paging = Paging(fmt)
            cursor: str | None = None
            while most is None or len(paging.returned) < most:
                arguments: dict[str, Any] = {"response_format": fmt, "limit": LIMITS[fmt]}
                if cursor:
                    arguments["cursor"] = cursor
                start = time.perf_counter()
                result = await client.call_tool("list_clusters", arguments)
                paging.latencies.append(time.perf_counter() - start)
                if result.is_error:
                    raise RuntimeError(f"list_clusters failed: {_text(result)[:200]}")
                page = result.structured_content or {}
                ids = [c["id"] for c in page.get("clusters", [])]
                paging.ids.update(ids)
                paging.returned.append(len(ids))
                paging.text_chars.append(len(_text(result)))
                paging.json_chars.append(len(json.dumps(page, separators=(",", ":"))))
                paging.raw_chars.append(sum(raw[i] for i in ids))
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            pagings.append(paging)
    return pagings


async def _raw_sizes(sim: SimulatorProcess) -> dict[str, int]:
    """Characters of each cluster's JSON as the API sent it (compact), by id."""
    headers = {"Authorization": f"Bearer {sim.api_key}"}
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.get(f"{sim.url}/compute/clusters", headers=headers)
        response.raise_for_status()
    clusters = response.json()["clusters"]
    return {c["cluster_id"]: len(json.dumps(c, separators=(",", ":"))) for c in clusters}


def _text(result: Any) -> str:
    return "".join(getattr(part, "text", "") for part in result.content)


def _section(pagings: list[Paging]) -> Section:
    section = Section(
        TITLE,
        columns=[
            "format",
            "pages",
            "clusters",
            "text tokens/cluster",
            "JSON tokens/cluster",
            "raw API tokens/cluster",
            "text/raw",
            "JSON/raw",
            "largest page, tokens: text / JSON (both)",
            "first call",
            "later calls p50 / p99",
        ],
    )
    for p in pagings:
        count = max(p.clusters, 1)
        both = max(t + j for t, j in zip(p.text_chars, p.json_chars, strict=True))
        largest = f"{tokens(max(p.text_chars)):,.0f} / {tokens(max(p.json_chars)):,.0f}"
        later = p.latencies[1:] or p.latencies
        section.rows.append(
            [
                p.format,
                str(len(p.returned)),
                f"{p.clusters:,} ({len(p.ids):,} distinct)",
                f"{tokens(sum(p.text_chars)) / count:.1f}",
                f"{tokens(sum(p.json_chars)) / count:.1f}",
                f"{tokens(sum(p.raw_chars)) / count:.0f}",
                f"{sum(p.text_chars) / max(sum(p.raw_chars), 1):.2%}",
                f"{sum(p.json_chars) / max(sum(p.raw_chars), 1):.2%}",
                f"{largest} ({tokens(both):,.0f})",
                ms(p.latencies[0]),
                f"{ms(percentile(later, 50))} / {ms(percentile(later, 99))}",
            ]
        )
    section.targets = _targets(pagings)
    section.notes += [
        "Text: what the result's text content holds. JSON: its structured content, compact. "
        "A client hands the model one of the two (Claude Code the structured content when "
        "there is one), so each is held to the budget; (both) is their sum, for reference. "
        "Raw: the API's JSON for the same clusters.",
        "First call: fetch from the simulator, judge, render. Later calls reuse the server's "
        "5 s cache but judge the fleet again on every call; a call after the cache expired "
        "fetches again, which is what a high p99 shows.",
    ]
    if len(pagings) > 1 and pagings[1].clusters < CLUSTERS:
        section.notes.append(f"Detailed: the first {len(pagings[1].returned)} pages only.")
    return section


def _targets(pagings: list[Paging]) -> list[Target]:
    concise = pagings[0]
    text, raw = sum(concise.text_chars), max(sum(concise.raw_chars), 1)
    per_cluster = tokens(text) / max(concise.clusters, 1)
    text_largest = max(tokens(t) for p in pagings for t in p.text_chars)
    json_largest = max(tokens(j) for p in pagings for j in p.json_chars)
    complete = len(concise.ids) == CLUSTERS == concise.clusters
    share = Target(GOALS[0], f"{text / raw:.2%}", text / raw <= RAW_SHARE_TARGET)
    return [
        share,
        Target(GOALS[1], f"{per_cluster:.1f}", per_cluster <= TOKENS_PER_CLUSTER_TARGET),
        Target(
            GOALS[2],
            f"largest page {text_largest:,.0f} tokens as text, {json_largest:,.0f} as JSON"
            + ("" if complete else f"; paging returned {len(concise.ids)} distinct clusters"),
            max(text_largest, json_largest) <= PAGE_TOKENS_TARGET,
        ),
    ]


def skipped(reason: str) -> Section:
    return not_measured(TITLE, reason, GOALS)
