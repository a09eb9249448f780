"""What a client discovers: tools (against a committed snapshot), resources and the prompt."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import MCPError
from mcp.types import TextContent, TextResourceContents

from tests.mcp_server.harness import resource_text, serve

pytestmark = pytest.mark.anyio

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools_list.json"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


async def test_tools_list_matches_the_committed_snapshot() -> None:
    async with serve() as h:
        tools = (await h.client.list_tools()).tools

    listed: list[dict[str, Any]] = [
        tool.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"meta"})
        for tool in tools
    ]
    if UPDATE:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(listed, indent=2, ensure_ascii=False) + "\n")
    assert listed == json.loads(SNAPSHOT.read_text()), (
        "tools/list changed; if on purpose, rerun with UPDATE_SNAPSHOTS=1 and review the diff"
    )


async def test_every_tool_is_titled_described_and_declares_all_four_hints() -> None:
    async with serve() as h:
        tools = (await h.client.list_tools()).tools

    assert [tool.name for tool in tools] == ["list_clusters", "get_cluster", "list_remediations"]
    for tool in tools:
        hints = tool.annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint) == (True, False)
        assert (hints.idempotent_hint, hints.open_world_hint) == (True, True)
        assert tool.title and hints.title == tool.title
        assert tool.description and len(tool.description) > 200
        assert tool.output_schema is not None


async def test_list_clusters_takes_the_filters_the_format_the_limit_and_a_cursor() -> None:
    async with serve() as h:
        tools = {tool.name: tool for tool in (await h.client.list_tools()).tools}

    schema = tools["list_clusters"].input_schema
    assert set(schema["properties"]) == {
        "project_id",
        "status",
        "region",
        "gpu_type",
        "name",
        "needs_attention",
        "response_format",
        "limit",
        "cursor",
    }
    assert schema.get("required", []) == []
    assert schema["properties"]["response_format"]["enum"] == ["concise", "detailed"]
    assert schema["properties"]["limit"]["maximum"] == 100
    assert tools["get_cluster"].input_schema["required"] == ["cluster"]


async def test_the_fleet_resource_gives_totals_and_the_clusters_needing_attention() -> None:
    async with serve() as h:
        listed = await h.client.list_resources()
        templates = await h.client.list_resource_templates()
        result = await h.client.read_resource("clusters://fleet")

    assert [str(r.uri) for r in listed.resources] == ["clusters://fleet"]
    assert [t.uri_template for t in templates.resource_templates] == [
        "clusters://cluster/{cluster_id}"
    ]
    [content] = result.contents
    assert isinstance(content, TextResourceContents)
    assert content.mime_type == "application/json"
    report = json.loads(content.text)
    assert report["fleet"]["clusters"] == 8
    assert [c["name"] for c in report["needs_attention"]] == [
        "batch-embed-l40",
        "rl-sweeps-h200",
        "inference-prod-h100",
        "serving-spot-h200",
    ]


async def test_the_cluster_resource_gives_one_cluster_in_detail_by_id_or_name() -> None:
    async with serve() as h:
        by_name = await h.client.read_resource("clusters://cluster/rl-sweeps-h200")
        cluster_id = json.loads(resource_text(by_name))["id"]
        by_id = await h.client.read_resource(f"clusters://cluster/{cluster_id}")

    detail = json.loads(resource_text(by_id))
    assert detail == json.loads(resource_text(by_name))
    assert detail["name"] == "rl-sweeps-h200"
    assert detail["nodes"][0]["remediation"]["state"] == "PENDING_APPROVAL"


async def test_reading_an_unknown_cluster_resource_fails_with_the_closest_names() -> None:
    async with serve() as h:
        with pytest.raises(MCPError, match="Closest: rl-sweeps-h200") as raised:
            await h.client.read_resource("clusters://cluster/rl-sweep-h200")

    assert "Traceback" not in str(raised.value)


async def test_a_together_failure_while_reading_a_resource_says_what_to_do() -> None:
    async with serve() as h:
        h.fault(status=401)
        with pytest.raises(MCPError, match="Set TOGETHER_API_KEY"):
            await h.client.read_resource("clusters://fleet")


async def test_the_triage_prompt_walks_through_the_tools_for_the_given_cluster() -> None:
    async with serve() as h:
        prompts = (await h.client.list_prompts()).prompts
        result = await h.client.get_prompt("triage_cluster", {"cluster": "rl-sweeps-h200"})

    [prompt] = prompts
    assert prompt.name == "triage_cluster"
    assert [(a.name, a.required) for a in prompt.arguments or []] == [("cluster", True)]
    [message] = result.messages
    assert message.role == "user"
    assert isinstance(message.content, TextContent)
    text = message.content.text
    for step in ("get_cluster", "list_clusters", "needs_attention=true", "awaiting approval"):
        assert step in text
    assert text.endswith("'rl-sweeps-h200'")
