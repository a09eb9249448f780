"""The tools: thin adapters that parse arguments, ask the fleet source, and render a view.

Each returns `Annotated[CallToolResult, Model]`: compact text for the model to read, plus
structured content validated against `Model`'s schema. Failures come back as `is_error` results
that say what to do (`failures.explain`); nothing here decides what is wrong with a cluster.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from mcp_server.failures import error_result, explain
from mcp_server.listing import build_page
from mcp_server.outputs import ClusterDetail, ClusterPage
from mcp_server.paging import CursorError, Format, Query, decode_cursor
from mcp_server.sanitize import clean
from mcp_server.source import FleetSource
from mcp_server.views import detail, detail_text
from shared.errors import TogetherError
from shared.fleet import ClusterFilter, FilterOptions, check_filter

LIST_DESCRIPTION = """\
List the user's Together AI GPU clusters with their health, most severe first.

Use it to answer "how are my clusters?", to find clusters that need attention, or to find a
cluster's exact name or id. Returns a fleet summary (clusters by status, GPUs live/ordered by
type, how many need attention) and one entry per matching cluster: name, id, status, severity
(critical, attention, unknown, provisioning, paused, healthy), region, GPU type and count,
healthy/total nodes, time in status, and findings (what is wrong) as short phrases.
response_format="detailed" adds nodes, remediations, transitions, events, volumes and versions;
prefer get_cluster for one cluster. Results are paged: when next_cursor is set, call again with
the same filters and that cursor, or narrow the filters. Filter values that cannot match are
rejected with the list of valid ones."""

GET_DESCRIPTION = """\
Show one Together AI GPU cluster in full: status and severity, every finding with its detail,
worker nodes (unhealthy first) with their remediation state and mode, recent status transitions
and node events, volumes, and versions.

Use it to investigate a cluster named by the user or returned by list_clusters. `cluster` is
an id, a name, or the unique start of a name. An unknown name is an error that lists the
closest names."""


async def list_clusters(
    ctx: Context[FleetSource, Any],
    project_id: Annotated[
        str | None, Field(description="Together project to list; default: the server's project.")
    ] = None,
    status: Annotated[
        str | None,
        Field(
            description="A status (Ready, Degraded, ...) or a severity (critical, attention, "
            "unknown, provisioning, paused, healthy)."
        ),
    ] = None,
    region: Annotated[str | None, Field(description="Region, e.g. us-east-1.")] = None,
    gpu_type: Annotated[
        str | None, Field(description="GPU type or its start, e.g. H100 or H100_SXM.")
    ] = None,
    name: Annotated[
        str | None, Field(description="Part of a cluster's name or id (any case).")
    ] = None,
    needs_attention: Annotated[
        bool, Field(description="Only clusters that need a person (critical, attention, unknown).")
    ] = False,
    response_format: Annotated[
        Format, Field(description="concise: one line per cluster; detailed: everything.")
    ] = "concise",
    limit: Annotated[
        int, Field(ge=1, le=100, description="Most clusters per page (detailed pages: 20 at most).")
    ] = 50,
    cursor: Annotated[
        str | None, Field(description="next_cursor from the previous page of the same query.")
    ] = None,
) -> Annotated[CallToolResult, ClusterPage]:
    source = ctx.request_context.lifespan_context
    query = Query(
        project_id=project_id or None,
        filter=ClusterFilter(
            status=status or None,
            region=region or None,
            gpu_type=gpu_type or None,
            name=name or None,
            needs_attention=needs_attention,
        ),
    )
    try:
        last = decode_cursor(query, cursor) if cursor else None
        snapshot = await source.snapshot(query.project_id)
    except CursorError as exc:
        return error_result(str(exc))
    except TogetherError as exc:
        return error_result(explain(exc))
    problems = check_filter(query.filter, FilterOptions.of(snapshot.assessments))
    if problems:
        return error_result(" ".join(clean(problem, 2000) for problem in problems))
    page, text = build_page(snapshot, query, response_format, limit, last)
    return _result(text, page.model_dump(mode="json", exclude_defaults=True))


async def get_cluster(
    ctx: Context[FleetSource, Any],
    cluster: Annotated[
        str, Field(description="Cluster id, name, or the unique start of a name.", min_length=1)
    ],
    project_id: Annotated[
        str | None, Field(description="Together project; default: the server's project.")
    ] = None,
) -> Annotated[CallToolResult, ClusterDetail]:
    source = ctx.request_context.lifespan_context
    try:
        assessment, now = await source.cluster(cluster, project_id)
    except TogetherError as exc:
        return error_result(explain(exc))
    view = detail(assessment, now)
    return _result(detail_text(view), view.model_dump(mode="json", exclude_defaults=True))


def _result(text: str, structured: dict[str, Any]) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured
    )


def _read_only(title: str) -> ToolAnnotations:
    # Unset hints default to destructive; clients that auto-approve read-only tools need all four.
    return ToolAnnotations(
        title=title,
        read_only_hint=True,
        destructive_hint=False,
        idempotent_hint=True,
        open_world_hint=True,
    )


def register_tools(server: MCPServer[FleetSource]) -> None:
    """Add the tools to `server`, each with a title, a description and all four hints."""
    server.add_tool(
        list_clusters,
        title="List GPU clusters",
        description=LIST_DESCRIPTION,
        annotations=_read_only("List GPU clusters"),
    )
    server.add_tool(
        get_cluster,
        title="Show a GPU cluster",
        description=GET_DESCRIPTION,
        annotations=_read_only("Show a GPU cluster"),
    )
