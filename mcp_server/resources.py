"""Resources: the fleet summary and one cluster's detail, as JSON an application can attach.

Static resources get no request context in mcp 2.x, so the handlers close over the server's
`FleetSource`, the same object the lifespan opens and the tools read.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from mcp_server.failures import explain
from mcp_server.outputs import FleetReport
from mcp_server.source import FleetSource
from mcp_server.views import brief, detail, overview
from shared.errors import AmbiguousClusterError, ClusterNotFoundError, TogetherError

ATTENTION_SHOWN = 20


def register_resources(server: MCPServer[FleetSource], source: FleetSource) -> None:
    """Add `clusters://fleet` and `clusters://cluster/{cluster_id}` to `server`."""

    @server.resource(
        "clusters://fleet",
        name="fleet",
        title="GPU fleet summary",
        description="Clusters by status and severity, GPUs live/ordered by type, and the "
        f"clusters that need attention (first {ATTENTION_SHOWN}), in the default project.",
        mime_type="application/json",
    )
    async def fleet() -> str:
        try:
            snapshot = await source.snapshot()
        except TogetherError as exc:
            raise ResourceError(explain(exc)) from None
        attention = [a for a in snapshot.assessments if a.severity.needs_attention]
        report = FleetReport(
            fleet=overview(snapshot.summary),
            needs_attention=[brief(a, snapshot.now) for a in attention[:ATTENTION_SHOWN]],
            more_needing_attention=max(0, len(attention) - ATTENTION_SHOWN),
        )
        return report.model_dump_json(exclude_defaults=True)

    @server.resource(
        "clusters://cluster/{cluster_id}",
        name="cluster",
        title="GPU cluster detail",
        description="One cluster in full (nodes, findings, transitions, events, volumes), by id "
        "or name.",
        mime_type="application/json",
    )
    async def cluster(cluster_id: str) -> str:
        try:
            assessment, now = await source.cluster(cluster_id)
        except (ClusterNotFoundError, AmbiguousClusterError) as exc:
            raise ResourceNotFoundError(explain(exc)) from None
        except TogetherError as exc:
            raise ResourceError(explain(exc)) from None
        return detail(assessment, now).model_dump_json(exclude_defaults=True)
